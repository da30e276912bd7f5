import stat

from django.conf import settings
from jwcrypto import jwk

from identity.keys import load_or_create_private_key


def test_a_missing_key_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "identity" / "oidc-rsa.pem"

    first = load_or_create_private_key(path)
    second = load_or_create_private_key(path)

    assert first == second
    key = jwk.JWK.from_pem(first.encode())
    assert key["kty"] == "RSA"
    assert key.has_private
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in path.parent.iterdir()] == ["oidc-rsa.pem"]


def test_an_existing_key_is_used_as_it_is(tmp_path):
    path = tmp_path / "oidc-rsa.pem"
    pem = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None)
    path.write_bytes(pem)

    assert load_or_create_private_key(path) == pem.decode()


def test_the_test_run_keeps_its_key_out_of_the_repository():
    assert not settings.IDENTITY_RSA_PRIVATE_KEY_FILE.is_relative_to(settings.REPO_ROOT)
