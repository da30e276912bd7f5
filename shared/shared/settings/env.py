"""The one object that reads the environment.

Only settings modules read it. `.env` is read only when `DJANGO_READ_DOT_ENV_FILE=true`,
and a variable set in the real environment always wins over the file.
"""

from pathlib import Path

import environ

env = environ.Env()

if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(env.str("DJANGO_DOT_ENV_FILE", default=str(Path.cwd() / ".env")), overwrite=False)
