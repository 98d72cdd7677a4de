"""Hotlist matching: which active wanted orders a plate read hits, exactly, by pattern, or as a possible misread.

Plain Python with no Django import. The worker compiles a `Hotlist` from the active orders whenever they
change and calls `match` for every read; a read never costs work per order.

Hit kinds and their scores:
- exact (1.0): the read is the order's plate;
- pattern (0.9): the read fits the order's partial-plate pattern (`12가34**`);
- misread (0.6): the read differs from the order's full plate in exactly one character, and those two
  characters are look-alikes (`are_lookalikes`). A misread is only a lead for a person to verify, never a
  confirmed hit. Misread tolerance applies to orders given as a full plate, not to patterns, which already
  say which characters are unknown.
Each order appears at most once per read, under its strongest kind (exact, then pattern, then misread).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from sightings.plates import WILDCARD, parse_pattern, parse_plate

# Characters that cameras and people confuse on Korean plates; any two characters of one
# group are look-alikes. The groups are not merged into classes: 8 looks like 0 and like 3, and 6 like 9 and
# like 5, yet 0 and 3 (or 5 and 9) do not look alike. Hangul: use syllables with the same vowel differ only in
# a small initial consonant (어/머/너/더/러/버/서/저/거 ...), so each vowel's use syllables form a group, the
# rental 하/허/호 included; ㅗ and ㅜ swap under one initial (보/부, 소/수 ...); 하/허/호 swap among themselves.
# 배 (delivery) has no look-alike.
LOOKALIKE_GROUPS: tuple[str, ...] = (
    "0689",
    "17",
    "38",
    "56",
    "가나다라마바사아자하",
    "거너더러머버서어저허",
    "고노도로모보소오조호",
    "구누두루무부수우주",
    "고구",
    "노누",
    "도두",
    "로루",
    "모무",
    "보부",
    "소수",
    "오우",
    "조주",
    "하허호",
)


def _lookalikes_by_character(groups: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each character, the other characters it may be misread as."""
    partners: dict[str, set[str]] = {}
    for group in groups:
        for character in group:
            partners.setdefault(character, set()).update(other for other in group if other != character)
    return {character: frozenset(others) for character, others in partners.items()}


LOOKALIKES: dict[str, frozenset[str]] = _lookalikes_by_character(LOOKALIKE_GROUPS)


def are_lookalikes(a: str, b: str) -> bool:
    """True when a and b are two different characters that may be misread as each other."""
    return b in LOOKALIKES.get(a, ())


class HitKind(StrEnum):
    EXACT = "exact"
    PATTERN = "pattern"
    MISREAD = "misread"


HIT_SCORES: dict[HitKind, float] = {HitKind.EXACT: 1.0, HitKind.PATTERN: 0.9, HitKind.MISREAD: 0.6}


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """An active order as the matcher needs it: exactly one of a full plate or a partial-plate pattern.

    Construction canonicalises the plate or pattern and raises PlateError (a ValueError) when it is invalid.
    """

    order_id: str
    plate: str | None = None
    pattern: str | None = None

    def __post_init__(self) -> None:
        if (self.plate is None) == (self.pattern is None):
            raise ValueError(f"order {self.order_id}: give exactly one of plate or pattern")
        if self.plate is not None:
            object.__setattr__(self, "plate", parse_plate(self.plate).text)
        else:
            object.__setattr__(self, "pattern", parse_pattern(self.pattern))


@dataclass(frozen=True, slots=True)
class Hit:
    """One order hit by one read; `order_text` is the order's plate or pattern that the read hit."""

    order_id: str
    kind: HitKind
    score: float
    order_text: str


# Per plate length: positions as (index, accepted character -> bit mask, wildcard bit mask), most selective
# first, and the Hit of each pattern by bit number. A read costs one small-dict lookup and one AND per position,
# however many patterns there are, and usually stops after a few positions.
_PatternTable = tuple[tuple[tuple[int, dict[str, int], int], ...], tuple[Hit, ...]]


