"""Secure headers and a strict CSP on every page, no inline script or style in any template, check --deploy clean."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]*\sstyle\s*=|<style\b", re.IGNORECASE)
# A template that builds a JSON data block with {{ value|json_script:"id" }} is fine: the browser does not run it.


def _templates() -> list[Path]:
    return sorted(path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html"))


def test_there_are_templates_to_scan():
    assert len(_templates()) > 5


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_handlers_or_styles(path: Path):
    text = path.read_text()
    problems = [
        f"{kind}: {match.group(0)[:80]!r}"
        for kind, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("event handler", INLINE_HANDLER),
            ("style", INLINE_STYLE),
        )
        for match in pattern.finditer(text)
    ]
    assert not problems, f"{path.relative_to(ROOT)}: the CSP forbids " + "; ".join(problems)


def test_the_scanner_catches_what_it_should():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="cfg" type="application/json">{}</script>')
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert not INLINE_HANDLER.search('<button data-action="go">')
    assert INLINE_STYLE.search('<div style="color:red">')


@pytest.mark.parametrize("url_name", ["login", "home", "security"])
def test_html_pages_carry_the_csp_and_secure_headers(client, officer, url_name):
    if url_name != "login":
        client.force_login(officer)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"WASSWEB_MODE", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"}}
    env.update(WASSWEB_MODE="production", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="wass.example")
    env.update(extra)
    return env


def test_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_transport_are_locked_down():
    code = (
        "import wassweb.settings as s;"
        "assert s.SESSION_COOKIE_SECURE and s.SESSION_COOKIE_HTTPONLY and s.CSRF_COOKIE_SECURE;"
        "assert s.SESSION_SAVE_EVERY_REQUEST and s.SESSION_COOKIE_AGE <= 8 * 3600;"
        "assert s.SECURE_HSTS_SECONDS >= 31536000 and s.SECURE_SSL_REDIRECT and s.X_FRAME_OPTIONS == 'DENY';"
        "assert s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'] == [\"'self'\", 'wss:']"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_api_docs_run_without_inline_script(client, db):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert not INLINE_SCRIPT.search(page.content.decode())
    script = client.get(reverse("api-docs") + "?script")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
