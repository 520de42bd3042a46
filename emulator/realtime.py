"""Real-time PBX reports (doc 003): ``GET /reports/v2/igrps/{igrp}/pbxUserStatus`` and
``GET /reports/v2/igrps/{igrp}/pbxActiveCalls``, read at the emulator's clock.

Each PBX installation has a roster of users. A user's state is a pure function of (seed, igrp,
user, time): every UTC hour holds a few seeded state events (more in weekday office hours), and
the state at a moment is the latest event's, with stateStartDatetime the first event of that run
(when the state last changed). Calls are seeded per (igrp, UTC hour) too and last under an
hour; a call is listed while it is going on, queueing, ringing then bridged. So the same clock
always gives the same snapshot, and two reads minutes apart differ.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from . import schema
from .engine import select_table
from .installation import Installation
from .pools import phone
from .query import ApiError, parse_query
from .timefmt import fmt_utc

PBX_KINDS = ("pbx", "idle", "none")
REPORTS = ("pbxUserStatus", "pbxActiveCalls")
USER_FIELDS = (
    "userId",
    "igrp",
    "userRef",
    "userName",
    "extension",
    "state",
    "stateStartDatetime",
    "dashboard",
)
CALL_FIELDS = (
    "callRef",
    "igrp",
    "callState",
    "callDirection",
    "startDatetime",
    "stateStartDatetime",
    "duration",
    "srcPhoneNumber",
    "dialledPhoneNumber",
    "dgrp",
    "dgrpName",
    "queueName",
    "userId",
    "userRef",
    "extension",
)
FIELDSETS = {"pbxUserStatus": schema.FieldSet(USER_FIELDS), "pbxActiveCalls": schema.FieldSet(CALL_FIELDS)}
NAMES = (
    ("Jane", "Smith"),  # the first five are the operatorRefs of the generated calls
    ("Tom", "Jones"),
    ("Priya", "Patel"),
    ("Sam", "Okafor"),
    ("Li", "Wei"),
    ("Omar", "Haddad"),
    ("Grace", "Lee"),
    ("Mateo", "Garcia"),
    ("Ava", "Brown"),
    ("Noah", "Wilson"),
    ("Chloe", "Evans"),
    ("Ravi", "Shah"),
    ("Ella", "Murphy"),
    ("Jack", "Taylor"),
)
QUEUES = ("Sales", "Support", "Billing")
LOOKBACK_HOURS = 48  # how far back a state run is followed; older runs start at the horizon


def default_kind(igrp: int) -> str:
    """Odd igrps have a PBX; even ones a PBX product with nobody on it ("idle", igrp % 4 == 2)
    or no PBX at all ("none", igrp % 4 == 0)."""
    if igrp % 2:
        return "pbx"
    return "idle" if igrp % 4 == 2 else "none"


class Clock:
    """The emulator's now (UTC epoch seconds): `source` (time.time) unless set or advanced."""

    def __init__(self, source: Callable[[], float] | None = None) -> None:
        self.source = source or time.time
        self._frozen: float | None = None
        self._offset = 0.0

    def now(self) -> float:
        return (self._frozen if self._frozen is not None else self.source()) + self._offset

    def set(self, epoch: float | None) -> None:
        """Stop at `epoch`; None goes back to the source."""
        self._frozen, self._offset = (None if epoch is None else float(epoch)), 0.0

    def advance(self, seconds: float) -> None:
        self._offset += float(seconds)


