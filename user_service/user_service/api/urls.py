"""The user service's slice of the API, mounted at /api/v1/users/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
