"""WSGI entry point: `gunicorn identity.wsgi --bind 127.0.0.1:8090`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "identity.settings")

application = get_wsgi_application()