def _rng(*key: Any) -> random.Random:
    name = "|".join(map(str, key)).encode()
    return random.Random(int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big"))


def _busy(hour: int) -> bool:
    """Weekday office hours, 07:00-18:00 UTC (1970-01-01 was a Thursday)."""
    return (hour // 24 + 3) % 7 < 5 and 7 <= hour % 24 < 18


@lru_cache(maxsize=8192)
def _state_events(seed: int, igrp: int, user_id: str, hour: int) -> tuple[tuple[int, str], ...]:
    """A user's state events in one UTC hour: (epoch, state), in time order."""
    rng = _rng(seed, igrp, user_id, hour, "state")
    busy = _busy(hour)
    count = rng.randint(1, 4) if busy else int(rng.random() < 0.25)
    available = 0.65 if busy else 0.2
    return tuple(
        sorted(
            (hour * 3600 + rng.randrange(3600), "available" if rng.random() < available else "unavailable")
            for _ in range(count)
        )
    )


def user_state(seed: int, igrp: int, user_id: str, now: int) -> tuple[str, int]:
    """(state, when it last changed) of a user at `now`."""
    hour = now // 3600
    current: str | None = None
    start = 0
    for h in range(hour, hour - LOOKBACK_HOURS, -1):
        for ts, state in reversed(_state_events(seed, igrp, user_id, h)):
            if ts > now:
                continue
            if current is None or state == current:
                current, start = state, ts
            else:
                return current, start
    if current is None:
        return "unavailable", (hour - LOOKBACK_HOURS + 1) * 3600
    return current, start


class PbxModel:
    def __init__(
        self,
        seed: int,
        installations: dict[int, Installation],
        clock: Clock,
        kinds: Mapping[int, str] | None = None,
    ) -> None:
        self.seed, self.installations, self.clock = seed, installations, clock
        self._lock = threading.Lock()
        self._kinds: dict[int, str] = {}
        self._rosters: dict[int, tuple[list[dict[str, str]], list[dict[str, Any]]]] = {}
        for igrp, kind in (kinds or {}).items():
            self.set_kind(igrp, kind)

    def kind(self, igrp: int) -> str:
        return self._kinds.get(igrp) or default_kind(igrp)

    def set_kind(self, igrp: int, kind: str) -> None:
        if kind not in PBX_KINDS:
            raise ValueError(f"unknown PBX kind {kind!r}; known: {PBX_KINDS}")
        with self._lock:
            self._kinds[int(igrp)] = kind

    def roster(self, igrp: int) -> list[dict[str, str]]:
        """The installation's PBX users (fixed per seed): userId, userRef, userName, extension, dashboard."""
        return self._roster(igrp)[0]

    def _roster(self, igrp: int) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
        with self._lock:
            cached = self._rosters.get(igrp)
            if cached is None:
                rng = _rng(self.seed, igrp, "roster")
                users = []
                for i in range(rng.randint(6, len(NAMES))):
                    first, last = NAMES[i]
                    users.append(
                        {
                            "userId": f"{igrp}{200 + i}",
                            "userRef": f"{first}.{last}".lower(),
                            "userName": f"{first} {last}",
                            "extension": str(200 + i),
                            "dashboard": "1" if rng.random() < 0.75 else "0",
                        }
                    )
                cached = self._rosters[igrp] = (users, list(self.installations[igrp].numbers))
            return cached

    def users(self, igrp: int, now: int) -> list[dict[str, Any]]:
        """pbxUserStatus rows at `now` (UTC text), in roster order."""
        out = []
        for user in self.roster(igrp):
            state, since = user_state(self.seed, igrp, user["userId"], now)
            out.append(
                {
                    "userId": user["userId"],
                    "igrp": str(igrp),
                    "userRef": user["userRef"],
                    "userName": user["userName"],
                    "extension": user["extension"],
                    "state": state,
                    "stateStartDatetime": fmt_utc(since),
                    "dashboard": user["dashboard"],
                }
            )
        return out

    def calls(self, igrp: int, now: int) -> list[dict[str, Any]]:
        """pbxActiveCalls rows at `now` (UTC text), by start time."""
        hour = now // 3600
        active = [c for h in (hour - 1, hour) for c in self._hour_calls(igrp, h) if c[0] <= now < c[-1]]
        return [self._render(igrp, call, now) for call in sorted(active, key=lambda c: (c[0], c[1]))]

    def _hour_calls(self, igrp: int, hour: int) -> list[tuple[Any, ...]]:
        """Calls starting in one UTC hour: (start, ref, direction, queue, ring, talk, user,
        other user, number, caller, outside number, queue name, end); all end within the hour after."""
        users, numbers = self._roster(igrp)
        rng = _rng(self.seed, igrp, hour, "calls")
        calls = []
        for j in range(rng.randint(15, 40) if _busy(hour) else rng.randint(0, 4)):
            start = hour * 3600 + rng.randrange(3600)
            direction = rng.choices(("in", "out", "internal"), (6, 3, 1))[0]
            queue = rng.randint(0, 120) if direction == "in" else 0
            ring = rng.randint(3, 25)
            talk = min(3000, int(rng.expovariate(1 / 240)) + 5) if rng.random() < 0.85 else 0
            ref = hashlib.blake2b(f"{self.seed}|{igrp}|{hour}|{j}".encode(), digest_size=16).hexdigest()
            calls.append(
                (
                    start,
                    f"{ref[:8]}-{ref[8:12]}-{ref[12:16]}-{ref[16:20]}-{ref[20:]}",
                    direction,
                    queue,
                    ring,
                    talk,
                    rng.choice(users),
                    rng.choice(users),
                    rng.choice(numbers) if numbers else None,
                    phone(rng, rng.choice(("07700", "0161", "0203", "0117"))),
                    phone(rng, "0203"),
                    rng.choice(QUEUES) if direction == "in" else "",
                    start + queue + ring + talk,
                )
            )
        return calls

    @staticmethod
    def _render(igrp: int, call: tuple[Any, ...], now: int) -> dict[str, Any]:
        start, ref, direction, queue, ring, _, user, other, number, caller, outside, queue_name, _ = call
        if now < start + queue:
            state, since = "queueing", start
        elif now < start + queue + ring:
            state, since = "ringing", start + queue
        else:
            state, since = "bridged", start + queue + ring
        agent = {} if state == "queueing" else user
        if direction == "in":
            src, dialled = caller, (number or {}).get("phoneNumber", "")
            dgrp, dgrp_name = (number or {}).get("dgrp", "0"), (number or {}).get("dgrpName", "")
        else:
            src, dialled = user["extension"], outside if direction == "out" else other["extension"]
            dgrp, dgrp_name = "0", ""
        return {
            "callRef": ref,
            "igrp": str(igrp),
            "callState": state,
            "callDirection": direction,
            "startDatetime": fmt_utc(start),
            "stateStartDatetime": fmt_utc(since),
            "duration": str(now - start),
            "srcPhoneNumber": src,
            "dialledPhoneNumber": dialled,
            "dgrp": dgrp,
            "dgrpName": dgrp_name,
            "queueName": queue_name,
            "userId": agent.get("userId", ""),
            "userRef": agent.get("userRef", ""),
            "extension": agent.get("extension", ""),
        }

    def answer(
        self, igrp: int, report: str, params: dict[str, list[str]], max_limit: int | None
    ) -> tuple[str, list[bytes]]:
        """(format, lines) of a real-time report; ApiError 404 where the installation has no PBX."""
        kind = self.kind(igrp)
        if kind == "none" or report not in REPORTS:
            raise ApiError(404, "Resource not found")
        q = parse_query(params, FIELDSETS[report], max_limit=max_limit, dated=False)
        now = int(self.clock.now())
        if kind == "idle":
            rows: list[dict[str, Any]] = []
        else:
            rows = self.users(igrp, now) if report == "pbxUserStatus" else self.calls(igrp, now)
        return q.fmt, select_table(rows, q, None)
