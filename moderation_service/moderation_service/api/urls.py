"""The moderation service's slice of the API, mounted at /api/v1/moderation/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
