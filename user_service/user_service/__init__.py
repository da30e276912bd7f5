"""The CrewUp user service: a deployable composition of the shared domain apps."""

from user_service.celery import app as celery_app

__all__ = ["celery_app"]
