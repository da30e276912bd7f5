"""The group service's slice of the API, mounted at /api/v1/groups/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
