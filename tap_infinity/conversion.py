"""API strings to typed values: one converter per stream, built once from its final schema.

The Infinity API sends nearly every value as a JSON string and an empty value as ``""``. The
converter turns each field into the schema's type (``""`` becomes null) and renders the API's
``YYYY-MM-DD HH:MM:SS`` datetimes, asked for in UTC, as ISO-8601 instants. Nothing it meets stops
a sync or is lost: a value that does not fit its type is null in its column and kept verbatim in
the record's ``_sdc_unparsed`` object, and a line whose embedded JSON was sent without escaping
(the doc 002 ``notes``) is repaired. Both are counted for the end-of-run summary.
"""

from __future__ import annotations

import re
import sys
import typing as t
from collections import Counter
from datetime import date, datetime, time, timezone

import msgspec
import orjson
from singer_sdk.exceptions import FatalAPIError

from tap_infinity.http import TruncatedPage, UnterminatedLine
from tap_infinity.schemas import DATE, DATETIME, DECIMAL, INTEGER, NUMBER, STRING, UNPARSED

Record = dict[str, t.Any]

#: Join the pieces of a line split at its empty values (``"key":""``) with nulls between them.
_COMPACT_NULL = b'":null'.join
_SPACED_NULL = b'": null'.join
_ZERO_DATE = "0000-00-00"
#: Marks an hour not looked at yet (None is cached: not a plain date and hour).
_UNSEEN: t.Any = object()
_ERROR_AT = re.compile(r"\(byte (\d+)\)")
#: Lines with more embedded values than this are not repaired.
_MOST_REPAIRS = 8
#: Money as the API writes it: exact decimals, up to the precision the schema declares.
_DECIMAL = r"^-?\d{1,12}(\.\d{1,6})?$"
_DECIMAL_TEXT = re.compile(_DECIMAL)
#: Finite floats only: msgspec reads "nan" and "inf", which JSON output would turn into null.
_FINITE = msgspec.Meta(ge=-sys.float_info.max, le=sys.float_info.max)


class ConversionError(ValueError):
    """A value that cannot be emitted at all: a key field that does not fit its type."""

    def __init__(self, field: str, value: object, kind: str) -> None:
        super().__init__(f"field {field!r} has {str(value)[:40]!r}, which is not a valid {kind}")
        self.field = field


class InstantText:
    """The API's 'YYYY-MM-DD HH:MM:SS' (asked for in UTC) as 'YYYY-MM-DDTHH:MM:SSZ'.

    The date and hour of each distinct hour are checked once and cached, minutes and seconds on
    every value: cheaper than letting msgspec parse datetimes, since making those UTC-aware
    (`datetime.replace`) cost more per value than all of this. Anything else goes through
    `api_instant` (the zero date, bare dates, offsets), and fails there if it is no datetime.
    """

    def __init__(self) -> None:
        self._hours: dict[str, str | None] = {}

    def __call__(self, text: str) -> str | None:
        hour = self._hours.get(text[:13], _UNSEEN)
        if hour is _UNSEEN:
            hour = self._hours[text[:13]] = _hour_prefix(text[:13])
        rest = text[13:]  # ':MM:SS'
        minutes, seconds = rest[1:3], rest[4:]
        if (
            hour
            and len(rest) == 6
            and rest[0] == rest[3] == ":"
            and minutes < "60" > seconds
            and (minutes + seconds).isdigit()
        ):
            return f"{hour}{rest}Z"
        moment = api_instant(text)
        return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hour_prefix(hour: str) -> str | None:
    """'YYYY-MM-DDTHH' for a real 'YYYY-MM-DD HH' (or ':' between them, doc 000), else None."""
    if len(hour) != 13 or hour[10] not in " T:" or hour.startswith(_ZERO_DATE):
        return None
    try:
        date.fromisoformat(hour[:10])
    except ValueError:
        return None
    return f"{hour[:10]}T{hour[11:]}" if hour[11:].isdigit() and hour[11:] < "24" else None


