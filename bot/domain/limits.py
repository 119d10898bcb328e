"""Per-person limits held in memory only: no database, bounded state, idle people forgotten.

``UpdateBuckets`` is how many updates a person may send (a token bucket, real time);
``RollingQuota`` is how many times a person may do one thing within a period (concerns a day),
on the injectable clock so tests can let a day pass.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Concerns one person may raise within a day (bot/services/concerns.py).
CONCERNS_PER_DAY = 3
# One request to talk to a person within this time (bot/services/safety.py).
CONTACT_REQUEST_EVERY = timedelta(hours=6)
# However many people write at once, no more than this many are remembered; past it the least
# recently seen is forgotten first (and starts again with a full allowance).
MAX_PEOPLE = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when tokens was last brought up to date
    refused: int = 0  # updates refused since the bucket was last full


class UpdateBuckets:
    """``capacity`` updates at once, then ``capacity`` per ``per_seconds``.

    ``take`` answers 0 when the update may go on, else how many were refused in a row since the
    person last had a full allowance (1: the first, the moment to say "please slow down" once).
    """

    def __init__(
        self,
        capacity: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_people: int = MAX_PEOPLE,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self._clock = clock
        self._max = max_people
        # The least recently seen first: the idle ones are forgotten from the front.
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: Hashable) -> int:
        now = self._clock()
        self._forget_idle(now)
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.capacity), at=now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= self.capacity:
                bucket.refused = 0  # calm again: the next flood is told again
        self._buckets[key] = bucket
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        bucket.refused += 1
        return bucket.refused

    def _forget_idle(self, now: float) -> None:
        # Someone idle long enough to have a full allowance again is the same as someone new.
        full_after = self.capacity / self.rate
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.at < full_after:
                break
            self._buckets.popitem(last=False)


class RollingQuota:
    """At most ``limit`` uses per key within any ``period``."""

    def __init__(self, limit: int, period: timedelta, *, max_people: int = MAX_PEOPLE) -> None:
        self.limit = limit
        self.period = period
        self._max = max_people
        self._uses: OrderedDict[Hashable, deque[datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._uses)

    def next_free(self, key: Hashable, now: datetime) -> datetime | None:
        """When the key may use it again; None when it may now."""
        uses = self._recent(key, now)
        if len(uses) < self.limit:
            return None
        return uses[-self.limit] + self.period

    def use(self, key: Hashable, now: datetime) -> None:
        uses = self._recent(key, now)
        uses.append(now)
        self._uses[key] = uses
        self._uses.move_to_end(key)
        if len(self._uses) > self._max:
            self._uses.popitem(last=False)

    def _recent(self, key: Hashable, now: datetime) -> deque[datetime]:
        # Forget whoever has used nothing within the period (the least recently used first).
        while self._uses:
            first_key, first = next(iter(self._uses.items()))
            if first and first[-1] > now - self.period:
                break
            del self._uses[first_key]
        uses = self._uses.get(key, deque())
        while uses and uses[0] <= now - self.period:
            uses.popleft()
        return uses
