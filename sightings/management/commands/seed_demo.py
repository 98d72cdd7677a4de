from django.core.management.base import BaseCommand, CommandParser

from audit.heads import chain_heads_publish
from sightings.bench.demo_data import (
    demo_cameras_seed,
    demo_footage_requests_seed,
    demo_orders_seed,
    demo_people_seed,
    demo_units_seed,
)
from sightings.reference import reference_data_load

DEFAULT_PASSWORD = "wassweb-demo"  # noqa: S105 — the demo's documented password, never used in production


class Command(BaseCommand):
    help = "Loads the reference data and the demo's cameras, agency, users and orders (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password for every demo user")

    def handle(self, *args, password: str, **options) -> None:
        self.stdout.write("Loading provinces and municipalities…")
        provinces, municipalities = reference_data_load()
        self.stdout.write("Placing cameras…")
        cameras = demo_cameras_seed()
        self.stdout.write("Creating the agency and users…")
        agency, officer = demo_people_seed(password=password)
        orders = demo_orders_seed(agency=agency, officer=officer)
        self.stdout.write("Putting patrol units on the road…")
        units = demo_units_seed(agency=agency)
        self.stdout.write("Asking the two demo centres for footage…")
        footage = demo_footage_requests_seed(agency=agency, officer=officer)
        # The demo runs no beat: publish the chain heads once, so /transparency/ shows what a statement looks like.
        chain_heads_publish()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {provinces} provinces, {municipalities} municipalities, {cameras} cameras, "
                f"{orders} active orders, {units} patrol units, "
                f"{footage} new urgent footage requests (은평구, 서초구); "
                f"users officer, operator, operator2, auditor, admin "
                f"with password {password!r}."
            )
        )