def api_instant(text: str) -> datetime | None:
    """A datetime the API wrote, asked for with tz=UTC, as a UTC instant; None for Infinity's zero
    date. The support article's 'YYYY-MM-DD:HH:MM:SS' is read too, a bare date is its midnight,
    and a value with an offset keeps its instant. ValueError for anything else.

    (The fast path leaves this to msgspec, which parses and validates the usual form in C.)
    """
    if text.startswith(_ZERO_DATE):
        if text in (_ZERO_DATE, f"{_ZERO_DATE} 00:00:00", f"{_ZERO_DATE}:00:00:00"):
            return None
        raise ValueError(text)
    if len(text) == 19 and text[10] in " T:":
        moment = datetime.fromisoformat(f"{text[:10]}T{text[11:]}")
    elif len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time())
    else:
        moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        number = float(value)  # "12.0" from a numeric column is still an integer
        if not number.is_integer():
            raise
        return int(number)


def _number(value: str) -> float:
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(value)
    return number


def _decimal(value: str) -> str:
    if not _DECIMAL_TEXT.match(value):
        raise ValueError(value)
    return value


_PYTHON_TYPES: dict[str, t.Any] = {
    INTEGER: int | None,
    NUMBER: t.Annotated[float, _FINITE] | None,
    DECIMAL: t.Annotated[str, msgspec.Meta(pattern=_DECIMAL)] | None,
    STRING: str | None,
    DATE: str | None,
    DATETIME: str | None,  # written as an instant after decoding (`InstantText`)
}
_SLOW_PARSERS: dict[str, t.Callable[[str], t.Any]] = {INTEGER: _integer, NUMBER: _number, DECIMAL: _decimal}


class TypedRecord(msgspec.Struct):
    """A record decoded straight into a Struct of its stream's fields.

    Struct decoding and encoding are about a third faster than dicts, so trigger records go
    from the decoder to stdout as Structs when nothing on the way needs a dict (see
    `DirectWriteMixin.records_as_structs`). Reads like a dict for the cursor and the bookmark.
    """

    def __getitem__(self, key: str) -> t.Any:
        return getattr(self, key)

    def __setitem__(self, key: str, value: t.Any) -> None:
        setattr(self, key, value)


#: What a converter hands out: a TypedRecord on the fast path, else a dict.
Row = Record | TypedRecord


