"""The pytest plugin of this provider's suite (`-p identity.testing`).

Loaded by `-p` before pytest-django reads the settings, so the test run's signing key goes
to a temporary directory instead of `<repo>/.run/identity/` (the real environment wins).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault(
    "IDENTITY_RSA_PRIVATE_KEY_FILE",
    str(Path(tempfile.gettempdir()) / f"crewup-identity-tests-{os.getuid()}" / "oidc-rsa.pem"),
)
