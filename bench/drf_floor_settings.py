"""The event service's settings with one more URL (`drf_floor_urls`); for the benchmark only."""

from event_service.settings import *  # noqa: F403

ROOT_URLCONF = "drf_floor_urls"
