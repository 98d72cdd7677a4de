"""Korean is the default language and is shipped compiled; English is the other one."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tests.sightings.test_dashboard_pages import dashboard_data

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_the_shipped_default_language_is_korean():
    assert settings.LANGUAGES[0][0] == "ko"
    assert (LOCALE / "ko" / "LC_MESSAGES" / "django.mo").exists()
    assert (LOCALE / "en" / "LC_MESSAGES" / "django.mo").exists()


def test_a_korean_browser_gets_the_dashboard_in_korean(client, officer):
    client.force_login(officer)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert "경찰관 상황판" in response.content.decode()
    # The dashboard script's texts come translated with its data.
    assert dashboard_data(response)["strings"]["misread_banner"] == "오인식 가능 — 조치 전에 확인하십시오"


def test_an_english_browser_gets_english(client, officer):
    client.force_login(officer)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Officer dashboard" in page


def test_api_errors_follow_the_language_asked_for(client, officer, order, camera):
    from tests.factories import unit_make
    from tests.sightings.live.helpers import make_hit

    hit = make_hit(order, camera, plate="12가3459", match_kind="misread")
    unit_make(agency=officer.agency, call_sign="은평12")
    client.force_login(officer)
    url = reverse("sighting-dispatch", args=[hit.id])
    korean = client.post(url, {"unit": "은평12"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ko")
    english = client.post(url, {"unit": "은평12"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert "오인식 가능성" in korean.json()["detail"]
    assert "Possible misread" in english.json()["detail"]


def test_every_korean_message_is_translated():
    text = (LOCALE / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    blocks = [
        block for block in text.split("\n\n") if "\nmsgid " in f"\n{block}" and 'msgid ""\nmsgstr ""' not in block
    ]
    untranslated = [block for block in blocks if block.rstrip().endswith('msgstr ""') and "#~" not in block]
    assert untranslated == [], f"{len(untranslated)} messages without a Korean translation, e.g. {untranslated[:1]}"
