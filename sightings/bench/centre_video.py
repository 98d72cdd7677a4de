"""The demo's stand-in for a centre's video server: an HLS test stream made with ffmpeg, served only at addresses
signed by wassweb (sightings.live_views.stream_signing), as a real centre's server would (docs/LIVE_VIEW.md).

One ffmpeg process writes a live test picture into a directory; a small threaded HTTP server answers
GET /<municipality code>/live/<camera code>/<file>?exp=&view=&sig= with the playlist (its segment addresses signed
with the same query) or a segment, after checking the signature with that municipality's secret. Every camera of
the demo shows the same test picture. No Django import: the demo command and the browser tests start it.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sightings.live_views import stream_signing

FFMPEG = "ffmpeg"
SEGMENT_SECONDS = 1
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


class FfmpegMissing(RuntimeError):
    """ffmpeg is not installed: the demo's video server has no picture to serve."""


def ffmpeg_path() -> str | None:
    return shutil.which(FFMPEG)


def test_stream_start(directory: Path, *, label: str = "wassweb demo") -> subprocess.Popen:
    """Starts ffmpeg writing a live HLS test picture (a moving pattern and a clock) into `directory`."""
    executable = ffmpeg_path()
    if executable is None:
        raise FfmpegMissing("ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg)")
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*"):
        if old.suffix in CONTENT_TYPES:
            old.unlink()
    command = [
        executable,
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=15",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-pix_fmt",
        "yuv420p",
        # A key frame at every segment start, so each segment can be played on its own.
        "-g",
        str(15 * SEGMENT_SECONDS),
        "-sc_threshold",
        "0",
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_list_size",
        "6",
        "-hls_flags",
        "delete_segments+omit_endlist",
        "-metadata",
        f"title={label}",
        str(directory / stream_signing.PLAYLIST),
    ]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603 - fixed arguments, ffmpeg from PATH


def wait_for_playlist(directory: Path, *, segments: int = 2, timeout: float = 20.0) -> bool:
    """True once the playlist lists `segments` segments (the stream can be played), False after `timeout`."""
    playlist = directory / stream_signing.PLAYLIST
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if playlist.exists() and playlist.read_text(errors="replace").count("#EXTINF") >= segments:
            return True
        time.sleep(0.2)
    return False


def handler_for(directory: Path, secrets: Mapping[str, bytes]) -> type[BaseHTTPRequestHandler]:
    """The request handler serving `directory` to addresses signed with `secrets` (municipality code -> secret)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "centre-video"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            return  # the demo's console is for wassweb; a refused address still gets its status below

        def _refuse(self, status: int, reason: str) -> None:
            body = reason.encode()
            self.send_response(status)
            self._common_headers()
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _common_headers(self) -> None:
            # The player runs on wassweb's origin; the signature, not a cookie, is what opens the stream.
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", "no-store")

        def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(204)
            self._common_headers()
            self.send_header("Access-Control-Allow-Methods", "GET")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            parts = urlsplit(self.path)
            segments = parts.path.split("/", 2)
            if len(segments) < 3 or segments[1] not in secrets:
                self._refuse(404, "no such centre")
                return
            centre = segments[1]
            try:
                _grant, name = stream_signing.verify_request(
                    secrets[centre], path=parts.path, query_string=parts.query, prefix=f"/{centre}"
                )
            except stream_signing.StreamRefused as refused:
                self._refuse(403, refused.reason)
                return
            path = directory / name
            if not path.is_file() or path.suffix not in CONTENT_TYPES:
                self._refuse(404, "no such file")
                return
            body = path.read_bytes()
            if path.suffix == ".m3u8":
                body = stream_signing.sign_playlist(body.decode(), parts.query).encode()
            self.send_response(200)
            self._common_headers()
            self.send_header("Content-Type", CONTENT_TYPES[path.suffix])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@dataclass
class CentreVideoServer:
    """A running demo video server; `base_url(code)` is the address to configure for municipality `code`."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread
    host: str

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def base_url(self, code: str) -> str:
        return f"http://{self.host}:{self.port}/{code}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def centre_video_serve(directory: Path, secrets: Mapping[str, bytes], *, host: str, port: int) -> CentreVideoServer:
    """Serves `directory`'s stream in a background thread; `secrets` maps municipality codes to their shared secrets
    (read on every request, so centres may be added after the server starts)."""
    httpd = ThreadingHTTPServer((host, port), handler_for(directory, secrets))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="centre-video", daemon=True)
    thread.start()
    return CentreVideoServer(httpd=httpd, thread=thread, host=host)
