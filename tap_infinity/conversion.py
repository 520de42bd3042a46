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

import msgspec
import orjson

from tap_infinity.schemas import DATETIME, INTEGER, NUMBER, STRING

Record = dict[str, t.Any]

#: Join the pieces of a line split at its empty values (``"key":""``) with nulls between them.
_COMPACT_NULL = b'":null'.join
_SPACED_NULL = b'": null'.join
#: Marks an hour whose offset is not cached yet (None is cached: the zero date).
_UNSEEN = object()


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
        self._offsets: dict[str, str | None] = {}

    def __call__(self, value: str) -> str | None:
        if len(value) != 19 or value[13] != ":":
            raise ValueError(value)
        hour = value[:13]
        offset = self._offsets.get(hour, _UNSEEN)
        if offset is _UNSEEN:
            offset = self._offset(hour)
        if offset is None:
            return None
        # The support article (doc 000) shows 'YYYY-MM-DD:HH:MM:SS'; slicing accepts both forms.
        return f"{value[:10]}T{value[11:]}{offset}"

    def _offset(self, hour: str) -> str | None:
        """The offset of a local hour ('YYYY-MM-DD HH'), None for Infinity's zero date; cached."""
        if hour[4] != "-" or hour[7] != "-":
            raise ValueError(hour)
        if hour[:10] == "0000-00-00":
            text = None
        else:
            local = datetime(
                int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=self._zone
            )
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


_PYTHON_TYPES: dict[str, t.Any] = {
    INTEGER: int | None,
    NUMBER: float | None,
    STRING: str | None,
    DATETIME: str | None,  # rendered with its offset after decoding
}
_SLOW_PARSERS: dict[str, t.Callable[[str], t.Any]] = {INTEGER: _integer, NUMBER: float}


class TypedRecord(msgspec.Struct):
    """A record decoded straight into a Struct of its stream's fields.

    Struct decoding and encoding are about a third faster than dicts, so trigger records go
    from the decoder to stdout as Structs when nothing on the way needs a dict (see
    `InfinityStream.records_as_structs`). Reads like a dict for the cursor and the bookmark.
    """

    def __getitem__(self, key: str) -> t.Any:
        return getattr(self, key)


#: What a converter hands out: a TypedRecord on the fast path, else a dict.
Row = Record | TypedRecord


class RecordConverter:
    """Decodes one NDJSON line straight into a record typed by one schema.

    The fast path is a single C-level pass: ``":""`` becomes ``":null`` (the pattern cannot
    occur inside a JSON string, where quotes are escaped; ``": ""`` too, see `notice_spacing`)
    and msgspec decodes in lax mode into a Struct built from the schema, turning "8" into 8 and
    "0.0000" into 0.0. A line it
    rejects (a stray space, "12.5" in an integer field) takes the slow path, which converts
    field by field and names the field that is wrong. Keys outside the schema are dropped on
    both paths, so a record never carries a column its SCHEMA message does not declare; a
    field the line lacks is null. With ``as_structs=False`` records are handed out as dicts.
    """

    def __init__(self, kinds: dict[str, str], timezone: str, *, as_structs: bool = False) -> None:
        self._kinds = kinds
        # Scalars only, so no reference cycles: untracked by the garbage collector (3% faster).
        self._type = msgspec.defstruct(
            "Row",
            [(name, _PYTHON_TYPES[kind], None) for name, kind in kinds.items()],
            bases=(TypedRecord,),
            gc=False,
        )
        self._decoder: msgspec.json.Decoder[t.Any] = msgspec.json.Decoder(self._type, strict=False)
        self._datetime_fields = [name for name, kind in kinds.items() if kind == DATETIME]
        self._render_datetime = LocalDatetimes(timezone)
        self._as_structs = as_structs
        self._spaced = False

    def notice_spacing(self, first_line: bytes) -> None:
        """Null ``"key": ""`` too from now on if a page's first line is written with that spacing.

        Encoders write every line alike; a second pass over every line would cost about 8% of a
        sync, so it is made only once the API is seen to need it.
        """
        if not self._spaced and b'": "' in first_line:
            self._spaced = True

    def __call__(self, line: bytes) -> Row:
        """The typed record of `line`; msgspec.DecodeError when it is not JSON at all."""
        # split/join rather than replace: the same result, a quarter faster on lines of ~20 empties.
        nulled = _COMPACT_NULL(line.split(b'":""'))
        if self._spaced:
            nulled = _SPACED_NULL(nulled.split(b'": ""'))
        try:
            record = self._decoder.decode(nulled)
        except msgspec.ValidationError:
            record = self._type(**self._convert_slowly(line))
        for name in self._datetime_fields:
            value = getattr(record, name)
            if value:
                try:
                    setattr(record, name, self._render_datetime(value))
                except ValueError:
                    raise ConversionError(name, value, DATETIME) from None
            elif value is not None:  # a spaced "" the compact pass left
                setattr(record, name, None)
        return record if self._as_structs else msgspec.structs.asdict(record)

    def _convert_slowly(self, line: bytes) -> Record:
        raw = orjson.loads(line)
        if not isinstance(raw, dict):
            raise ConversionError("(line)", line[:40].decode("utf-8", "replace"), "JSON object")
        record: Record = {}
        for name, value in raw.items():
            kind = self._kinds.get(name)
            if kind is None:
                continue
            if value == "" or value is None:
                record[name] = None
            elif kind == STRING:
                # A JSON value where the docs promise a string (a real list of notes) stays JSON.
                record[name] = value if isinstance(value, str) else orjson.dumps(value).decode()
            elif kind == DATETIME:
                if not isinstance(value, str):
                    raise ConversionError(name, value, kind)
                record[name] = value
            elif isinstance(value, str) and value.isspace():
                record[name] = None  # a blank number is as empty as ""
            else:
                try:
                    record[name] = _SLOW_PARSERS[kind](value if isinstance(value, str) else str(value))
                except ValueError:
                    raise ConversionError(name, value, kind) from None
        return record
