"""Published chain heads: signed statements of how long each chain was, so a chain cut short later shows.

The hash chain shows any change to an entry, but not the removal of the newest entries or of all of them: a
chain truncated to its first 40 entries (or to none) verifies as intact. So each chain's head (its entry
count and the hash of its last entry) is published on a schedule, signed with Ed25519, stored as an
insert-only ChainHeadStatement, shown on /transparency/ and appended to CHAIN_HEADS_FILE, which the auditors
copy to storage of their own. Afterwards the chain must still hold, at every published count, the published
hash; `verify_ledger` checks this against the stored statements and against the auditors' copy.

Ed25519 rather than an HMAC: anyone holding the public key shown on /transparency/ can check a statement,
while only the publisher can make one. A keyed hash would need the secret to check, so whoever could check
could also forge.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from audit import chain
from audit.ledger import canonical_value
from audit.models import AccessLogEntry, AccessTally, ChainHeadStatement, DisclosureEntry, LedgerCorrection

# Chain name (as stored in statements) → model and the label verify_ledger prints.
CHAINS: dict[str, tuple[type[models.Model], str]] = {
    "ledger": (DisclosureEntry, "disclosure ledger"),
    "access_log": (AccessLogEntry, "access log"),
    "tallies": (AccessTally, "access tallies"),
    "corrections": (LedgerCorrection, "ledger corrections"),
}

CUT_OFF = "cut off after publication"
HEAD_DIFFERS = "head differs from published"
BAD_SIGNATURE = "published statement does not verify (forged or altered)"


def _private_key() -> Ed25519PrivateKey:
    if not settings.CHAIN_HEADS_SIGNING_KEY:
        raise ImproperlyConfigured("CHAIN_HEADS_SIGNING_KEY must be set to publish chain heads.")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(settings.CHAIN_HEADS_SIGNING_KEY))


def public_key_hex() -> str | None:
    """The key that checks statements: configured, or derived from the private key; None when neither is set."""
    if settings.CHAIN_HEADS_PUBLIC_KEY:
        return settings.CHAIN_HEADS_PUBLIC_KEY
    if settings.CHAIN_HEADS_SIGNING_KEY:
        return (
            _private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
        )
    return None


def signed_message(*, chain_name: str, entries: int, head_hash: str, published_at: dt.datetime | str) -> bytes:
    """The exact bytes signed: canonical JSON (sorted keys, compact, UTF-8) of the four published values."""
    if isinstance(published_at, dt.datetime):
        published_at = canonical_value(published_at)
    return chain.canonical(
        {"chain": chain_name, "entries": entries, "head_hash": head_hash, "published_at": published_at}
    )


def signature_valid(*, message: bytes, signature: str, public_key: str | None = None) -> bool:
    key = public_key or public_key_hex()
    if not key:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key)).verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def statement_message(statement: ChainHeadStatement) -> bytes:
    return signed_message(
        chain_name=statement.chain,
        entries=statement.entries,
        head_hash=statement.head_hash,
        published_at=statement.published_at,
    )


def statement_record(statement: ChainHeadStatement) -> dict[str, Any]:
    """One line of CHAIN_HEADS_FILE: the signed values, the signature and the key that checks it."""
    return {
        "chain": statement.chain,
        "entries": statement.entries,
        "head_hash": statement.head_hash,
        "published_at": canonical_value(statement.published_at),
        "signature": statement.signature,
        "public_key": public_key_hex(),
    }


def current_heads() -> dict[str, tuple[int, str]]:
    """Each chain's (last sequence, last hash) as stored now; (0, GENESIS) for an empty chain."""
    heads = {}
    for name, (model, _label) in CHAINS.items():
        head = model.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
        heads[name] = head or (0, chain.GENESIS)
    return heads


def chain_heads_publish(*, now: dt.datetime | None = None) -> list[ChainHeadStatement]:
    """Signs and stores every chain's head, and appends the statements to CHAIN_HEADS_FILE once committed."""
    key = _private_key()
    # Whole microseconds in UTC, as the signed text has them, so the stored time checks against its signature.
    published_at = (now or timezone.now()).astimezone(dt.UTC)
    statements = []
    with transaction.atomic():
        for name, (entries, head_hash) in current_heads().items():
            message = signed_message(chain_name=name, entries=entries, head_hash=head_hash, published_at=published_at)
            statements.append(
                ChainHeadStatement(
                    chain=name,
                    entries=entries,
                    head_hash=head_hash,
                    published_at=published_at,
                    signature=key.sign(message).hex(),
                )
            )
        ChainHeadStatement.objects.bulk_create(statements)
        lines = [json.dumps(statement_record(statement), sort_keys=True) for statement in statements]
        transaction.on_commit(lambda: _append_lines(Path(settings.CHAIN_HEADS_FILE), lines))
    return statements


