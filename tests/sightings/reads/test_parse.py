"""The reads API's plain checks: fast paths give the same answers as the full parsers."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from sightings.plates import PlateError, parse_plate
from sightings.reads.parse import plate_canonical, read_id_canonical

_PLATE_ALPHABET = st.sampled_from(list("0123456789가나다바사아자하허호배거갛외교서울 -１"))


def _parsed(text):
    try:
        return parse_plate(text).text
    except PlateError:
        return PlateError


def _fast(text):
    try:
        return plate_canonical(text)
    except PlateError:
        return PlateError


@given(st.text(alphabet=_PLATE_ALPHABET, max_size=12))
def test_the_plate_fast_path_agrees_with_the_parser(text):
    assert _fast(text) == _parsed(text)


@given(st.from_regex(r"[0-9]{2,3}[가-힣][0-9]{4}", fullmatch=True))
def test_the_plate_fast_path_agrees_on_plate_shaped_text(text):
    assert _fast(text) == _parsed(text)


@given(st.uuids())
def test_read_ids_are_canonical_uuid_text_in_any_spelling(value):
    for spelling in (str(value), str(value).upper(), value.hex, f"{{{value}}}", value.urn):
        assert read_id_canonical(spelling) == str(value)


@given(st.one_of(st.text(max_size=50), st.integers(), st.none()))
def test_anything_else_is_not_a_read_id(value):
    try:
        expected = str(uuid.UUID(value)) if isinstance(value, str) and len(value) <= 45 else None
    except ValueError:
        expected = None
    assert read_id_canonical(value) == expected
