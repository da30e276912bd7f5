"""ASGI entry point, served by daphne: the crew chat WebSockets (REST is served by gunicorn)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "group_service.settings")

# Django must be set up before the consumers (and the models they import) load.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from group_service.routing import websocket_urlpatterns  # noqa: E402
from group_service.sockets import (  # noqa: E402
    RequestIdMiddleware,
    browser_origin_validator,
    send_close_reasons,
)
from shared.auth.channels import JWTAuthMiddleware  # noqa: E402

send_close_reasons()
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": RequestIdMiddleware(
            browser_origin_validator(
                # the routes are Django URL patterns of consumers (routing.py)
                JWTAuthMiddleware(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
            )
        ),
    }
)

# What is loaded by now (Django, the apps, their modules) lives as long as the process: out of
# the cyclic collector's way. Each full collection walked all of it, a pause of every socket's
# deliveries (74 ms, about once a minute at 120 msg/s to a crew of 50; issue #13).
gc.freeze()
