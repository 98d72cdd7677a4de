"""The audit app's part of /api/v1/ (mounted at /api/v1/audit/)."""

from django.urls import path

from audit import apis

urlpatterns = [
    path("disclosures/", apis.DisclosureListApi.as_view(), name="audit-disclosures"),
    path("verify/", apis.VerifyApi.as_view(), name="audit-verify"),
]
