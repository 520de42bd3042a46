"""What a user means by a date: days in a timezone, as instants (pendulum does the calendar)."""

from __future__ import annotations

from datetime import date

import pendulum


def local_midnight(day: date, zone: str | pendulum.Timezone) -> pendulum.DateTime:
    """The first instant of `day` in `zone` (01:00 where a DST change skips midnight)."""
    return pendulum.datetime(day.year, day.month, day.day, tz=zone)
