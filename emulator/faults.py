"""Fault injection: random (rate + kinds, seeded) and deterministic (fail the next N matching)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

#: Besides HTTP errors: "reset" (no response), "truncate" (the body ends mid-line), "cut-lines"
#: (the body ends after a complete line, short of its Content-Length), "chunked-cut" (a chunked
#: body ends after a complete line without its last chunk), "slow" (the response starts late)
#: and "stall" (the body pauses after some lines).
BODY_KINDS = ("truncate", "cut-lines", "chunked-cut", "stall")
RANDOM_KINDS = ("429", "500", "502", "503", "504", "reset", *BODY_KINDS, "slow")
ERROR_MESSAGES = {
    "400": "Bad Request",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "Resource not found",
    "429": "Too Many Requests",
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
    "504": "Gateway Timeout",
}
ALL_KINDS = (*ERROR_MESSAGES, "reset", *BODY_KINDS, "slow")


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: str
    slow_seconds: float
    cut: float  # where a cut or stalled body breaks, as a fraction of its lines (0..1)


@dataclass
class _Pending:
    kind: str
    remaining: int
    path_contains: str | None


def _check_kinds(kinds: tuple[str, ...]) -> None:
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known: {ALL_KINDS}")


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self.configure(rate=0.0)

    def configure(
        self,
        rate: float,
        kinds: tuple[str, ...] = RANDOM_KINDS,
        retry_after: str = "1",
        slow_seconds: float = 2.0,
        seed: int = 1,
    ) -> None:
        kinds = tuple(kinds)
        _check_kinds(kinds)
        if rate > 0 and not kinds:
            raise ValueError("a positive fault rate needs at least one kind")
        with self._lock:
            self.rate, self.kinds = float(rate), kinds
            self.retry_after, self.slow_seconds = str(retry_after), float(slow_seconds)
            self._rng = random.Random(seed)

    def fail_next(self, kind: str, count: int = 1, path_contains: str | None = None) -> None:
        _check_kinds((kind,))
        with self._lock:
            self._pending.append(_Pending(kind, count, path_contains))

    def pick(self, target: str) -> Fault | None:
        """The fault for a request to `target` (decoded path and query), if any."""
        with self._lock:
            kind = None
            for p in self._pending:
                if p.path_contains is None or p.path_contains in target:
                    kind = p.kind
                    p.remaining -= 1
                    if p.remaining <= 0:
                        self._pending.remove(p)
                    break
            if kind is None and self.rate > 0 and self._rng.random() < self.rate:
                kind = self._rng.choice(self.kinds)
            if kind is None:
                return None
            return Fault(kind, self.retry_after, self.slow_seconds, self._rng.random())
