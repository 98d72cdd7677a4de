"""Public pages of the audit app, no login: the transparency report (mounted at /transparency/)."""

from django.urls import path

from audit import views

urlpatterns = [
    path("", views.transparency_page, name="transparency"),
]
