from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightings.bench.demo_data import DEMO_OPERATOR_CENTRES, DEMO_PHONE_UNIT

SIMULATOR_KEY_NAME = "demo simulator"
UNIT_KEY_NAME = "demo unit terminal"
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
        parser.add_argument(
            "--video-port",
            type=int,
            default=None,
            help="port of the demo's stand-in for the centres' video servers (live views); default: --port + 1",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        simulate_rate: float,
        wanted_share: float,
        video_port: int | None,
        **options,
    ) -> None:
        if not settings.DEMO:
            raise CommandError("The demo runs only with WASSWEB_MODE=demo; production runs daphne itself.")
        from daphne.cli import CommandLineInterface

        video = self.live_video_start(host, video_port or port + 1)

        simulator = None
        if simulate_rate > 0:
            keys_file = simulator_keys_refresh()
            unit_keys_file = unit_keys_refresh()
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
                    # The patrol cars drive and report; the one whose phone page a person opens waits for them.
                    "--unit-keys-file",
                    str(unit_keys_file),
                    "--unit-reports",
                    "--manual-unit",
                    DEMO_PHONE_UNIT,
                ],
                env=os.environ.copy(),
            )
            self.stdout.write(
                f"Simulated cameras: {simulate_rate:g} reads/s through the reads API with the keys in {keys_file}."
            )
            self.stdout.write(
                f"Patrol unit terminal (a phone page): http://{host}:{port}/unit/ — sign in as {DEMO_PHONE_UNIT} "
                f"with its key from {unit_keys_file}."
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
            video.stop()
        if simulator is not None:
            # A request thread cut off mid-alert waits forever for the stopped event loop; nothing is left to
            # save (SQLite has committed), so leave without waiting for it.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def live_video_start(self, host: str, port: int) -> DemoVideo:
        """The demo centres' video server for live views, and ffmpeg's test picture for it to serve."""
        from sightings.bench import centre_video
        from sightings.live_views.services import live_video_server_set
        from sightings.models import Municipality

        directory = Path(settings.VAR_DIR) / "live-video"
        stream = None
        try:
            stream = centre_video.test_stream_start(directory)
        except centre_video.FfmpegMissing as missing:
            self.stdout.write(
                self.style.WARNING(f"Live views: {missing}. Approved live views will show no picture in the demo.")
            )
        secrets: dict[str, bytes] = {}
        server = centre_video.centre_video_serve(directory, secrets, host=host, port=port)
        for municipality in Municipality.objects.filter(code__in=DEMO_OPERATOR_CENTRES):
            # The secret stays the same across restarts, as a centre's would; only the address follows the port.
            _, secret = live_video_server_set(municipality=municipality, base_url=server.base_url(municipality.code))
            secrets[municipality.code] = secret
        self.stdout.write(
            f"Live views: the demo centres' video server on http://{host}:{port}/ "
            f"({'ffmpeg test picture' if stream else 'no picture'}; centres {', '.join(sorted(secrets)) or 'none'})."
        )
        return DemoVideo(server=server, stream=stream)


@dataclass
class DemoVideo:
    server: Any
    stream: subprocess.Popen | None

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.terminate()
            self.stream.wait(10)
        self.server.stop()


def unit_keys_refresh() -> Path:
    """A fresh terminal key for every demo patrol unit, written to a private file; old ones revoked."""
    from accounts.models import ApiKey, User
    from accounts.services import api_key_create, api_key_revoke
    from sightings.bench.demo_data import DEMO_UNITS, demo_unit_terminal_username
    from sightings.models import PatrolUnit

    for api_key in ApiKey.objects.filter(name=UNIT_KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=api_key)
    call_signs = [call_sign for signs in DEMO_UNITS.values() for call_sign in signs]
    lines = ["# Terminal keys of the demo's patrol units ('call-sign key'); made by manage.py demo."]
    for unit in PatrolUnit.objects.filter(call_sign__in=call_signs).order_by("call_sign"):
        terminal = User.objects.get(username=demo_unit_terminal_username(unit.call_sign))
        _, raw = api_key_create(name=UNIT_KEY_NAME, user=terminal, unit=unit)
        lines.append(f"{unit.call_sign} {raw}")
    path = Path(settings.VAR_DIR) / "demo-unit-keys.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n")
    return path


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
