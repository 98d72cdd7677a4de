"""The stream-signing contract a centre's video server implements (docs/LIVE_VIEW.md); no database, no Django."""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sightings.live_views import stream_signing as signing

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
NOW = 1_800_000_000
VIEW = "6f1c2b9e-0f4e-4a53-9a2e-3c1d5b7e8a90"


def signed(camera: str = "11380-C001", *, exp: int = NOW + 120, secret: bytes = SECRET) -> str:
    return signing.stream_url("https://video.example/11380", secret, camera=camera, view=VIEW, exp=exp)


def request_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


def test_a_signed_address_verifies_for_its_camera_until_it_expires():
    path, query = request_of(signed())
    grant, name = signing.verify_request(SECRET, path=path, query_string=query, prefix="/11380", now=NOW)
    assert grant == signing.StreamGrant(camera="11380-C001", view=VIEW, expires=NOW + 120)
    assert name == "index.m3u8"


def test_the_signature_is_hmac_sha256_over_the_documented_canonical_text():
    import hashlib
    import hmac

    text = f"wassweb-live-v1\n11380-C001\n{VIEW}\n{NOW + 120}".encode()
    assert signing.sign(SECRET, camera="11380-C001", view=VIEW, exp=NOW + 120) == (
        hmac.new(SECRET, text, hashlib.sha256).hexdigest()
    )


def test_an_expired_address_is_refused():
    path, query = request_of(signed(exp=NOW - 1))
    with pytest.raises(signing.StreamRefused) as refused:
        signing.verify_request(SECRET, path=path, query_string=query, prefix="/11380", now=NOW)
    assert refused.value.reason == signing.EXPIRED


def test_an_address_expiring_this_very_second_is_refused():
    path, query = request_of(signed(exp=NOW))
    with pytest.raises(signing.StreamRefused, match=signing.EXPIRED):
        signing.verify_request(SECRET, path=path, query_string=query, prefix="/11380", now=NOW)


@pytest.mark.parametrize(
    ("name", "value"),
    [("exp", str(NOW + 3600)), ("view", "00000000-0000-0000-0000-000000000000"), ("sig", "0" * 64)],
)
def test_a_tampered_address_is_refused(name, value):
    path, query = request_of(signed())
    params = {key: values[0] for key, values in parse_qs(query).items()}
    params[name] = value
    tampered = "&".join(f"{key}={val}" for key, val in params.items())
    with pytest.raises(signing.StreamRefused) as refused:
        signing.verify_request(SECRET, path=path, query_string=tampered, prefix="/11380", now=NOW)
    assert refused.value.reason == signing.BAD_SIGNATURE


def test_an_address_signed_for_one_camera_opens_no_other():
    path, query = request_of(signed("11380-C001"))
    other = path.replace("11380-C001", "11380-C002")
    with pytest.raises(signing.StreamRefused, match=signing.BAD_SIGNATURE):
        signing.verify_request(SECRET, path=other, query_string=query, prefix="/11380", now=NOW)


def test_an_address_signed_with_another_centres_secret_is_refused():
    path, query = request_of(signed(secret=OTHER_SECRET))
    with pytest.raises(signing.StreamRefused, match=signing.BAD_SIGNATURE):
        signing.verify_request(SECRET, path=path, query_string=query, prefix="/11380", now=NOW)


def test_a_genuine_address_living_longer_than_a_day_is_refused():
    path, query = request_of(signed(exp=NOW + signing.MAX_LIFETIME_SECONDS + 1))
    with pytest.raises(signing.StreamRefused, match=signing.TOO_LONG):
        signing.verify_request(SECRET, path=path, query_string=query, prefix="/11380", now=NOW)


@pytest.mark.parametrize(
    "query",
    ["", "exp=1&view=x", "exp=abc&view=" + VIEW + "&sig=" + "0" * 64, "exp=1&exp=2&view=" + VIEW + "&sig=" + "0" * 64],
)
def test_missing_or_malformed_parameters_are_refused(query):
    with pytest.raises(signing.StreamRefused) as refused:
        signing.verify_request(SECRET, path="/live/11380-C001/index.m3u8", query_string=query, now=NOW)
    assert refused.value.reason in {signing.MISSING, signing.MALFORMED}


@pytest.mark.parametrize(
    "path",
    ["/live/11380-C001/../secret", "/live/11380-C001/.hidden", "/other/11380-C001/index.m3u8", "/live/index.m3u8"],
)
def test_paths_outside_the_stream_are_refused_before_the_signature(path):
    _, query = request_of(signed())
    with pytest.raises(signing.StreamRefused, match=signing.MALFORMED):
        signing.verify_request(SECRET, path=path, query_string=query, now=NOW)


def test_a_segment_is_opened_by_the_playlists_signature():
    path, query = request_of(signed())
    segment = path.replace("index.m3u8", "index3.ts")
    _, name = signing.verify_request(SECRET, path=segment, query_string=query, prefix="/11380", now=NOW)
    assert name == "index3.ts"


def test_the_playlist_carries_the_signature_onto_every_relative_address():
    playlist = (
        '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1.0,\nindex1.ts\n'
        "#EXTINF:1.0,\nhttps://elsewhere.example/x.ts\n"
    )
    signed_playlist = signing.sign_playlist(playlist, "exp=1&view=v&sig=s")
    assert "\nindex1.ts?exp=1&view=v&sig=s\n" in signed_playlist
    assert 'URI="init.mp4?exp=1&view=v&sig=s"' in signed_playlist
    assert "\nhttps://elsewhere.example/x.ts\n" in signed_playlist  # not ours to open


def test_the_module_imports_nothing_a_centre_would_not_have():
    tree = ast.parse(Path(signing.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "hashlib", "hmac", "re", "time", "collections", "dataclasses", "urllib"}
