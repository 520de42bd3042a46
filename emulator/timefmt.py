"""Datetime conversions between stored UTC epochs and the API's 'YYYY-MM-DD HH:MM:SS' text."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
_FORMAT = "%Y-%m-%d %H:%M:%S"
# Every real-world offset change happens on a 15-minute UTC boundary, so one offset per bucket.
_BUCKET = 900


def fmt_utc(epoch: int) -> str:
    return time.strftime(_FORMAT, time.gmtime(epoch))


def parse_utc(text: str) -> int:
    """Epoch of a stored UTC datetime string (raises ValueError on malformed text)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def load_tz(name: str) -> ZoneInfo | None:
    """The IANA zone for `name`, None for UTC (the fast path); ValueError when unknown."""
    if name in ("UTC", "Etc/UTC"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Invalid timezone '{name}'") from exc


class TzRenderer:
    """Renders UTC epochs as local wall-clock text in one zone, caching offsets per bucket."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._offsets: dict[int, int] = {}

    def offset(self, epoch: int) -> int:
        bucket = epoch // _BUCKET
        off = self._offsets.get(bucket)
        if off is None:
            moment = datetime.fromtimestamp(bucket * _BUCKET, UTC)
            off = int(moment.astimezone(self.tz).utcoffset().total_seconds())
            self._offsets[bucket] = off
        return off

    def render(self, epoch: int) -> str:
        return fmt_utc(epoch + self.offset(epoch))


def local_to_epoch(value: datetime, tz: ZoneInfo | None) -> int:
    """Epoch of a naive local wall-clock datetime in `tz` (None = UTC); fold=0 on ambiguity."""
    return int(value.replace(tzinfo=tz or UTC).timestamp())


def parse_date(text: str) -> date:
    """A strict 'YYYY-MM-DD' date (ValueError otherwise)."""
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def parse_datetime_value(text: str) -> datetime:
    """A filter value: 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' (ValueError otherwise)."""
    if len(text) == 10:
        return datetime.combine(parse_date(text), datetime.min.time())
    if len(text) != 19:
        raise ValueError(text)
    return datetime.strptime(text, _FORMAT)


def day_bounds(start: date | None, end: date | None, tz: ZoneInfo | None) -> tuple[int | None, int | None]:
    """[start, end] inclusive local days as a half-open epoch range [lo, hi)."""
    lo = local_to_epoch(datetime.combine(start, datetime.min.time()), tz) if start else None
    hi = local_to_epoch(datetime.combine(end + timedelta(days=1), datetime.min.time()), tz) if end else None
    return lo, hi
