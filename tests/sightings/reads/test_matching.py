"""The matching engine: exact, pattern and possible-misread hits against a compiled hotlist (docs/INGEST.md)."""

from __future__ import annotations

import random
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sightings.bench.matching import benchmark_matching, random_pattern, random_plate
from sightings.plates import USE_SYLLABLES, PlateError, parse_pattern, parse_plate, pattern_matches
from sightings.reads.matching import (
    HIT_SCORES,
    LOOKALIKE_GROUPS,
    LOOKALIKES,
    Hit,
    HitKind,
    Hotlist,
    OrderSpec,
    are_lookalikes,
)

LOOKALIKE_PAIRS = sorted({pair for group in LOOKALIKE_GROUPS for pair in permutations(group, 2)})
DIGIT_PAIRS = [(a, b) for a, b in LOOKALIKE_PAIRS if a.isdigit()]
HANGUL_PAIRS = [(a, b) for a, b in LOOKALIKE_PAIRS if not a.isdigit()]


def hits_of(hotlist: Hotlist, plate: str) -> set[tuple[str, HitKind]]:
    return {(hit.order_id, hit.kind) for hit in hotlist.match(plate)}


def test_it_finds_an_exact_hit() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456"), OrderSpec("B", plate="123가4567")])

    assert hotlist.match("12가3456") == [Hit("A", HitKind.EXACT, 1.0, "12가3456")]
    assert hotlist.match("123가4567") == [Hit("B", HitKind.EXACT, 1.0, "123가4567")]


def test_it_finds_nothing_for_a_plate_not_wanted() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456")])

    assert hotlist.match("34나5678") == []


def test_every_order_on_the_same_plate_hits() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456"), OrderSpec("B", plate="12가3456")])

    assert hits_of(hotlist, "12가3456") == {("A", HitKind.EXACT), ("B", HitKind.EXACT)}


@pytest.mark.parametrize(
    ("pattern", "plate"),
    [
        ("12가34**", "12가3456"),
        ("12가34**", "12가3400"),
        ("**가3456", "12가3456"),
        ("**가3456", "98가3456"),
        ("123가45*7", "123가4567"),
        ("12*3456", "12배3456"),
        ("서울12가34**", "서울12가3499"),
    ],
)
def test_it_finds_a_pattern_hit(pattern: str, plate: str) -> None:
    hotlist = Hotlist.compile([OrderSpec("A", pattern=pattern)])

    assert hotlist.match(plate) == [Hit("A", HitKind.PATTERN, 0.9, pattern)]


@pytest.mark.parametrize(
    ("pattern", "plate"),
    [
        ("12가34**", "12가3556"),
        ("12가34**", "12나3456"),
        ("**가3456", "123가3456"),  # a wildcard stands for exactly one character
        ("**가3456", "서울12가3456"),
        ("123가45*7", "123가4568"),
    ],
)
def test_it_finds_no_pattern_hit_for_a_plate_that_does_not_fit(pattern: str, plate: str) -> None:
    hotlist = Hotlist.compile([OrderSpec("A", pattern=pattern)], misread_tolerance=False)

    assert hotlist.match(plate) == []


def test_it_finds_every_pattern_a_plate_fits() -> None:
    orders = [
        OrderSpec("A", pattern="12가34**"),
        OrderSpec("B", pattern="**가3456"),
        OrderSpec("C", pattern="1*가*456"),
        OrderSpec("D", pattern="12나34**"),
    ]

    assert hits_of(Hotlist.compile(orders), "12가3456") == {
        ("A", HitKind.PATTERN),
        ("B", HitKind.PATTERN),
        ("C", HitKind.PATTERN),
    }


@pytest.mark.parametrize(("wanted", "read"), DIGIT_PAIRS)
def test_it_flags_a_possible_misread_for_each_lookalike_digit_pair(wanted: str, read: str) -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate=f"12가345{wanted}")])

    assert hotlist.match(f"12가345{read}") == [Hit("A", HitKind.MISREAD, 0.6, f"12가345{wanted}")]


@pytest.mark.parametrize(("wanted", "read"), HANGUL_PAIRS)
def test_it_flags_a_possible_misread_for_each_lookalike_syllable_pair(wanted: str, read: str) -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate=f"12{wanted}3456")])

    assert hotlist.match(f"12{read}3456") == [Hit("A", HitKind.MISREAD, 0.6, f"12{wanted}3456")]


def test_it_flags_a_misread_in_any_position() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="서울18가3456")])

    for read in ["서울78가3456", "서울10가3456", "서울18나3456", "서울18가8456", "서울18가3450", "서울18가3466"]:
        assert hits_of(hotlist, read) == {("A", HitKind.MISREAD)}, read


def test_it_does_not_flag_a_plate_two_lookalike_edits_away() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456")])

    assert hotlist.match("72가3458") == []
    assert hotlist.match("12나3458") == []