class RecordConverter:
    """Decodes one NDJSON line straight into a record typed by one schema.

    The fast path is a single C-level pass: ``":""`` becomes ``":null`` (the pattern cannot
    occur inside a JSON string, where quotes are escaped; ``": ""`` too, see `notice_page`)
    and msgspec decodes in lax mode into a Struct built from the schema, turning "8" into 8 and
    "0.0000" into 0.0. A line it rejects ("12.5" in an integer field) takes the slow path,
    field by field; a line that is not JSON is repaired if it can be (`repair_embedded_json`).
    Keys outside the schema are dropped on both paths, so a record never carries a column its
    SCHEMA message does not declare; a field the line lacks is null. `keys` are fields that
    must hold a value of their type (the primary key): one that does not stops the sync.
    """

    def __init__(
        self, kinds: dict[str, str], *, keys: t.Iterable[str] = (), as_structs: bool = False
    ) -> None:
        self._kinds = {name: kind for name, kind in kinds.items() if name != UNPARSED}
        self._keys = frozenset(keys)
        self._keeps_unparsed = UNPARSED in kinds
        # Scalars only, so no reference cycles: untracked by the garbage collector (3% faster).
        self._type = msgspec.defstruct(
            "Row",
            [
                *((name, _PYTHON_TYPES[kind], None) for name, kind in self._kinds.items()),
                (UNPARSED, dict[str, str] | msgspec.UnsetType, msgspec.UNSET),  # UNSET: not written
            ],
            bases=(TypedRecord,),
            gc=False,
        )
        self._decoder: msgspec.json.Decoder[t.Any] = msgspec.json.Decoder(self._type, strict=False)
        self._datetime_fields = [name for name, kind in self._kinds.items() if kind == DATETIME]
        self._instant_text = InstantText()
        self._as_structs = as_structs
        self._spaced = False
        #: Lines repaired, by the field whose embedded JSON was not escaped.
        self.repaired: Counter[str] = Counter()
        #: Values kept in _sdc_unparsed, by field.
        self.unparsed: Counter[str] = Counter()
        #: Fields the API sent that the schema lacks (seen on the first line of a page).
        self.unknown: set[str] = set()

    def notice_page(self, first_line: bytes) -> None:
        """What a page's first line tells of the others (an encoder writes every line alike):
        null ``"key": ""`` too from now on if it is written with that spacing (a second pass
        over every line would cost about 8% of a sync), and note fields the schema lacks,
        which would otherwise be dropped unseen."""
        if not self._spaced and b'": "' in first_line:
            self._spaced = True
        try:
            keys = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return  # repaired or reported when it is converted
        if isinstance(keys, dict):
            self.unknown.update(name for name in keys if name not in self._kinds)

    def _decode(self, line: bytes) -> TypedRecord:
        """The fast path, else field by field; msgspec.DecodeError when `line` is not JSON."""
        # split/join rather than replace: the same result, a quarter faster on lines of ~20 empties.
        nulled = _COMPACT_NULL(line.split(b'":""'))
        if self._spaced:
            nulled = _SPACED_NULL(nulled.split(b'": ""'))
        try:
            record: TypedRecord = self._decoder.decode(nulled)
        except msgspec.ValidationError:
            record = self._type(**self._convert_slowly(orjson.loads(line)))  # type: ignore[assignment]
        return record

    def __call__(self, line: bytes) -> Row:
        """The typed record of `line`; msgspec.DecodeError when it is not JSON and cannot be repaired."""
        try:
            record = self._decode(line)
        except msgspec.DecodeError as error:
            record = self._repaired(line, error)
        instant_text = self._instant_text
        for name in self._datetime_fields:
            value = getattr(record, name)
            if value is not None:
                try:
                    setattr(record, name, instant_text(value))
                except ValueError:
                    setattr(record, name, None)
                    kept = self._misfit(name, value, DATETIME)
                    if self._keeps_unparsed:
                        held = getattr(record, UNPARSED)
                        setattr(record, UNPARSED, {**(held or {}), name: kept})
        if self._as_structs:
            return record
        row = msgspec.structs.asdict(record)
        if row[UNPARSED] is msgspec.UNSET:
            del row[UNPARSED]
        return row

    def _repaired(self, line: bytes, error: msgspec.DecodeError) -> TypedRecord:
        """The record of a line that is not JSON because embedded JSON was not escaped."""
        record, fields = decode_mended(line, self._decode, error)
        self.repaired.update(fields)
        return record

    def _misfit(self, name: str, value: t.Any, kind: str) -> str:
        """A value that does not fit its type, counted and returned verbatim for _sdc_unparsed
        (its column is null); in a key field it stops the sync."""
        if name in self._keys:
            raise ConversionError(name, value, kind)
        self.unparsed[name] += 1
        return value if isinstance(value, str) else orjson.dumps(value).decode()

    def _convert_slowly(self, raw: t.Any) -> Record:
        if not isinstance(raw, dict):
            raise ConversionError("(line)", orjson.dumps(raw)[:40].decode(), "JSON object")
        record: Record = {}
        kept: dict[str, str] = {}
        for name, value in raw.items():
            kind = self._kinds.get(name)
            if kind is None:
                continue
            if value == "" or value is None:
                record[name] = None
            elif kind == STRING:
                # A JSON value where the docs promise a string (a real list of notes) stays JSON.
                record[name] = value if isinstance(value, str) else orjson.dumps(value).decode()
            elif isinstance(value, str) and value.isspace():
                record[name] = None  # a blank value is as empty as ""
            elif kind == DATETIME:
                record[name] = value if isinstance(value, str) else orjson.dumps(value).decode()
            else:
                try:
                    record[name] = _SLOW_PARSERS[kind](value if isinstance(value, str) else str(value))
                except ValueError:
                    record[name] = None
                    kept[name] = self._misfit(name, value, kind)
        if kept and self._keeps_unparsed:
            record[UNPARSED] = kept
        return record


