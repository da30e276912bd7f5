"""Print a new VAPID key pair for Web Push, as the lines of an .env file.

    uv run --frozen python scripts/vapid_keys.py [--subject mailto:dev@crewup.local]

The private key is the raw P-256 scalar and the public key its uncompressed point, both
base64url, as `shared.settings.common` reads them. `scripts/bootstrap.sh` writes a pair into
`.env` when it has none; for a real deployment, make one here and keep the private key in a
Secret. A new pair invalidates every browser's push subscription: they must subscribe again.
"""

from __future__ import annotations

import argparse

from shared.notifications.webpush import vapid_key_pair_generate


def main() -> None:
    """Print WEBPUSH_VAPID_PRIVATE_KEY= and WEBPUSH_VAPID_PUBLIC_KEY= (and the subject, if given)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subject", help="also print WEBPUSH_VAPID_SUBJECT=<this>")
    arguments = parser.parse_args()
    private_key, public_key = vapid_key_pair_generate()
    print(f"WEBPUSH_VAPID_PRIVATE_KEY={private_key}")
    print(f"WEBPUSH_VAPID_PUBLIC_KEY={public_key}")
    if arguments.subject:
        print(f"WEBPUSH_VAPID_SUBJECT={arguments.subject}")


if __name__ == "__main__":
    main()
