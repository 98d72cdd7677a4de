"""Repeated traffic counted per interval and sealed as one chained AccessTally row (docs/LEDGER.md, "Aggregation").

Two kinds go through here instead of one access-log row per request:
- key use: every authenticated request of an API key is counted per key and interval (count, first and last
  use, addresses, the key's municipality);
- repeated refusals: the first refusal of a kind from a source in an interval is written to the access log
  at once by the caller; the rest of that interval is counted here.

The counters live in Redis when REDIS_URL is set (one Lua call per event, shared by every process) and in
this process otherwise. A closed interval is sealed by the `audit.tallies_flush` beat task, and by the first
event a process sees after an interval closed (so the demo, which runs no beat, seals too).
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from audit.ledger import lock_chain_head, seal
from audit.models import AccessTally
from wassweb.redis_client import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "wassweb:tally:"
OPEN_KEY = KEY_PREFIX + "open"  # sorted set: counter key -> end of its interval (epoch seconds)
FLUSH_LOCK_KEY = KEY_PREFIX + "flush-lock"
# Counters outlive their interval this long, so a beat that is down for a while still finds them.
COUNTER_TTL_SECONDS = 7 * 24 * 3600
# Ids of sealed tallies are derived from their counter, so a flush that died after its commit and before
# removing the counters cannot seal the same counts twice.
TALLY_NAMESPACE = uuid.UUID("6f1d3c2e-7b0a-4d36-9a51-2f8e0c4b7d19")

# One round trip per event. KEYS: counter hash, its address set, the open index. ARGV: now, address,
# max addresses, ttl, meta, interval end, "1" when the first event is the caller's to log.
# Returns 1 when this is the first event of a logged-first source (not counted), else 0.
_COUNT_SCRIPT = """
if ARGV[7] == '1' and redis.call('HSETNX', KEYS[1], 'seen', '1') == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    redis.call('ZADD', KEYS[3], ARGV[6], KEYS[1])
    return 1
end
local n = redis.call('HINCRBY', KEYS[1], 'count', 1)
if n == 1 then
    redis.call('HSET', KEYS[1], 'first', ARGV[1], 'last', ARGV[1], 'meta', ARGV[5])
    redis.call('ZADD', KEYS[3], ARGV[6], KEYS[1])
elseif tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'last') or '0') then
    redis.call('HSET', KEYS[1], 'last', ARGV[1])
