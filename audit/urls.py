"""HTML pages of the audit app (mounted at /audit/): ledger, access log, verification, statistics, anomalies."""

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("ledger/<uuid:pk>/", views.ledger_entry, name="ledger-entry"),
    path("ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("access/", views.access_log, name="access-log"),
    path("verify/", views.verify, name="verify"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("anomalies/", views.anomalies, name="anomalies"),
]
