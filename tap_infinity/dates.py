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

    def __init__(self, start: date | None, end: date | None, zone: str | None) -> None:
        self.zone = zone or "UTC"
        self.start = start
        self.end = end
        self.exact = pendulum.timezone(self.zone).name in UTC_NAMES

    @classmethod
    def of_settings(cls, config: t.Mapping[str, t.Any]) -> LocalDays:
        """`start_date`..`end_date` in `timezone`."""
        start, end = (config.get(key) for key in ("start_date", "end_date"))
        return cls(
            date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None,
            config.get("timezone"),
        )

    def last(self, days: int) -> LocalDays:
        """The part of this range in the last `days` days before today, and today."""
        first = pendulum.today(self.zone).date() - timedelta(days=days)
        return LocalDays(max(self.start, first) if self.start else first, self.end, self.zone)

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
