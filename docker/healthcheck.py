"""The image's HEALTHCHECK: `/healthz` answers for the HTTP roles; other roles have no port.

Kubernetes ignores HEALTHCHECK (the chart's probes do this job); it serves `docker run`.
"""

import os
import sys
import urllib.request
from pathlib import Path

role_file = Path(os.environ.get("TMPDIR", "/tmp")) / "crewup-role"  # noqa: S108
role = role_file.read_text().strip() if role_file.exists() else "web"
if role not in {"web", "ws"}:
    sys.exit(0)
url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
