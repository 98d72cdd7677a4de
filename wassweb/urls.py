from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.authentication import SCHEMA_AUTHENTICATION, SCHEMA_PERMISSIONS
from wassweb.health import health

SCHEMA_ACCESS = {"authentication_classes": SCHEMA_AUTHENTICATION, "permission_classes": SCHEMA_PERMISSIONS}

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("sightings.api_urls")),
    path("audit/", include("audit.api_urls")),
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("sightings.urls")),
    path("audit/", include("audit.urls")),
    path("transparency/", include("audit.public_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(**SCHEMA_ACCESS), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL: the CSP forbids inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", **SCHEMA_ACCESS), name="api-docs"),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Unknown URLs and requests refused before any view, under /api/, answer in the API's JSON error shape.
handler400 = "wassweb.api_errors.bad_request"
handler404 = "wassweb.api_errors.not_found"
