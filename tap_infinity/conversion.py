"""API strings to typed values: one converter per stream, built once from its final schema.

The Infinity API sends nearly every value as a JSON string and an empty value as ``""``. The
converter turns each field into the schema's type (``""`` becomes null), and renders the API's
local ``YYYY-MM-DD HH:MM:SS`` datetimes as ISO-8601 with the offset of the requested timezone.
Because the tap conforms types itself, streams tell the SDK not to conform them again.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tap_infinity.schemas import DATETIME, INTEGER, NUMBER

Record = dict[str, t.Any]

#: Infinity's "no date" value.
_ZERO_DATES = frozenset({"0000-00-00 00:00:00", "0000-00-00:00:00:00"})


class ConversionError(ValueError):
    """A value that does not fit its field's type."""

    def __init__(self, field: str, value: object, kind: str) -> None:
        super().__init__(f"field {field!r} has {str(value)[:40]!r}, which is not a valid {kind}")
        self.field = field


class LocalDatetimes:
    """Renders local 'YYYY-MM-DD HH:MM:SS' in one timezone as ISO-8601 with its UTC offset.

    The offset is looked up once per local hour and cached, so a sync pays for zoneinfo a few
    thousand times rather than once per value. In the repeated hour when clocks go back, the
    API's local time is ambiguous; the first occurrence (fold=0) is used.
    """

    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        self._utc = timezone in ("UTC", "Etc/UTC", "GMT")
        self._offsets: dict[str, str] = {}

    def __call__(self, value: str) -> str | None:
        if len(value) != 19 or value[4] != "-" or value[7] != "-" or value[13] != ":":
            raise ValueError(value)
        if value in _ZERO_DATES:
            return None
        # The support article (doc 000) shows 'YYYY-MM-DD:HH:MM:SS'; slicing accepts both forms.
        hour = value[:13]
        offset = "+00:00" if self._utc else self._offsets.get(hour) or self._offset(hour)
        return f"{hour[:10]}T{hour[11:]}{value[13:]}{offset}"

    def _offset(self, hour: str) -> str:
        local = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=self._zone)
        delta = local.utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        self._offsets[hour] = text
        return text


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        number = float(value)  # "12.0" from a numeric column is still an integer
        if not number.is_integer():
            raise
        return int(number)


class RecordConverter:
    """Converts raw API records in place to the types of one schema.

    Fields not in the schema (there are none in practice) pass through unchanged, so nothing
    the API sends is silently dropped here; selection is the SDK's job.
    """

    def __init__(self, kinds: dict[str, str], timezone: str) -> None:
        datetimes = LocalDatetimes(timezone)
        parsers: dict[str, t.Callable[[str], t.Any]] = {INTEGER: _integer, NUMBER: float, DATETIME: datetimes}
        self._typed = [(name, parsers[kind], kind) for name, kind in kinds.items() if kind in parsers]

    def __call__(self, record: Record) -> Record:
        for name, value in record.items():
            if value == "":
                record[name] = None
        for name, parse, kind in self._typed:
            value = record.get(name)
            if value.__class__ is str:
                try:
                    record[name] = parse(value)
                except ValueError:
                    raise ConversionError(name, value, kind) from None
        return record
