"""The database roles' and the chain-head key's settings refuse bad values loudly."""

import subprocess
from pathlib import Path

from tests.settings_process import settings_loaded

ROOT = Path(__file__).resolve().parent.parent
OWN = {"WASSWEB_MODE", "DATABASE_URL", "DATABASE_OWNER_URL", "CHAIN_HEADS_SIGNING_KEY", "CHAIN_HEADS_PUBLIC_KEY"}


def _settings(code: str = "", **env: str) -> subprocess.CompletedProcess:
    return settings_loaded(code, drop=lambda name: name in OWN, **{"WASSWEB_MODE": "test", **env})


def test_the_owner_url_must_name_the_same_database():
    result = _settings(
        DATABASE_URL="postgres://wassweb_app@db:5432/wassweb", DATABASE_OWNER_URL="postgres://owner@db:5432/other"
    )
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL must name the same database as DATABASE_URL" in result.stderr


def test_the_owner_url_needs_the_application_url():
    result = _settings(DATABASE_OWNER_URL="postgres://owner@db:5432/wassweb")
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL needs DATABASE_URL" in result.stderr


def test_the_owner_url_is_kept_apart_from_the_applications_connection():
    result = _settings(
        "assert s.DATABASES['default']['USER'] == 'wassweb_app', s.DATABASES\n"
        "assert s.DATABASE_OWNER['USER'] == 'owner' and s.DATABASE_OWNER['HOST'] == 'direct'",
        DATABASE_URL="postgres://wassweb_app@pgbouncer:6432/wassweb",
        DATABASE_OWNER_URL="postgres://owner@direct:5432/wassweb",
    )
    assert result.returncode == 0, result.stderr


def test_a_signing_key_that_is_not_32_bytes_of_hex_is_refused():
    result = _settings(CHAIN_HEADS_SIGNING_KEY="not-a-key")
    assert result.returncode != 0
    assert "CHAIN_HEADS_SIGNING_KEY is not hexadecimal" in result.stderr
    result = _settings(CHAIN_HEADS_SIGNING_KEY="ab" * 16)
    assert "CHAIN_HEADS_SIGNING_KEY must be 32 bytes (64 hex digits), not 16" in result.stderr


def test_production_publishes_only_with_a_configured_key():
    result = _settings(
        "assert s.CHAIN_HEADS_SIGNING_KEY is None and s.CELERY_BEAT_SCHEDULE['chain-heads-publish']",
        WASSWEB_MODE="production",
        SECRET_KEY="z" * 60,
    )
    assert result.returncode == 0, result.stderr
