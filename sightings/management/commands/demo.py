import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightings.bench.demo_data import DEMO_OPERATOR_CENTRES

SIMULATOR_KEY_NAME = "demo simulator"
DEMO_FOOTAGE_EVERY_SECONDS = 180


class Command(BaseCommand):
    help = "Serves the demo with daphne (HTTP and WebSocket) on the embedded defaults, with simulated cameras."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--simulate-rate", type=float, default=20.0, help="simulated plate reads per second; 0 for none"
        )
        parser.add_argument(
            "--wanted-share", type=float, default=0.005, help="share of simulated reads that are wanted vehicles"
        )

    def handle(self, *args, host: str, port: int, simulate_rate: float, wanted_share: float, **options) -> None:
        if not settings.DEMO:
            raise CommandError("The demo runs only with WASSWEB_MODE=demo; production runs daphne itself.")
        from daphne.cli import CommandLineInterface

        simulator = None
        if simulate_rate > 0:
            keys_file = simulator_keys_refresh()
            simulator = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
                [
                    sys.executable,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "simulate",
                    "--url",
                    f"http://{host}:{port}",
                    "--keys-file",
                    str(keys_file),
                    "--rate",
                    str(simulate_rate),
                    "--wanted-share",
                    str(wanted_share),
                    "--duration",
                    "0",
                    # The demo operators' centres: wanted vehicles pass there, and the officer asks them for footage.
                    "--via",
                    ",".join(DEMO_OPERATOR_CENTRES),
                    "--footage-every",
                    str(DEMO_FOOTAGE_EVERY_SECONDS),
                ],
                env=os.environ.copy(),
            )
            self.stdout.write(
                f"Simulated cameras: {simulate_rate:g} reads/s through the reads API with the keys in {keys_file}."
            )
        self.stdout.write(
            self.style.SUCCESS(f"wassweb demo on http://{host}:{port}/ — log in as officer / wassweb-demo")
        )
        try:
            CommandLineInterface().run(["--bind", host, "--port", str(port), "wassweb.asgi:application"])
        finally:
            if simulator is not None:
                simulator.terminate()
                simulator.wait(10)
        if simulator is not None:
            # A request thread cut off mid-alert waits forever for the stopped event loop; nothing is left to
            # save (SQLite has committed), so leave without waiting for it.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def simulator_keys_refresh() -> Path:
    """One fresh integration key per municipality with cameras, written to a private file; old ones revoked."""
    from accounts.models import ApiKey
    from accounts.services import api_key_create, api_key_revoke
    from sightings.models import Municipality

    for api_key in ApiKey.objects.filter(name=SIMULATOR_KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=api_key)
    municipalities = Municipality.objects.filter(cameras__active=True, cameras__reads_plates=True).distinct()
    lines = ["# Integration keys of the demo's simulated cameras, one per municipality; made by manage.py demo."]
    for municipality in municipalities:
        _, raw = api_key_create(name=SIMULATOR_KEY_NAME, municipality=municipality)
        lines.append(raw)
    path = Path(settings.VAR_DIR) / "demo-simulator-keys.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n")
    return path
