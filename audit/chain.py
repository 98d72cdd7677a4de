"""The hash chain behind the disclosure ledger and the access log. Plain Python: no Django import.

Each entry's hash is sha256(prev_hash + canonical JSON of its fields), where the canonical JSON has sorted
keys, no whitespace and UTF-8 text. The first entry's prev_hash is GENESIS. An entry therefore commits to
its own content and to every entry before it: changing, removing or reordering anything breaks the chain
from that point on, and `verify` names the first entry where it breaks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64

ALTERED = "altered content"
BROKEN_LINK = "broken link"
SEQUENCE_GAP = "gap in sequence"


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: JSON with sorted keys, compact, UTF-8. Values must be JSON-native."""
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Link:
    """One stored entry as the verifier sees it."""

    sequence: int
    prev_hash: str
    entry_hash: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Broken:
    sequence: int
    reason: str  # ALTERED, BROKEN_LINK or SEQUENCE_GAP
    detail: str = ""

    def describe(self) -> str:
        return f"entry {self.sequence}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    first_broken: Broken | None = None
    head: str = GENESIS  # the hash of the last entry checked
    corrected: tuple[int, ...] = ()  # entries whose content mismatch a correction covers, in order


def chain(entries: Iterable[Mapping[str, Any]], *, prev_hash: str = GENESIS, first_sequence: int = 1) -> list[Link]:
    """Links new entries onto a chain whose last hash is prev_hash (used for appends and in tests)."""
    links = []
    for sequence, fields in enumerate(entries, start=first_sequence):
        digest = entry_hash(prev_hash, fields)
        links.append(Link(sequence, prev_hash, digest, fields))
        prev_hash = digest
    return links


def verify(
    links: Iterable[Link],
    corrections: Mapping[int, str] | None = None,
    *,
    prev_hash: str = GENESIS,
    first_sequence: int = 1,
) -> Verdict:
    """Checks links in sequence order: 1, 2, 3 ... each pointing at its predecessor and hashing to itself.

    corrections maps a sequence to the hash its content was found to give when the correction was recorded;
    such an entry still counts as intact, the chain continuing from its stored hash, and is listed as corrected.

    A range of a chain is verified from its first sequence and the stored hash of the entry before it
    (prev_hash): ranges that each verify, and whose boundaries are the stored hashes, make a verified chain.
    """
    corrections = corrections or {}
    corrected: list[int] = []
    expected_prev, expected_sequence, count = prev_hash, first_sequence, 0
    sha256, dumps, option = hashlib.sha256, orjson.dumps, orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    for link in links:
        if link.sequence != expected_sequence:
            gap = Broken(link.sequence, SEQUENCE_GAP, f"expected {expected_sequence}")
            return Verdict(False, count, gap, expected_prev, tuple(corrected))
        if link.prev_hash != expected_prev:
            return Verdict(False, count, Broken(link.sequence, BROKEN_LINK), expected_prev, tuple(corrected))
        digest = sha256(expected_prev.encode("ascii") + dumps(link.fields, option=option)).hexdigest()
        if digest != link.entry_hash:
            if corrections.get(link.sequence) != digest:
                detail = "changed again after its correction" if link.sequence in corrections else ""
                return Verdict(False, count, Broken(link.sequence, ALTERED, detail), expected_prev, tuple(corrected))
            corrected.append(link.sequence)
        expected_prev, expected_sequence, count = link.entry_hash, expected_sequence + 1, count + 1
    return Verdict(True, count, None, expected_prev, tuple(corrected))