end
if ARGV[2] ~= '' and redis.call('SCARD', KEYS[2]) < tonumber(ARGV[3]) then
    redis.call('SADD', KEYS[2], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 0
"""


@dataclass(frozen=True)
class Source:
    """What one tally counts: the same kind of event from the same actor (and, for anonymous ones, address)."""

    kind: str
    action: str
    outcome: str
    actor_label: str
    api_key_id: str | None = None
    municipality_id: int | None = None
    # Only for actors without a name (anonymous refusals): the address is then who the source is.
    address: str = ""

    def digest(self) -> str:
        return hashlib.sha256(orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def _interval_seconds() -> int:
    return int(settings.ACCESS_TALLY_INTERVAL_SECONDS)


def _interval_of(epoch: float) -> tuple[int, float]:
    """(index, end in epoch seconds) of the interval that epoch falls in."""
    length = _interval_seconds()
    index = int(epoch // length)
    return index, float((index + 1) * length)


def _closed_before(now: float) -> float:
    # A request takes the time, then counts: an interval is sealed a few seconds after it ends, so no count
    # that belongs to it can still be on its way.
    return now - settings.ACCESS_TALLY_GRACE_SECONDS


# ---------------------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------------------


@functools.cache
def _count_script(url: str):
    return redis_client(url).register_script(_COUNT_SCRIPT)


class _LocalCounters:
    """The counters of one process (no Redis): the demo and tests without services."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[tuple[int, str], dict] = {}

    def count(self, source: Source, address: str, now: float, *, log_first: bool) -> bool:
        index, end = _interval_of(now)
        with self.lock:
            counter = self.open.get((index, source.digest()))
            if counter is None:
                counter = {"source": source, "end": end, "count": 0, "first": now, "last": now, "addresses": []}
                self.open[(index, source.digest())] = counter
                if log_first:
                    return True
            if counter["count"] == 0:
                counter["first"] = now
            counter["count"] += 1
            counter["last"] = max(counter["last"], now)
            addresses = counter["addresses"]
            if address and address not in addresses and len(addresses) < settings.ACCESS_TALLY_MAX_ADDRESSES:
                addresses.append(address)
            return False

    def take_closed(self, before: float | None) -> list[dict]:
        with self.lock:
            keys = [key for key, counter in self.open.items() if before is None or counter["end"] <= before]
            return [self.open.pop(key) for key in keys]

    def put_back(self, counters: list[dict]) -> None:
        """Returns counters whose sealing failed, merged with whatever arrived for their source meanwhile."""
        with self.lock:
            for counter in counters:
                key = (_interval_of(counter["end"] - 1)[0], counter["source"].digest())
                present = self.open.get(key)
                if present is None:
                    self.open[key] = counter
                    continue
                present["count"] += counter["count"]
                present["first"] = min(present["first"], counter["first"])
                present["last"] = max(present["last"], counter["last"])
                for address in counter["addresses"]:
                    if address not in present["addresses"]:
                        present["addresses"].append(address)


_local = _LocalCounters()
_next_flush_at = 0.0


def tally_count(*, source: Source, address: str = "", log_first: bool = False, at: float | None = None) -> bool:
    """Counts one event of source; True when the caller should write it to the access log itself.

    With log_first, the first event of the source in an interval is not counted and True is returned; every
    later one in the interval is counted. Without it (key use), every event is counted.
    """
    now = time.time() if at is None else at
    if settings.REDIS_URL:
        index, end = _interval_of(now)
        key = f"{KEY_PREFIX}{index}:{source.digest()}"
        meta = orjson.dumps(asdict(source)).decode()
        first = _count_script(settings.REDIS_URL)(
            keys=[key, key + ":a", OPEN_KEY],
            args=[
                repr(now),
                address or "",
                settings.ACCESS_TALLY_MAX_ADDRESSES,
                COUNTER_TTL_SECONDS,
                meta,
                repr(end),
                "1" if log_first else "0",
            ],
        )
        first = bool(first)
    else:
        first = _local.count(source, address, now, log_first=log_first)
    _flush_when_due(now)
    return first


def _flush_when_due(now: float) -> None:
    """Seals closed intervals on the first event after one closed (once per interval and process)."""
    global _next_flush_at
    if now < _next_flush_at:
        return
    first_check = _next_flush_at == 0.0
    _next_flush_at = _interval_of(now)[1] + settings.ACCESS_TALLY_GRACE_SECONDS
    if first_check and settings.REDIS_URL:
        return  # a process just started: the beat task seals what others left
    try:
        tallies_flush(now=now)
    except Exception:  # the request that happened to come first must not fail for it; beat retries
        logger.exception("sealing closed access tallies failed; they stay counted for the next flush")


# ---------------------------------------------------------------------------------------------------------
# Sealing
# ---------------------------------------------------------------------------------------------------------


def _epoch(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _tally(source: Source, *, count: int, first: float, last: float, addresses: list[str], **extra) -> AccessTally:
    return AccessTally(
        kind=source.kind,
        actor_label=source.actor_label[:160],
        api_key_id=source.api_key_id,
        municipality_id=source.municipality_id,
        action=source.action[:40],
        outcome=source.outcome,
        addresses=sorted(addresses),
        count=count,
        first_at=_epoch(first),
        last_at=_epoch(last),
        **extra,
    )


def _seal(tallies: list[AccessTally]) -> None:
    if not tallies:
        return
    with transaction.atomic():
        head = lock_chain_head(AccessTally)
        known = set(AccessTally.objects.filter(id__in=[t.id for t in tallies]).values_list("id", flat=True))
        tallies = [tally for tally in tallies if tally.id not in known]
        seal(tallies, head)
        AccessTally.objects.bulk_create(tallies)
        _keys_last_used_note(tallies)


def _keys_last_used_note(tallies: list[AccessTally]) -> None:
    """Each key's last use, from its sealed key-use tallies: requests themselves write nothing (a hint for people
    reviewing keys, accurate to the tally interval)."""
    from accounts.models import ApiKey

    last_use: dict[str, dt.datetime] = {}
    for tally in tallies:
        if tally.kind == AccessTally.Kind.KEY_USE and tally.api_key_id:
            key = str(tally.api_key_id)
            last_use[key] = max(last_use.get(key, tally.last_at), tally.last_at)
    for key_id in sorted(last_use):
        ApiKey.objects.filter(pk=key_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=last_use[key_id])
        ).update(last_used_at=last_use[key_id])


def tallies_flush(*, now: float | None = None, everything: bool = False) -> int:
    """Seals every counter whose interval has closed (all of them with everything) as AccessTally rows.

    Returns how many rows were written. Safe to run from several processes at once.
    """
    now = time.time() if now is None else now
    before = None if everything else _closed_before(now)
    if settings.REDIS_URL:
        return _flush_redis(before)
    counters = _local.take_closed(before)
    tallies = [
        _tally(
            counter["source"],
            count=counter["count"],
            first=counter["first"],
            last=counter["last"],
            addresses=counter["addresses"],
        )
        for counter in counters
        if counter["count"]
    ]
    try:
        _seal(tallies)
    except Exception:
        _local.put_back([counter for counter in counters if counter["count"]])
        raise
    return len(tallies)


def _flush_redis(before: float | None) -> int:
    client = redis_client(settings.REDIS_URL)
    lock = client.lock(FLUSH_LOCK_KEY, timeout=120, blocking=False)
    if not lock.acquire():
        return 0  # another process is sealing right now
    try:
        keys = client.zrangebyscore(OPEN_KEY, "-inf", "+inf" if before is None else before)
        if not keys:
            return 0
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
            pipe.smembers(key + b":a")
        replies = pipe.execute()
        tallies = []
        for key, counter, addresses in zip(keys, replies[::2], replies[1::2], strict=True):
            if not counter.get(b"count"):
                continue  # only the logged first event, or expired
            source = Source(**orjson.loads(counter[b"meta"]))
            tallies.append(
                _tally(
                    source,
                    count=int(counter[b"count"]),
                    first=float(counter[b"first"]),
                    last=float(counter[b"last"]),
                    addresses=[address.decode() for address in addresses],
                    # The counter and its first event: a counter that came back after its interval was sealed
                    # (a count later than the grace) is sealed as a row of its own, not taken for a repeat.
                    id=uuid.uuid5(TALLY_NAMESPACE, f"{key.decode()}@{counter[b'first'].decode()}"),
                )
            )
        _seal(tallies)
        # Only once the rows are committed: a crash before this point leaves the counters for the next flush.
        pipe = client.pipeline(transaction=True)
        pipe.zrem(OPEN_KEY, *keys)
        pipe.delete(*keys, *(key + b":a" for key in keys))
        pipe.execute()
        return len(tallies)
    finally:
        lock.release()


def _flush_at_exit() -> None:
    # The in-process counters die with the process: seal them, interval open or not.
    if settings.REDIS_URL or not _local.open:
        return
    try:
        tallies_flush(everything=True)
    except Exception:
        logger.exception("could not seal the access tallies at shutdown")


atexit.register(_flush_at_exit)
