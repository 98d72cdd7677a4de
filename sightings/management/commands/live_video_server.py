from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator

from sightings.live_views.services import live_video_server_set
from sightings.models import LiveVideoServer, Municipality


class Command(BaseCommand):
    help = (
        "Sets a municipality's video server address for live views and prints the shared secret its server checks "
        "stream addresses with (docs/LIVE_VIEW.md); shown once: when new, and with --rotate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="5-digit administrative code")
        parser.add_argument("--url", required=True, help="the video server's base address, e.g. https://video.example")
        parser.add_argument("--rotate", action="store_true", help="make a new secret; the old one stops working")

    def handle(self, *args, municipality: str, url: str, rotate: bool, **options) -> None:
        place = Municipality.objects.filter(code=municipality).first()
        if place is None:
            raise CommandError(f"No municipality with code {municipality}.")
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise CommandError(f"Not an http(s) address: {url}") from None
        new = not LiveVideoServer.objects.filter(municipality=place).exists()
        server, secret = live_video_server_set(municipality=place, base_url=url, rotate=rotate)
        self.stdout.write(f"{place} ({place.code}): live video from {server.base_url}")
        if new or rotate:
            self.stdout.write("Shared secret (install it on the video server; it is not shown again):")
            self.stdout.write(secret.hex())
        else:
            self.stdout.write("Secret unchanged (use --rotate for a new one).")
