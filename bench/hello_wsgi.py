"""The baseline: a bare WSGI hello-world, served with the same gunicorn settings as the services."""

import json

BODY = json.dumps({"hello": "world"}).encode()


def application(environ, start_response):
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