@pytest.mark.parametrize("read", ["12가3457", "12가3453", "13가3456", "12배3456", "12가2456", "12구3456"])
def test_it_does_not_flag_a_difference_that_is_not_a_lookalike(read: str) -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456")])

    assert hotlist.match(read) == []


def test_lookalikes_are_pairs_not_merged_classes() -> None:
    # 8 looks like 0 and like 3, yet 0 and 3 do not look alike; the same goes for 6 between 5 and 9.
    assert are_lookalikes("0", "8")
    assert are_lookalikes("8", "3")
    assert not are_lookalikes("0", "3")
    assert not are_lookalikes("5", "9")
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3450")])
    assert hotlist.match("12가3453") == []


def test_lookalikes_are_symmetric_and_never_the_same_character() -> None:
    for a, b in LOOKALIKE_PAIRS:
        assert are_lookalikes(a, b)
        assert are_lookalikes(b, a)
    assert not any(are_lookalikes(c, c) for group in LOOKALIKE_GROUPS for c in group)
    assert not are_lookalikes("2", "4")


def test_every_lookalike_syllable_is_a_use_syllable() -> None:
    syllables = {c for group in LOOKALIKE_GROUPS for c in group if not c.isdigit()}

    assert syllables <= set(USE_SYLLABLES)


def test_an_exact_hit_is_not_also_reported_as_a_misread() -> None:
    # One order listing two plates a look-alike apart: reading one of them is an exact hit, once.
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456"), OrderSpec("A", plate="12가3458")])

    assert hotlist.match("12가3458") == [Hit("A", HitKind.EXACT, 1.0, "12가3458")]


def test_another_orders_lookalike_plate_is_still_flagged() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456"), OrderSpec("B", plate="12가3458")])

    assert hotlist.match("12가3458") == [
        Hit("B", HitKind.EXACT, 1.0, "12가3458"),
        Hit("A", HitKind.MISREAD, 0.6, "12가3456"),
    ]


def test_an_order_is_reported_once_under_its_strongest_kind() -> None:
    hotlist = Hotlist.compile(
        [OrderSpec("A", plate="12가3456"), OrderSpec("A", pattern="12가34**"), OrderSpec("B", pattern="12가34**")]
    )

    assert hotlist.match("12가3456") == [
        Hit("A", HitKind.EXACT, 1.0, "12가3456"),
        Hit("B", HitKind.PATTERN, 0.9, "12가34**"),
    ]


def test_a_possible_misread_is_never_reported_as_a_confirmed_kind() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456")])

    [hit] = hotlist.match("12가3458")
    assert hit.kind == "misread"
    assert hit.score < HIT_SCORES[HitKind.PATTERN] < HIT_SCORES[HitKind.EXACT]


def test_match_exact_and_pattern_leaves_misreads_out() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456"), OrderSpec("B", pattern="12가34**")])

    assert hotlist.match_exact_and_pattern("12가3458") == [Hit("B", HitKind.PATTERN, 0.9, "12가34**")]
    assert hits_of(hotlist, "12가3458") == {("A", HitKind.MISREAD), ("B", HitKind.PATTERN)}


def test_misread_tolerance_can_be_turned_off() -> None:
    hotlist = Hotlist.compile([OrderSpec("A", plate="12가3456")], misread_tolerance=False)

    assert hotlist.match("12가3458") == []
    assert hotlist.match("12가3456") == [Hit("A", HitKind.EXACT, 1.0, "12가3456")]
    assert hotlist.misread_tolerance is False


def test_cancelled_and_expired_orders_left_out_by_the_caller_never_hit() -> None:
    orders = [
        ("active", OrderSpec("A", plate="12가3456")),
        ("cancelled", OrderSpec("B", plate="34나5678")),
        ("expired", OrderSpec("C", pattern="56다78**")),
    ]

    hotlist = Hotlist.compile(spec for status, spec in orders if status == "active")

    assert len(hotlist) == 1
    assert hotlist.match("12가3456") == [Hit("A", HitKind.EXACT, 1.0, "12가3456")]
    assert hotlist.match("34나5678") == []
    assert hotlist.match("34나5670") == []
    assert hotlist.match("56다7890") == []


def test_an_empty_hotlist_matches_nothing() -> None:
    hotlist = Hotlist.compile([])

    assert len(hotlist) == 0
    assert hotlist.match("12가3456") == []
    assert hotlist.match_exact_and_pattern("12가3456") == []


def test_it_carries_the_version_it_was_compiled_with() -> None:
    assert Hotlist.compile([], version=("orders", 42)).version == ("orders", 42)
    assert Hotlist.compile([]).version is None


def test_an_order_spec_canonicalises_its_plate_or_pattern() -> None:
    assert OrderSpec("A", plate=" 12 가-3456").plate == "12가3456"
    assert OrderSpec("A", pattern="12가34??").pattern == "12가34**"