def escape_embedded_json(line: bytes, error_at: int) -> tuple[bytes, str] | None:
    """`line` with the string value that holds `error_at` escaped, and that value's field, when
    the value is JSON embedded without escaping (doc 002: ``"notes":"[{"note": "Test Note 1",
    ...}]"``); None when it is not.

    The value runs from the ``[`` or ``{`` opening it to the first closing bracket that is
    followed by the closing quote and ``,`` or ``}`` and makes the text between them JSON by
    itself; it becomes that text, exactly as sent. The caller decodes the result: a repair that
    does not make the line JSON is no repair. (`bytes.find` from the decoder's error position,
    not a regex over the line: ten times faster on a 2 KB line.)
    """
    opening = max(line.rfind(b'"[', 0, error_at), line.rfind(b'"{', 0, error_at))
    if opening < 1 or not line[max(0, opening - 3) : opening].rstrip().endswith(b":"):
        return None
    start = opening + 1
    end = _embedded_end(line, start)
    if end is None:
        return None
    key_end = line.rfind(b'"', 0, line.rfind(b":", 0, opening))
    field = line[line.rfind(b'"', 0, key_end) + 1 : key_end].decode("utf-8", "replace")
    escaped = orjson.dumps(line[start:end].decode("utf-8", "replace"))
    return line[:opening] + escaped + line[end + 1 :], field


def _embedded_end(line: bytes, start: int) -> int | None:
    """Just past the embedded JSON opened at `start`."""
    at = start
    while True:
        found = [where for where in (line.find(b']"', at), line.find(b'}"', at)) if where != -1]
        if not found:
            return None
        at = min(found)
        if line[at + 2 : at + 10].lstrip()[:1] in (b",", b"}"):
            try:
                orjson.loads(line[start : at + 1])
            except orjson.JSONDecodeError:
                pass
            else:
                return at + 1
        at += 1


_T = t.TypeVar("_T")


def decode_mended(
    line: bytes, decode: t.Callable[[bytes], _T], error: msgspec.DecodeError
) -> tuple[_T, list[str]]:
    """`decode` of a line it failed on (`error`), repaired where the decoder stumbled, value by
    value (`escape_embedded_json`), and the fields repaired; the first error again when it
    cannot be."""
    fields: list[str] = []
    at = error_offset(error)
    while at is not None and len(fields) < _MOST_REPAIRS:
        escaped = escape_embedded_json(line, at)
        if escaped is None:
            break
        line = escaped[0]
        fields.append(escaped[1])
        try:
            return decode(line), fields
        except msgspec.DecodeError as again:
            at = error_offset(again)
    raise error


def loads_mended(line: bytes) -> t.Any:
    """A line as plain JSON values (discovery's samples), mended as the converter mends it;
    msgspec.DecodeError when it cannot be."""
    try:
        return msgspec.json.decode(line)
    except msgspec.DecodeError as error:
        return decode_mended(line, msgspec.json.decode, error)[0]


def error_offset(error: msgspec.DecodeError) -> int | None:
    """The byte msgspec says a line went wrong at, e.g. ``... (byte 1906)``."""
    found = _ERROR_AT.search(str(error))
    return int(found.group(1)) if found else None


def line_error(exc: Exception, line: bytes, where: str, cursor: t.Any) -> TruncatedPage | FatalAPIError:
    """A line that does not decode: the end of a cut-off body (retried), else a fatal error
    naming the stream, partition, the cursor before the line and the line's start."""
    if isinstance(exc, msgspec.DecodeError) and isinstance(line, UnterminatedLine):
        return TruncatedPage(f"body ended mid-line after {len(line)} bytes")
    problem = str(exc) if isinstance(exc, ConversionError) else "is not JSON"
    start = line[:80].decode("utf-8", "replace")
    return FatalAPIError(f"{where}: the line after cursor {cursor} {problem}; it starts {start!r}")
