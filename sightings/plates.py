"""Korean licence plates: normalise, parse and validate plate text and partial-plate patterns.

Plain Python with no Django import, so the matching worker and the tests can use it on its own.

Accepted forms, after `normalise`:
- `12가3456` and `123가4567`; a region prefix only with a 2-digit class: `서울12가3456`;
- diplomatic plates: one of 외교 영사 준외 준영 국기 협정 대표 followed by 3 to 7 digits (`외교123-456` is
  `외교123456`). The digit count is deliberately lenient because the official layout has changed over the
  years and a diplomatic read must never be rejected as garbage.

`normalise` composes Hangul to NFC, removes every kind of space and hyphen, and folds full-width ASCII
forms (`１２가３４５６`) to ASCII as NFKC would. Nothing else is compatibility-folded, so no other
character can turn into a digit by accident.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_PLATE_LENGTH = 20
# Raw input longer than this is refused before normalising so that junk costs nothing.
MAX_INPUT_LENGTH = 4 * MAX_PLATE_LENGTH
WILDCARD = "*"
# At least this many characters of a pattern (not counting a region prefix) must be known.
MIN_KNOWN_PATTERN_CHARACTERS = 4

REGIONS = frozenset(
    ("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종")
    + ("경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주")
)
DIPLOMATIC_WORDS = ("외교", "영사", "준외", "준영", "국기", "협정", "대표")


class PlateError(ValueError):
    """The text is not a plate (or not a plate pattern); the message says why."""


class PlateKind(StrEnum):
    PRIVATE = "private"
    COMMERCIAL = "commercial"
    RENTAL = "rental"
    DELIVERY = "delivery"
    DIPLOMATIC = "diplomatic"


class VehicleType(StrEnum):
    PASSENGER = "passenger"
    VAN = "van"
    TRUCK = "truck"
    SPECIAL = "special"
    EMERGENCY = "emergency"


USE_SYLLABLES: dict[str, PlateKind] = {
    **dict.fromkeys("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주", PlateKind.PRIVATE),
    **dict.fromkeys("바사아자", PlateKind.COMMERCIAL),
    **dict.fromkeys("하허호", PlateKind.RENTAL),
    "배": PlateKind.DELIVERY,
}

# (first, last, vehicle type) per class-number width; anything outside these ranges is not issued.
_CLASS_RANGES: dict[int, tuple[tuple[int, int, VehicleType], ...]] = {
    2: (
        (1, 69, VehicleType.PASSENGER),
        (70, 79, VehicleType.VAN),
        (80, 97, VehicleType.TRUCK),
        (98, 99, VehicleType.SPECIAL),
    ),
    3: (
        (100, 699, VehicleType.PASSENGER),
        (700, 799, VehicleType.VAN),
        (800, 979, VehicleType.TRUCK),
        (980, 997, VehicleType.SPECIAL),
        (998, 999, VehicleType.EMERGENCY),
    ),
}

_PLATE_SHAPE = re.compile(r"(?P<region>[가-힣]{2})?(?P<class_number>[0-9]{2,3})(?P<use>[가-힣])(?P<serial>[0-9]{4})")
_PATTERN_SHAPE = re.compile(
    r"(?P<region>[가-힣]{2})?(?P<class_number>[0-9*]{2,3})(?P<use>[가-힣*])(?P<serial>[0-9*]{4})"
)
_DIPLOMATIC_SHAPE = re.compile(rf"(?P<use>{'|'.join(DIPLOMATIC_WORDS)})(?P<serial>.*)", re.DOTALL)
_DIPLOMATIC_SERIAL = re.compile(r"[0-9]{3,7}")


def _normalise_table() -> dict[int, int | None]:
    """Translation table: drop hyphens and dashes, fold full-width ASCII forms to ASCII."""
    table: dict[int, int | None] = {ord(c): None for c in "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"}
    table.update({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    table[0xFF0D] = None  # the full-width hyphen is still a hyphen
    return table


_NORMALISE_TABLE = _normalise_table()


@dataclass(frozen=True, slots=True)
class Plate:
    """A valid plate; `class_number` and `vehicle_type` are None on diplomatic plates."""

    region: str | None
    class_number: str | None
    use: str
    serial: str
    kind: PlateKind
    vehicle_type: VehicleType | None

    @property
    def text(self) -> str:
        """Canonical form, e.g. `서울12가3456`, `123가4567`, `외교123456`."""
        return f"{self.region or ''}{self.class_number or ''}{self.use}{self.serial}"

    def __str__(self) -> str:
        return self.text


def normalise(text: str) -> str:
    """NFC-compose, fold full-width ASCII forms, and remove spaces and hyphens; never raises on a str."""
    # Compose last: removing a space or hyphen can bring a base character and a combining one together.
    return unicodedata.normalize("NFC", "".join(text.translate(_NORMALISE_TABLE).split()))


def parse_plate(text: str) -> Plate:
    """Parse plate text into a Plate, raising PlateError with the reason when it is not a plate."""
    normalised = _checked_normalise(text, what="plate")
    diplomatic = _DIPLOMATIC_SHAPE.fullmatch(normalised)
    if diplomatic:
        return _diplomatic_plate(diplomatic["use"], diplomatic["serial"])
    shape = _PLATE_SHAPE.fullmatch(normalised)
    if shape is None:
        raise PlateError(f"'{normalised}' is not a plate (expected e.g. 12가3456, 123가4567 or 서울12가3456)")
    region, class_number, use = shape["region"], shape["class_number"], shape["use"]
    _check_region(region, class_number)
    vehicle_type = vehicle_type_for_class(class_number)
    return Plate(region, class_number, use, shape["serial"], _use_kind(use), vehicle_type)


def try_parse_plate(text: str) -> Plate | None:
    """Parse plate text, or return None when it is not a plate."""
    try:
        return parse_plate(text)
    except PlateError:
        return None


def vehicle_type_for_class(class_number: str) -> VehicleType:
    """Vehicle type of a 2- or 3-digit class number, raising PlateError for numbers never issued."""
    if class_number.isascii() and class_number.isdigit() and len(class_number) in _CLASS_RANGES:
        if len(class_number) == 3 and class_number[0] == "0":
            raise PlateError(f"class number {class_number} is not valid (a 3-digit class starts at 100)")
        number = int(class_number)
        for first, last, vehicle_type in _CLASS_RANGES[len(class_number)]:
            if first <= number <= last:
                return vehicle_type
    raise PlateError(f"class number {class_number} is not valid")


def parse_pattern(text: str) -> str:
    """Canonical partial-plate pattern (`*` or `?` is one unknown character), raising PlateError if invalid.

    A pattern has the shape of a plate (optional region, 2- or 3-digit class, one use syllable, 4 serial
    digits) with at least one wildcard and at least 4 known characters besides the region. `?` becomes `*`.
    A wildcard stands for exactly one character, so `**가3456` matches only plates with a 2-digit class.
    """
    normalised = _checked_normalise(text, what="pattern").replace("?", WILDCARD)
    if WILDCARD not in normalised:
        raise PlateError(f"'{normalised}' has no wildcard; enter it as a full plate")
    shape = _PATTERN_SHAPE.fullmatch(normalised)
    if shape is None:
        raise PlateError(f"'{normalised}' is not a plate pattern (expected e.g. 12가34** or **가3456)")
    region, class_number, use = shape["region"], shape["class_number"], shape["use"]
    known = sum(1 for c in normalised[len(region or "") :] if c != WILDCARD)
    if known < MIN_KNOWN_PATTERN_CHARACTERS:
        raise PlateError(
            f"'{normalised}' has {known} known characters; a pattern needs at least {MIN_KNOWN_PATTERN_CHARACTERS}"
        )
    _check_region(region, class_number)
    _check_pattern_class(class_number)
    if use != WILDCARD:
        _use_kind(use)
    return normalised


def pattern_matches(pattern: str, plate: str) -> bool:
    """True when the canonical plate fits the canonical pattern character for character."""
    return len(pattern) == len(plate) and all(p in (WILDCARD, c) for p, c in zip(pattern, plate, strict=True))


def _checked_normalise(text: str, *, what: str) -> str:
    """Normalised text, or PlateError when it is not a str, empty, or too long."""
    if not isinstance(text, str):
        raise PlateError(f"a {what} must be text, not {type(text).__name__}")
    if len(text) > MAX_INPUT_LENGTH:
        raise PlateError(f"{what} text is too long ({len(text)} characters; at most {MAX_PLATE_LENGTH})")
    normalised = normalise(text)
    if not normalised:
        raise PlateError(f"{what} text is empty")
    if len(normalised) > MAX_PLATE_LENGTH:
        raise PlateError(f"{what} text is too long ({len(normalised)} characters; at most {MAX_PLATE_LENGTH})")
    return normalised


def _diplomatic_plate(word: str, digits: str) -> Plate:
    """A diplomatic plate, lenient on the digit count (3 to 7)."""
    if not _DIPLOMATIC_SERIAL.fullmatch(digits):
        raise PlateError(f"'{word}{digits}' is not a plate: a {word} plate has 3 to 7 digits after {word}")
    return Plate(None, None, word, digits, PlateKind.DIPLOMATIC, None)


def _check_region(region: str | None, class_number: str) -> None:
    """Refuse an unknown region prefix, or a region prefix with a 3-digit class."""
    if region is None:
        return
    if region not in REGIONS:
        raise PlateError(f"'{region}' is not a region prefix")
    if len(class_number) != 2:
        raise PlateError(f"a region prefix ({region}) goes only with a 2-digit class, not {class_number}")


def _check_pattern_class(class_number: str) -> None:
    """Refuse a pattern class that no issued class number can fill."""
    if WILDCARD not in class_number:
        vehicle_type_for_class(class_number)
    elif len(class_number) == 3 and class_number[0] == "0":
        raise PlateError(f"class number {class_number} is not valid (a 3-digit class starts at 100)")


def _use_kind(use: str) -> PlateKind:
    """Kind of plate a use syllable marks, raising PlateError for a syllable not used on plates."""
    try:
        return USE_SYLLABLES[use]
    except KeyError:
        raise PlateError(f"'{use}' is not a use syllable on Korean plates") from None
