"""The accounts app's part of /api/v1/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
