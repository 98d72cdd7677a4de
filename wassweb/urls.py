from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wassweb.health import health

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
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL: the CSP forbids inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Unknown URLs under /api/ answer in the API's JSON error shape.
handler404 = "wassweb.api_errors.not_found"
