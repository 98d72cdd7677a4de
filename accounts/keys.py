"""API key text: how keys are made, split and checked. Plain Python, no Django import.

A key reads `wass_<prefix>_<secret>`: the 8-character prefix finds the row with one indexed lookup and is
safe to show (admin lists, logs); only a SHA-256 of the secret is stored. The secret carries 256 random
bits, so a fast hash is enough: nobody can guess it, and every request is checked without a slow KDF.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

KEY_LABEL = "wass"
PREFIX_LENGTH = 8
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_KEY_SHAPE = re.compile(rf"{KEY_LABEL}_(?P<prefix>[a-z0-9]{{{PREFIX_LENGTH}}})_(?P<secret>[A-Za-z0-9_-]{{43}})")


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: `raw` is shown once to its owner, `prefix` and `secret_hash` are stored."""

    raw: str
    prefix: str
    secret_hash: str


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def key_generate() -> NewKey:
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)  # 32 random bytes -> 43 URL-safe characters
    return NewKey(raw=f"{KEY_LABEL}_{prefix}_{secret}", prefix=prefix, secret_hash=secret_hash(secret))


def key_split(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of text shaped like a key, else None."""
    match = _KEY_SHAPE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return None
    return match["prefix"], match["secret"]


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(secret_hash(secret), stored_hash)
