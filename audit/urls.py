"""HTML pages of the audit app (mounted at /audit/): ledger, access log, machine traffic, one person, one plate, one
order, verification, statistics, anomalies."""

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("ledger/<uuid:pk>/", views.ledger_entry, name="ledger-entry"),
    path("ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("access/", views.access_log, name="access-log"),
    path("access.csv", views.access_log_csv, name="access-log-csv"),
    path("access/machines/", views.machine_traffic, name="machine-traffic"),
    path("access/machines.csv", views.machine_traffic_csv, name="machine-traffic-csv"),
    path("person/", views.person_view, name="person"),
    path("person.csv", views.person_csv, name="person-csv"),
    path("plate/", views.plate_view, name="plate"),
    path("plate.csv", views.plate_csv, name="plate-csv"),
    path("orders/<uuid:order_id>/", views.order_view, name="order"),
    path("verify/", views.verify, name="verify"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("anomalies/", views.anomalies, name="anomalies"),
]
