"""The event service's slice of the API, mounted at /api/v1/events/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
