"""The safety service's slice of the API, mounted at /api/v1/safety/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