@pytest.mark.parametrize("fields", [{}, {"plate": "12가3456", "pattern": "12가34**"}])
def test_an_order_spec_needs_exactly_one_of_plate_or_pattern(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="exactly one of plate or pattern"):
        OrderSpec("A", **fields)


@pytest.mark.parametrize("fields", [{"plate": "00가3456"}, {"pattern": "12가3456"}, {"plate": "12가34**"}])
def test_an_order_spec_refuses_an_invalid_plate_or_pattern(fields: dict[str, str]) -> None:
    with pytest.raises(PlateError):
        OrderSpec("A", **fields)


# Small alphabets so that random orders and reads collide often enough to exercise every kind of hit.
small_plates = st.builds(
    lambda c, u, s: c + u + s,
    st.sampled_from(["12", "17", "18", "123", "173"]),
    st.sampled_from("가나배허호"),
    st.text("0368", min_size=4, max_size=4),
)


@st.composite
def small_patterns(draw: st.DrawFn) -> str:
    plate = draw(small_plates)
    positions = draw(st.sets(st.integers(0, len(plate) - 1), min_size=1, max_size=len(plate) - 4))
    return parse_pattern("".join("*" if i in positions else c for i, c in enumerate(plate)))


def expected_hits(orders: list[OrderSpec], read: str, *, misread_tolerance: bool) -> set[tuple[str, HitKind]]:
    """Brute force over every order, straight from the definitions."""
    strongest: dict[str, HitKind] = {}
    ranking = [HitKind.EXACT, HitKind.PATTERN, HitKind.MISREAD]
    for order in orders:
        if order.plate == read:
            kind = HitKind.EXACT
        elif order.pattern is not None and pattern_matches(order.pattern, read):
            kind = HitKind.PATTERN
        elif misread_tolerance and order.plate is not None and is_one_lookalike_away(order.plate, read):
            kind = HitKind.MISREAD
        else:
            continue
        if order.order_id not in strongest or ranking.index(kind) < ranking.index(strongest[order.order_id]):
            strongest[order.order_id] = kind
    return set(strongest.items())


def is_one_lookalike_away(plate: str, read: str) -> bool:
    differences = [(a, b) for a, b in zip(plate, read, strict=False) if a != b]
    return len(plate) == len(read) and len(differences) == 1 and are_lookalikes(*differences[0])


@st.composite
def edited(draw: st.DrawFn, plate: str) -> str:
    """The plate with one or two characters replaced by others of the same sort, look-alike or not."""
    for _ in range(draw(st.integers(1, 2))):
        position = draw(st.integers(0, len(plate) - 1))
        same_sort = "0123456789" if plate[position].isdigit() else "가나배허호구거"
        lookalikes = sorted(LOOKALIKES.get(plate[position], ())) or [plate[position]]
        replacement = draw(st.sampled_from(same_sort) | st.sampled_from(lookalikes))
        plate = plate[:position] + replacement + plate[position + 1 :]
    return plate


@given(
    st.lists(st.tuples(st.sampled_from("ABCDEF"), st.one_of(small_plates, small_patterns())), max_size=12),
    st.booleans(),
    st.data(),
)
def test_it_agrees_with_brute_force_over_every_order(
    entries: list[tuple[str, str]], misread_tolerance: bool, data: st.DataObject
) -> None:
    orders = [
        OrderSpec(order_id, pattern=text) if "*" in text else OrderSpec(order_id, plate=text)
        for order_id, text in entries
    ]
    plates = [order.plate for order in orders if order.plate is not None]
    reads = small_plates
    if plates:
        reads = st.one_of(small_plates, st.sampled_from(plates), st.sampled_from(plates).flatmap(edited))
    hotlist = Hotlist.compile(orders, misread_tolerance=misread_tolerance)

    for read in data.draw(st.lists(reads, min_size=1, max_size=10)):
        hits = hotlist.match(read)
        assert len({hit.order_id for hit in hits}) == len(hits)
        assert {(hit.order_id, hit.kind) for hit in hits} == expected_hits(
            orders, read, misread_tolerance=misread_tolerance
        )


def test_the_benchmark_runs_and_reports_its_rates() -> None:
    result = benchmark_matching(n_orders=200, n_reads=2_000, hit_rate=0.05, repeats=1)

    assert result["exact_and_pattern"]["reads_per_s"] > 0  # type: ignore[index]
    assert result["with_misread"]["reads_per_s"] > 0  # type: ignore[index]
    assert result["hits_by_kind"]["exact"] > 0  # type: ignore[index]


def test_the_benchmark_draws_valid_plates_and_patterns() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        plate = random_plate(rng)
        assert parse_plate(plate).text == plate
        pattern = random_pattern(rng)
        assert parse_pattern(pattern) == pattern
