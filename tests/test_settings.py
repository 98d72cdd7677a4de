"""The settings refuse bad values loudly instead of starting with surprises."""

import os
import subprocess
import sys
from pathlib import Path

from tests.settings_process import settings_loaded

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    return settings_loaded(drop=lambda name: name in {"WASSWEB_MODE", "SECRET_KEY", "DEBUG"}, **env)


def test_it_rejects_a_debug_value_that_is_not_a_boolean():
    result = _import_settings(WASSWEB_MODE="test", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = _import_settings(WASSWEB_MODE="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_it_starts_in_production_with_a_secret_key():
    result = _import_settings(WASSWEB_MODE="production", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr


def test_it_rejects_an_unknown_mode():
    result = _import_settings(WASSWEB_MODE="staging")
    assert result.returncode != 0
    assert "WASSWEB_MODE='staging' must be one of" in result.stderr


def test_production_defaults_are_secure():
    code = (
        "import wassweb.settings as s;"
        "assert not s.DEBUG and s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE and s.SECURE_SSL_REDIRECT;"
        "assert s.SECURE_HSTS_SECONDS >= 31536000 and s.ALLOWED_HOSTS == []"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"WASSWEB_MODE", "DEBUG", "ALLOWED_HOSTS"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "WASSWEB_MODE": "production", "SECRET_KEY": "y" * 60},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
