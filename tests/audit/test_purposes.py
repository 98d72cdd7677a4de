"""The purpose list is the policy: its rules, and its documentation kept in step with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES, REFUSED_PURPOSES, purpose_errors

DOC = Path(__file__).resolve().parents[2] / "docs" / "PURPOSES.md"


def errors(**fields):
    base = {"crime": "murder", "legal_basis": "18-2-7", "case_number": "C-1", "urgency_confirmed_by": ""}
    return purpose_errors(**{**base, **fields})


def test_every_category_uses_only_known_bases():
    for category in CRIME_CATEGORIES.values():
        assert category.bases and category.bases <= set(LEGAL_BASES)
        if category.urgent_life:
            assert category.bases == {"18-2-3"}


def test_no_refused_purpose_is_also_allowed():
    assert not set(REFUSED_PURPOSES) & set(CRIME_CATEGORIES)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"crime": "parking"}, "crime"),
        ({"crime": "MURDER"}, "crime"),
        ({"legal_basis": "18-2-10"}, "legal_basis"),
        ({"legal_basis": "18(2)7"}, "legal_basis"),
        ({"case_number": ""}, "case_number"),
        ({"legal_basis": "18-2-2", "case_number": " "}, "case_number"),
        ({"crime": "missing-child", "legal_basis": "18-2-3"}, "urgency_confirmed_by"),
        ({"crime": "kidnapping", "legal_basis": "18-2-3"}, "urgency_confirmed_by"),
    ],
)
def test_it_names_the_field_that_breaks_the_rule(fields, field):
    assert list(errors(**fields)) == [field]


def test_an_urgent_life_order_needs_no_case_number_but_a_confirmer():
    assert errors(crime="suicide-risk", legal_basis="18-2-3", case_number="", urgency_confirmed_by="경감 김") == {}
    assert errors(crime="public-safety", legal_basis="18-2-10", case_number="") == {}


def test_the_documentation_lists_every_category_with_its_bases():
    rows = {}
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `([a-z-]+)` \| [^|]+ \| ([^|]+) \|", line)
        if match:
            rows[match[1]] = set(re.findall(r"`(18-2-\d+)`", match[2]))
    assert rows == {slug: set(category.bases) for slug, category in CRIME_CATEGORIES.items()}
