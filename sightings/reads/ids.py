"""Which read ids arrived recently, so a retried batch is accepted once (docs/INGEST.md).

Only the read's UUID and the sending municipality are kept, for READS_DEDUP_SECONDS: no plate, no camera,
no time. An id is a random number chosen by the integration, so the set says nothing about any vehicle, and
it empties itself. Ids are remembered per municipality: each centre chooses its own ids, so one centre's id
(by chance, or sent on purpose to suppress another's reads) never makes another centre's read a duplicate.
Redis holds it when REDIS_URL is set (shared by every web process); otherwise Django's cache does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache

from wassweb.redis_client import redis_client

KEY_PREFIX = b"wassweb:read:"

# One round trip per batch: SET NX EX for every id, answering 1 for ids seen for the first time.
_CLAIM_SCRIPT = """
local fresh = {}
for i, key in ipairs(KEYS) do
    fresh[i] = redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) and 1 or 0
end
return fresh
"""


@functools.cache
def _claim_script(url: str):
    return redis_client(url).register_script(_CLAIM_SCRIPT)


def _key(municipality_id: int, read_id: str) -> bytes:
    # read_id is canonical UUID text (sightings.reads.parse); its 16 bytes keep the key short, and fromhex is cheap.
    return b"%s%d:%s" % (KEY_PREFIX, municipality_id, bytes.fromhex(read_id.replace("-", "")))


def _cache_key(municipality_id: int, read_id: str) -> str:
    return f"read:{municipality_id}:{read_id}"


def read_ids_claim(*, municipality_id: int, read_ids: Sequence[str]) -> list[bool]:
    """For each id (canonical UUID text), True if this municipality did not send it within the window; marks
    all as seen."""
    if not read_ids:
        return []
    ttl = settings.READS_DEDUP_SECONDS
    if settings.REDIS_URL:
        claim = _claim_script(settings.REDIS_URL)
        keys = [_key(municipality_id, read_id) for read_id in read_ids]
        return [bool(fresh) for fresh in claim(keys=keys, args=[ttl])]
    return [cache.add(_cache_key(municipality_id, read_id), 1, timeout=ttl) for read_id in read_ids]


def read_ids_release(*, municipality_id: int, read_ids: Sequence[str]) -> None:
    """Forgets ids claimed for a batch that could not be queued, so the client's retry is not a duplicate."""
    if not read_ids:
        return
    if settings.REDIS_URL:
        redis_client(settings.REDIS_URL).delete(*[_key(municipality_id, read_id) for read_id in read_ids])
    else:
        cache.delete_many([_cache_key(municipality_id, read_id) for read_id in read_ids])
