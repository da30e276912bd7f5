"""The provider's RSA signing key: read from a PEM file, generated there once if missing.

The key never lives in the repository: by default it is written under `<repo>/.run/identity/`,
which git ignores. Several processes may start at once (gunicorn workers, a test run), so the
file is written to a temporary name and linked into place, which only one of them can win.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from jwcrypto import jwk

RSA_KEY_BITS = 2048


def load_or_create_private_key(path: Path) -> str:
    """Return the PEM-encoded private key at `path`, generating a new RSA key there first if none.

    Side effects: creates `path` (mode 0600) and its directory when the key does not exist yet.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = jwk.JWK.generate(kty="RSA", size=RSA_KEY_BITS).export_to_pem(
            private_key=True, password=None
        )
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".oidc-rsa-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
            # If another process linked its key first, theirs is the key.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text()