def _append_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write("".join(f"{line}\n" for line in lines))
        file.flush()
        os.fsync(file.fileno())


def latest_statements() -> list[ChainHeadStatement]:
    """The last published statement of each chain, in CHAINS order (chains never published are left out)."""
    latest = []
    for name in CHAINS:
        statement = ChainHeadStatement.objects.filter(chain=name).order_by("-published_at").first()
        if statement is not None:
            latest.append(statement)
    return latest


@dataclass(frozen=True)
class Published:
    """One published head as verify_ledger checks it, from the database or from an auditor's file."""

    chain: str
    entries: int
    head_hash: str
    published_at: str
    signature: str
    source: str  # "published" or the file's name

    def message(self) -> bytes:
        return signed_message(
            chain_name=self.chain, entries=self.entries, head_hash=self.head_hash, published_at=self.published_at
        )


@dataclass(frozen=True)
class HeadProblem:
    chain: str
    reason: str  # CUT_OFF, HEAD_DIFFERS or BAD_SIGNATURE
    published: Published
    now: int  # the chain's entry count now

    def describe(self) -> str:
        label = CHAINS[self.chain][1] if self.chain in CHAINS else self.chain
        p = self.published
        return (
            f"{label}: BROKEN: {self.reason} ({p.source} {p.published_at}: {p.entries} entries, head "
            f"{p.head_hash[:16]}…; {self.now} entries now)"
        )


@dataclass(frozen=True)
class HeadsVerdict:
    checked: int
    problems: list[HeadProblem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.checked:
            return "published heads: none yet (manage.py publish_chain_heads)"
        if self.ok:
            return f"published heads: {self.checked} statements checked, every chain still holds them"
        return f"published heads: {self.checked} statements checked, {len(self.problems)} chains do not hold them"


def stored_statements() -> list[Published]:
    rows = ChainHeadStatement.objects.order_by("published_at").values_list(
        "chain", "entries", "head_hash", "published_at", "signature"
    )
    return [Published(c, n, h, canonical_value(at), s, "published") for c, n, h, at, s in rows]


def file_statements(path: Path) -> list[Published]:
    """The statements of an auditor's copy of CHAIN_HEADS_FILE; a line that is not a statement fails loudly."""
    published = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            published.append(
                Published(
                    str(record["chain"]),
                    int(record["entries"]),
                    str(record["head_hash"]),
                    str(record["published_at"]),
                    str(record["signature"]),
                    path.name,
                )
            )
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}, line {number}: not a chain-head statement") from None
    return published


def published_file_argument(value: str) -> list[Published]:
    """argparse type for `verify_ledger --published FILE`: the file's statements, or a usage error."""
    try:
        return file_statements(Path(value))
    except (OSError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def heads_verify(*, published: list[Published] | None = None) -> HeadsVerdict:
    """Checks that every chain still holds every published head: at the published count, the published hash.

    A chain with fewer entries than a statement says is cut off; a different hash at that count means its
    history was rewritten. A statement whose signature does not verify is reported too: the database copy is
    insert-only but not out of reach of the owner role, which is why the auditors' own file is the reference.
    Reports the first problem per chain.
    """
    statements = stored_statements() + list(published or [])
    public_key = public_key_hex()
    wanted: dict[str, set[int]] = {}
    for statement in statements:
        if statement.chain in CHAINS:
            wanted.setdefault(statement.chain, set()).add(statement.entries)
    heads = current_heads()
    stored_hashes = {
        name: dict(CHAINS[name][0].objects.filter(sequence__in=counts).values_list("sequence", "entry_hash"))
        for name, counts in wanted.items()
    }
    problems: dict[str, HeadProblem] = {}
    for statement in statements:
        now = heads.get(statement.chain, (0, ""))[0]
        reason = _problem(statement, now, stored_hashes.get(statement.chain, {}), public_key)
        if reason and statement.chain not in problems:
            problems[statement.chain] = HeadProblem(statement.chain, reason, statement, now)
    return HeadsVerdict(len(statements), list(problems.values()))


def _problem(statement: Published, now: int, stored_hashes: dict[int, str], public_key: str | None) -> str | None:
    if statement.chain not in CHAINS or not signature_valid(
        message=statement.message(), signature=statement.signature, public_key=public_key
    ):
        return BAD_SIGNATURE
    if statement.entries == 0:
        return None
    if now < statement.entries:
        return CUT_OFF
    if stored_hashes.get(statement.entries) != statement.head_hash:
        return HEAD_DIFFERS
    return None
