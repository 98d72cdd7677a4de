"""The Korean plate parser: what it accepts, how it canonicalises, and how it refuses (forms: sightings/plates.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sightings.plates import (
    DIPLOMATIC_WORDS,
    REGIONS,
    USE_SYLLABLES,
    Plate,
    PlateError,
    PlateKind,
    VehicleType,
    normalise,
    parse_pattern,
    parse_plate,
    pattern_matches,
    try_parse_plate,
)

# The accepted forms of sightings/plates.py, written out again so that a slip in the module's tables shows up here.
PRIVATE = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
COMMERCIAL = "바사아자"
RENTAL = "하허호"
DELIVERY = "배"
SPEC_REGIONS = "서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주".split()
SPEC_DIPLOMATIC = "외교 영사 준외 준영 국기 협정 대표".split()

uses = st.sampled_from(PRIVATE + COMMERCIAL + RENTAL + DELIVERY)
serials = st.integers(0, 9999).map("{:04d}".format)
two_digit_classes = st.integers(1, 99).map("{:02d}".format)
three_digit_classes = st.integers(100, 999).map(str)
valid_plates = st.one_of(
    st.builds(lambda c, u, s: c + u + s, st.one_of(two_digit_classes, three_digit_classes), uses, serials),
    st.builds(lambda r, c, u, s: r + c + u + s, st.sampled_from(SPEC_REGIONS), two_digit_classes, uses, serials),
    st.builds(lambda w, d: w + d, st.sampled_from(SPEC_DIPLOMATIC), st.text("0123456789", min_size=3, max_size=7)),
)
separators = st.sampled_from(["", "", " ", "-", " - ", "\u3000", "\t", "\u2013"])
# Text near the shape of a plate reaches the deeper checks far more often than arbitrary text.
plate_like_text = st.text(alphabet="0123456789가나배히서울외교*?- ", max_size=14)


def test_it_parses_a_two_digit_class() -> None:
    plate = parse_plate("12가3456")

    assert plate == Plate(None, "12", "가", "3456", PlateKind.PRIVATE, VehicleType.PASSENGER)
    assert plate.text == "12가3456"
    assert str(plate) == "12가3456"


def test_it_parses_a_three_digit_class() -> None:
    plate = parse_plate("123가4567")

    assert plate == Plate(None, "123", "가", "4567", PlateKind.PRIVATE, VehicleType.PASSENGER)
    assert plate.text == "123가4567"


def test_it_parses_a_region_prefix_with_a_two_digit_class() -> None:
    plate = parse_plate("서울12가3456")

    assert plate.region == "서울"
    assert plate.class_number == "12"
    assert plate.text == "서울12가3456"


def test_it_refuses_a_region_prefix_with_a_three_digit_class() -> None:
    with pytest.raises(PlateError, match="goes only with a 2-digit class"):
        parse_plate("서울123가4567")


def test_it_refuses_an_unknown_region() -> None:
    with pytest.raises(PlateError, match="'한국' is not a region prefix"):
        parse_plate("한국12가3456")


def test_it_knows_every_region_and_no_other() -> None:
    assert set(SPEC_REGIONS) == REGIONS
    for region in SPEC_REGIONS:
        assert parse_plate(f"{region}12가3456").region == region


@pytest.mark.parametrize(
    ("class_number", "vehicle_type"),
    [
        ("01", VehicleType.PASSENGER),
        ("69", VehicleType.PASSENGER),
        ("70", VehicleType.VAN),
        ("79", VehicleType.VAN),
        ("80", VehicleType.TRUCK),
        ("97", VehicleType.TRUCK),
        ("98", VehicleType.SPECIAL),
        ("99", VehicleType.SPECIAL),
        ("100", VehicleType.PASSENGER),
        ("699", VehicleType.PASSENGER),
        ("700", VehicleType.VAN),
        ("799", VehicleType.VAN),
        ("800", VehicleType.TRUCK),
        ("979", VehicleType.TRUCK),
        ("980", VehicleType.SPECIAL),
        ("997", VehicleType.SPECIAL),
        ("998", VehicleType.EMERGENCY),
        ("999", VehicleType.EMERGENCY),
    ],
)
def test_it_gives_the_vehicle_type_of_each_class_range_boundary(class_number: str, vehicle_type: VehicleType) -> None:
    plate = parse_plate(f"{class_number}가1234")

    assert plate.class_number == class_number
    assert plate.vehicle_type == vehicle_type


@pytest.mark.parametrize("class_number", ["00", "000", "012", "099"])
def test_it_refuses_a_class_number_never_issued(class_number: str) -> None:
    with pytest.raises(PlateError, match=f"class number {class_number} is not valid"):
        parse_plate(f"{class_number}가1234")


@pytest.mark.parametrize(
    ("syllables", "kind"),
    [
        (PRIVATE, PlateKind.PRIVATE),
        (COMMERCIAL, PlateKind.COMMERCIAL),
        (RENTAL, PlateKind.RENTAL),
        (DELIVERY, PlateKind.DELIVERY),
    ],
)
def test_it_gives_the_kind_of_each_use_syllable(syllables: str, kind: PlateKind) -> None:
    for syllable in syllables:
        assert parse_plate(f"12{syllable}3456").kind == kind


def test_it_knows_every_use_syllable_and_no_other() -> None:
    assert set(USE_SYLLABLES) == set(PRIVATE + COMMERCIAL + RENTAL + DELIVERY)


def test_it_refuses_a_syllable_not_used_on_plates() -> None:
    with pytest.raises(PlateError, match="'히' is not a use syllable"):
        parse_plate("12히3456")


@pytest.mark.parametrize("word", SPEC_DIPLOMATIC)
def test_it_parses_a_diplomatic_plate(word: str) -> None:
    plate = parse_plate(f"{word}123-456")

    assert plate == Plate(None, None, word, "123456", PlateKind.DIPLOMATIC, None)
    assert plate.text == f"{word}123456"
    assert set(DIPLOMATIC_WORDS) == set(SPEC_DIPLOMATIC)


@pytest.mark.parametrize("digits", ["123", "1234567"])
def test_it_accepts_3_to_7_digits_on_a_diplomatic_plate(digits: str) -> None:
    assert parse_plate(f"외교{digits}").serial == digits


@pytest.mark.parametrize("text", ["외교", "외교12", "외교12345678", "외교12가3456"])
def test_it_refuses_a_diplomatic_plate_without_3_to_7_digits(text: str) -> None:
    with pytest.raises(PlateError, match="3 to 7 digits"):
        parse_plate(text)


@pytest.mark.parametrize(
    "text",
    [
        " 12 가 3456 ",
        "12-가-3456",
        "12가\u20133456",
        "１２가３４５６",
        "12\u1100\u11613456",  # 가 typed as separate jamo
        "12\u3000가\t3456\n",
    ],
)
def test_it_normalises_spacing_hyphens_jamo_and_full_width_digits(text: str) -> None:
    assert parse_plate(text).text == "12가3456"


def test_it_refuses_what_is_not_a_plate() -> None:
    with pytest.raises(PlateError, match="'zz' is not a plate"):
        parse_plate("zz")


@pytest.mark.parametrize("text", ["", "   ", " - "])
def test_it_refuses_empty_text(text: str) -> None:
    with pytest.raises(PlateError, match="empty"):
        parse_plate(text)


@pytest.mark.parametrize("text", ["1" * 21, "가" * 500])
def test_it_refuses_text_that_is_too_long(text: str) -> None:
    with pytest.raises(PlateError, match="too long"):
        parse_plate(text)


@pytest.mark.parametrize("value", [None, 123, b"12\xea\xb0\x803456"])
def test_it_refuses_what_is_not_text(value: object) -> None:
    with pytest.raises(PlateError, match="must be text"):
        parse_plate(value)  # type: ignore[arg-type]


def test_try_parse_plate_returns_none_for_what_is_not_a_plate() -> None:
    assert try_parse_plate("12가3456") == parse_plate("12가3456")
    assert try_parse_plate("not a plate") is None


@given(st.one_of(st.text(), plate_like_text))
def test_parsing_any_text_raises_nothing_but_plate_error(text: str) -> None:
    try:
        parse_plate(text)
    except PlateError:
        pass


@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_normalise_never_raises_and_is_idempotent(text: str) -> None:
    normalised = normalise(text)

    assert normalise(normalised) == normalised
    assert " " not in normalised
    assert "-" not in normalised


@given(valid_plates)
def test_valid_plates_round_trip(text: str) -> None:
    plate = parse_plate(text)

    assert plate.text == text
    assert parse_plate(plate.text) == plate


@given(valid_plates, st.data())
def test_valid_plates_round_trip_with_spaces_and_hyphens(text: str, data: st.DataObject) -> None:
    gaps = data.draw(st.lists(separators, min_size=len(text) + 1, max_size=len(text) + 1))
    spaced = "".join(gap + character for gap, character in zip(gaps[:-1], text, strict=True)) + gaps[-1]

    assert parse_plate(spaced).text == text


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("12가34**", "12가34**"),
        ("**가3456", "**가3456"),
        ("123가45*7", "123가45*7"),
        ("12가34??", "12가34**"),
        ("12 가 34-**", "12가34**"),
        ("12*3456", "12*3456"),
        ("서울12가34**", "서울12가34**"),
        ("0*가3456", "0*가3456"),
    ],
)
def test_it_parses_a_pattern(text: str, pattern: str) -> None:
    assert parse_pattern(text) == pattern


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12가3456", "no wildcard"),
        ("**가3***", "at least 4"),
        ("1*가3***", "at least 4"),
        ("1234**", "not a plate pattern"),
        ("*2가3456*", "not a plate pattern"),
        ("12히34**", "'히' is not a use syllable"),
        ("서울123가45**", "2-digit class"),
        ("한국12가34**", "not a region prefix"),
        ("00가34**", "class number 00 is not valid"),
        ("0**가3456", "3-digit class starts at 100"),
        ("외교12**", "not a plate pattern"),
        ("", "empty"),
        ("*" * 21, "too long"),
    ],
)
def test_it_refuses_an_invalid_pattern(text: str, reason: str) -> None:
    with pytest.raises(PlateError, match=reason):
        parse_pattern(text)


def test_a_region_does_not_count_towards_the_known_characters_of_a_pattern() -> None:
    with pytest.raises(PlateError, match="has 3 known characters"):
        parse_pattern("서울**가3**4")


@given(st.one_of(st.text(), plate_like_text))
def test_parsing_any_pattern_raises_nothing_but_plate_error(text: str) -> None:
    try:
        parse_pattern(text)
    except PlateError:
        pass


@pytest.mark.parametrize(
    ("pattern", "plate", "matches"),
    [
        ("12가34**", "12가3456", True),
        ("**가3456", "98가3456", True),
        ("**가3456", "123가3456", False),
        ("12*3456", "12배3456", True),
        ("12가34**", "12나3456", False),
    ],
)
def test_pattern_matches_one_character_per_wildcard(pattern: str, plate: str, matches: bool) -> None:
    assert pattern_matches(pattern, plate) is matches
