"""Signed, expiring live-stream addresses (docs/LIVE_VIEW.md). Plain Python, no Django import.

wassweb signs; a centre's video server verifies. This module is the whole contract, so a centre may copy the file
as it is: `verify_request` checks an address before any byte of video leaves, `sign_playlist` carries the signature
onto the segment addresses of an HLS playlist it serves.

The address: <base>/live/<camera code>/<file>?exp=<unix seconds>&view=<live view id>&sig=<hex HMAC-SHA256>, where
the HMAC is keyed with the municipality's shared secret over the canonical text
"wassweb-live-v1\\n<camera code>\\n<live view id>\\n<exp>". The signature covers the camera, the session and the
expiry, not the file: one signature opens one camera's playlist and its segments until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode

VERSION = "wassweb-live-v1"
PLAYLIST = "index.m3u8"
# What a file under /live/<camera>/ may be called: the playlist and the segments the video server writes.
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_VIEW_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
_HEX_SIG = re.compile(r"^[0-9a-f]{64}$")
# A signature that expires further ahead than this is refused even when it is genuine: no address lives that long.
MAX_LIFETIME_SECONDS = 24 * 60 * 60

MISSING = "missing"
MALFORMED = "malformed"
EXPIRED = "expired"
BAD_SIGNATURE = "bad signature"
TOO_LONG = "lifetime too long"


class StreamRefused(Exception):
    """The address must not be served; `reason` is one of MISSING, MALFORMED, EXPIRED, BAD_SIGNATURE, TOO_LONG."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StreamGrant:
    """What a verified address allows: this camera's stream, for this live view, until `expires` (unix seconds)."""

    camera: str
    view: str
    expires: int


def canonical(*, camera: str, view: str, exp: int) -> bytes:
    """The text that is signed. Camera codes and view ids hold no newline, so the fields cannot run into each other."""
    return f"{VERSION}\n{camera}\n{view}\n{int(exp)}".encode()


def sign(secret: bytes, *, camera: str, view: str, exp: int) -> str:
    return hmac.new(secret, canonical(camera=camera, view=view, exp=exp), hashlib.sha256).hexdigest()


def signed_query(secret: bytes, *, camera: str, view: str, exp: int) -> str:
    return urlencode({"exp": int(exp), "view": view, "sig": sign(secret, camera=camera, view=view, exp=exp)})


def stream_url(base_url: str, secret: bytes, *, camera: str, view: str, exp: int) -> str:
    """The playlist address handed to a player."""
    path = f"{base_url.rstrip('/')}/live/{quote(camera, safe='')}/{PLAYLIST}"
    return f"{path}?{signed_query(secret, camera=camera, view=view, exp=exp)}"


def _one(query: Mapping[str, object], name: str) -> str:
    value = query.get(name)
    if isinstance(value, list | tuple):
        if len(value) != 1:
            raise StreamRefused(MISSING if not value else MALFORMED)
        value = value[0]
    if value is None or value == "":
        raise StreamRefused(MISSING)
    return str(value)


def verify(secret: bytes, *, camera: str, query: Mapping[str, object], now: float | None = None) -> StreamGrant:
    """The grant a parsed query string (values as strings or lists of them) carries for `camera`, or StreamRefused."""
    exp_text, view, sig = _one(query, "exp"), _one(query, "view"), _one(query, "sig")
    if not exp_text.isdigit() or len(exp_text) > 12 or not _VIEW_ID.match(view) or not _HEX_SIG.match(sig):
        raise StreamRefused(MALFORMED)
    if "\n" in camera or not camera:
        raise StreamRefused(MALFORMED)
    exp = int(exp_text)
    expected = sign(secret, camera=camera, view=view, exp=exp)
    # Compared in constant time, and before the clock: a forged address learns nothing from the answer's timing.
    if not hmac.compare_digest(expected, sig):
        raise StreamRefused(BAD_SIGNATURE)
    now = time.time() if now is None else now
    if exp <= now:
        raise StreamRefused(EXPIRED)
    if exp > now + MAX_LIFETIME_SECONDS:
        raise StreamRefused(TOO_LONG)
    return StreamGrant(camera=camera, view=view, expires=exp)


def parse_path(path: str, prefix: str = "") -> tuple[str, str] | None:
    """(camera code, file name) of a request path "<prefix>/live/<camera>/<file>", or None for any other path."""
    if prefix:
        if not path.startswith(prefix.rstrip("/") + "/"):
            return None
        path = path[len(prefix.rstrip("/")) :]
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != "" or parts[1] != "live":
        return None
    camera, name = unquote(parts[2]), parts[3]
    if not camera or "\n" in camera or not _FILE_NAME.match(name) or name.startswith("."):
        return None
    return camera, name


def verify_request(
    secret: bytes, *, path: str, query_string: str, prefix: str = "", now: float | None = None
) -> tuple[StreamGrant, str]:
    """(grant, file name) for a request to the video server, or StreamRefused (MALFORMED for a path not served)."""
    parsed = parse_path(path, prefix)
    if parsed is None:
        raise StreamRefused(MALFORMED)
    camera, name = parsed
    grant = verify(secret, camera=camera, query=parse_qs(query_string, keep_blank_values=True), now=now)
    return grant, name


_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')


def sign_playlist(text: str, query: str) -> str:
    """The playlist with the signed query added to every address in it (segments, keys, init sections, variants).

    A player resolves a segment's relative address against the playlist's, which drops the playlist's query: without
    this, the segments would arrive unsigned and be refused.
    """

    def with_query(uri: str) -> str:
        if not uri or "://" in uri or uri.startswith("/"):
            return uri  # only the server's own relative addresses are signed; anything else is not ours to open
        return f"{uri}{'&' if '?' in uri else '?'}{query}"

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(_URI_ATTRIBUTE.sub(lambda match: f'URI="{with_query(match.group(1))}"', line))
        elif stripped:
            lines.append(with_query(stripped))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
