"""What a user means by a date: days in a timezone, as instants (pendulum does the calendar)."""

from __future__ import annotations

import typing as t
from datetime import date, timedelta

import pendulum


def local_midnight(day: date, zone: str | pendulum.Timezone) -> pendulum.DateTime:
    """The first instant of `day` in `zone` (01:00 where a DST change skips midnight)."""
    return pendulum.datetime(day.year, day.month, day.day, tz=zone)


class LocalDays:
    """A range of days in a timezone (`start_date`..`end_date` in `timezone`), asked of the API,
    which takes days only in its `tz`, and checked on each row's UTC instant.

    The API is always asked for UTC, so days in another zone are requested one day wider on
    each side (no zone is more than 14 hours from UTC) and rows outside the local range dropped.
    """

    def __init__(self, start: str | None, end: str | None, zone: str | None) -> None:
        self.zone = zone or "UTC"
        self.start = date.fromisoformat(start) if start else None
        self.end = date.fromisoformat(end) if end else None
        self.exact = pendulum.timezone(self.zone).name in UTC_NAMES

    def params(self) -> dict[str, str]:
        """startDate/endDate for a request in UTC."""
        widen = timedelta(days=0 if self.exact else 1)
        params = {}
        if self.start:
            params["startDate"] = (self.start - widen).isoformat()
        if self.end:
            params["endDate"] = (self.end + widen).isoformat()
        return params

    def keeps(self, field: str) -> t.Callable[[t.Any], bool] | None:
        """Whether a row's `field` (an emitted UTC instant, or null) is in the range; None when
        the API's answer is exact and every row is kept."""
        if self.exact or not (self.start or self.end):
            return None
        # Emitted instants are 'YYYY-MM-DDTHH:MM:SSZ': as text they sort as the instants do.
        low = _instant_text(local_midnight(self.start, self.zone)) if self.start else ""
        high = _instant_text(local_midnight(self.end + timedelta(days=1), self.zone)) if self.end else "~"

        def keeps(row: t.Any) -> bool:
            value = row[field]
            return value is None or low <= value < high

        return keeps


#: Zones whose days are UTC days.
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"})


def _instant_text(moment: pendulum.DateTime) -> str:
    return moment.in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