class Hotlist:
    """Read-only index of the active orders; compile a new one (with a new version) when orders change."""

    __slots__ = ("version", "misread_tolerance", "order_count", "_exact", "_patterns", "_misreads")

    def __init__(
        self,
        *,
        version: Hashable,
        misread_tolerance: bool,
        order_count: int,
        exact: dict[str, tuple[Hit, ...]],
        patterns: dict[int, _PatternTable],
        misreads: dict[str, tuple[Hit, ...]],
    ) -> None:
        self.version = version
        self.misread_tolerance = misread_tolerance
        self.order_count = order_count
        self._exact = exact
        self._patterns = patterns
        self._misreads = misreads

    @classmethod
    def compile(
        cls, active_orders: Iterable[OrderSpec], *, version: Hashable = None, misread_tolerance: bool = True
    ) -> Hotlist:
        """Index the given orders; the caller passes only orders active now (cancelled or expired left out)."""
        specs = list(active_orders)
        plates = [(spec.order_id, spec.plate) for spec in specs if spec.plate is not None]
        patterns = [(spec.order_id, spec.pattern) for spec in specs if spec.pattern is not None]
        return cls(
            version=version,
            misread_tolerance=misread_tolerance,
            order_count=len(specs),
            exact=_index_exact(plates),
            patterns=_index_patterns(patterns),
            misreads=_index_misreads(plates) if misread_tolerance else {},
        )

    def __len__(self) -> int:
        return self.order_count

    def __repr__(self) -> str:
        return f"<Hotlist version={self.version!r} orders={self.order_count} misread={self.misread_tolerance}>"

    def match(self, plate: str) -> list[Hit]:
        """Hits for one canonical plate read (as `parse_plate(...).text`), misreads included when enabled."""
        # The hot path: a no-hit read costs the exact and misread lookups plus a few per-position pattern lookups.
        exact = self._exact.get(plate, ())
        misread = self._misreads.get(plate, ())
        table = self._patterns.get(len(plate))
        bits = 0
        if table is not None:
            bits = -1
            for position, accepted, wildcards in table[0]:
                bits &= accepted.get(plate[position], wildcards)
                if not bits:
                    break
        if exact or bits or misread:
            return _one_hit_per_order(exact, _pattern_hits(table, bits), misread)
        return []

    def match_exact_and_pattern(self, plate: str) -> list[Hit]:
        """Hits for one canonical plate read, leaving possible misreads out."""
        return [hit for hit in self.match(plate) if hit.kind is not HitKind.MISREAD]


def _pattern_hits(table: _PatternTable | None, bits: int) -> tuple[Hit, ...]:
    """The pattern hits whose bits are set."""
    if table is None or not bits:
        return ()
    hits = table[1]
    found = []
    while bits:
        lowest = bits & -bits
        found.append(hits[lowest.bit_length() - 1])
        bits ^= lowest
    return tuple(found)


def _index_exact(plates: list[tuple[str, str]]) -> dict[str, tuple[Hit, ...]]:
    """Plate -> its exact hits."""
    index: dict[str, list[Hit]] = {}
    for order_id, plate in plates:
        index.setdefault(plate, []).append(Hit(order_id, HitKind.EXACT, HIT_SCORES[HitKind.EXACT], plate))
    return {plate: tuple(hits) for plate, hits in index.items()}


def _index_patterns(patterns: list[tuple[str, str]]) -> dict[int, _PatternTable]:
    """Pattern length -> bit-mask table, so a read costs a few lookups however many patterns exist."""
    by_length: dict[int, list[tuple[str, str]]] = {}
    for order_id, pattern in patterns:
        by_length.setdefault(len(pattern), []).append((order_id, pattern))
    return {length: _pattern_table(length, group) for length, group in by_length.items()}


def _pattern_table(length: int, patterns: list[tuple[str, str]]) -> _PatternTable:
    """Bit i stands for patterns[i]; a position's mask for a character has the bits of the patterns accepting it."""
    wildcards = [0] * length
    known: list[dict[str, int]] = [{} for _ in range(length)]
    for bit, (_, pattern) in enumerate(patterns):
        for position, character in enumerate(pattern):
            if character == WILDCARD:
                wildcards[position] |= 1 << bit
            else:
                known[position][character] = known[position].get(character, 0) | 1 << bit
    columns = [
        (
            position,
            {character: mask | wildcards[position] for character, mask in known[position].items()},
            wildcards[position],
        )
        for position in range(length)
    ]
    # Positions with the fewest wildcards rule out most patterns, so testing them first ends no-hit reads early.
    columns.sort(key=lambda column: column[2].bit_count())
    hits = tuple(Hit(order_id, HitKind.PATTERN, HIT_SCORES[HitKind.PATTERN], pattern) for order_id, pattern in patterns)
    return tuple(columns), hits


def _index_misreads(plates: list[tuple[str, str]]) -> dict[str, tuple[Hit, ...]]:
    """Every read one look-alike character away from an order's plate -> the misread hits it gives.

    Spelling out each plate's look-alike neighbours at compile time (about 20 per plate, about 27 MB for 10,000
    orders) makes the read side a single dict lookup; each key differs from its order's plate in exactly one
    position, by a look-alike pair, by construction.
    """
    index: dict[str, tuple[Hit, ...]] = {}
    for order_id, plate in plates:
        # One tuple per order, shared by all its neighbours: most neighbours belong to a single order.
        hits = (Hit(order_id, HitKind.MISREAD, HIT_SCORES[HitKind.MISREAD], plate),)
        for neighbour in _lookalike_neighbours(plate):
            existing = index.get(neighbour)
            index[neighbour] = hits if existing is None else existing + hits
    return index


def _lookalike_neighbours(plate: str) -> Iterator[str]:
    """Every text that differs from the plate in one character, by a look-alike of that character."""
    for position, character in enumerate(plate):
        for partner in LOOKALIKES.get(character, ()):
            yield plate[:position] + partner + plate[position + 1 :]


def _one_hit_per_order(*hit_groups: tuple[Hit, ...]) -> list[Hit]:
    """Hits with each order kept once, under the first (strongest) group that has it."""
    seen: set[str] = set()
    hits: list[Hit] = []
    for group in hit_groups:
        for hit in group:
            if hit.order_id not in seen:
                seen.add(hit.order_id)
                hits.append(hit)
    return hits
