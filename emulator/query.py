"""Parsing and validation of the Reports API v2 query parameters, and row-level operations.

Everything a route needs to answer a request is in `Query`; a malformed parameter raises
`ApiError(400, message)` with a message that says what is wrong, as the real API would.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from . import schema
from .jsonio import dumps_line
from .timefmt import (
    TzRenderer,
    day_bounds,
    load_tz,
    local_to_epoch,
    parse_date,
    parse_datetime_value,
    parse_utc,
)

FORMATS = ("json", "csv", "xml", "debug")
COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte")
OPERANDS = (*COMPARISONS, "contains", "ncontains")
ARRAY_PARAMS = ("display", "filter", "sort", "group")
_INDEXED_KEY = re.compile(r"([A-Za-z]+)\[(\d*)\]")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UINT = re.compile(r"\d+")


class ApiError(Exception):
    """An API error: the HTTP status and the message sent as a JSON string body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


def field_kind(name: str) -> str:
    """'num', 'dt' or 'str': how a field is compared and sorted."""
    if name in schema.NUMERIC_FIELDS:
        return "num"
    if name in schema.DATETIME_FIELDS:
        return "dt"
    return "str"


def typed_value(kind: str, value: Any) -> Any:
    """A row value in comparable form: None for empty/unparseable numbers and datetimes."""
    if kind == "str":
        return "" if value is None else str(value)
    if value == "" or value is None:
        return None
    try:
        return float(value) if kind == "num" else parse_utc(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: str
    kind: str
    typed: Any  # float (num), epoch int (dt) or str; compared with typed_value() of the row

    def matches(self, typed: Any, raw: Any) -> bool:
        op = self.op
        if op == "contains":
            return self.value in ("" if raw is None else str(raw))
        if op == "ncontains":
            return self.value not in ("" if raw is None else str(raw))
        if typed is None:  # empty number/datetime: only "not equal" holds, as SQL NULL-ish data
            return op == "ne"
        v = self.typed
        if op == "eq":
            return typed == v
        if op == "ne":
            return typed != v
        if op == "gt":
            return typed > v
        if op == "gte":
            return typed >= v
        if op == "lt":
            return typed < v
        return typed <= v


@dataclass(frozen=True)
class Sort:
    field: str
    desc: bool


@dataclass
class Query:
    fmt: str
    display: list[tuple[str, str]] | None  # (field, output name)
    filters: list[Filter]
    sorts: list[Sort]
    limit: int | None  # None = no limit (ground-truth evaluation only)
    offset: int
    tz: ZoneInfo | None  # None = UTC
    window: tuple[int | None, int | None]  # startDate/endDate as epoch [lo, hi)
    root_org: int | None
    exclude_pii: bool
    group: list[str] = field(default_factory=list)  # only the metrics route groups

    @property
    def renders(self) -> bool:
        """Whether rows must be rebuilt rather than served as stored lines."""
        return bool(self.display or self.tz or self.exclude_pii or self.fmt != "json")


def normalize_params(params: dict[str, list[str]]) -> dict[str, list[str]]:
    """PHP-style array keys (`filter[]`, `filter[0]`, bare `filter`) folded into `filter[]`."""
    out: dict[str, list[str]] = {}
    indexed: dict[str, list[tuple[int, list[str]]]] = {}
    for raw_key, values in params.items():
        key = raw_key.strip()
        m = _INDEXED_KEY.fullmatch(key)
        if m and m.group(2):
            indexed.setdefault(m.group(1), []).append((int(m.group(2)), values))
            continue
        name = m.group(1) if m else key
        if name in ARRAY_PARAMS:
            out.setdefault(name + "[]", []).extend(v.strip() for v in values)
        else:
            out.setdefault(key, []).extend(values)
    for name, items in indexed.items():
        out.setdefault(name + "[]", []).extend(v.strip() for _, vs in sorted(items) for v in vs)
    return out


def _scalar(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None  # PHP semantics: the last occurrence wins


def _uint(params: dict[str, list[str]], name: str) -> int | None:
    text = _scalar(params, name)
    if text is None:
        return None
    if not _UINT.fullmatch(text):
        raise ApiError(400, f"Invalid {name} '{text}': expected a non-negative integer")
    return int(text)


def parse_query(
    params: dict[str, list[str]], fields: schema.FieldSet, *, max_limit: int | None, dated: bool
) -> Query:
    """Validate and parse a request's parameters for a route with `fields`.

    `max_limit` None evaluates without the row cap (no default limit, no maximum check).
    `dated` routes honour startDate/endDate against triggerDatetime.
    """
    params = normalize_params(params)
    # JSON by default: doc 002's own example request has no format and shows JSON, doc 001's
    # "Output Format" is JSON and doc 000 adds format=csv to get CSV (doc 002's "csv (by
    # default)" says otherwise; the examples win).
    fmt = (_scalar(params, "format") or "json").lower()
    if fmt not in FORMATS:
        raise ApiError(400, f"Invalid format '{fmt}'. Supported formats: {', '.join(FORMATS)}")
    group = [_parse_group(item, fields) for item in params.get("group[]", [])]

    tz_name = _scalar(params, "tz") or "UTC"
    try:
        tz = load_tz(tz_name)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None

    display = [_parse_display(item, fields) for item in params.get("display[]", [])] or None
    if fmt == "csv" and not display:
        raise ApiError(400, "The display parameter is required for the csv format")
    filters = [_parse_filter(item, fields, tz) for item in params.get("filter[]", [])]
    sorts = [_parse_sort(item, fields) for item in params.get("sort[]", [])]

    limit = _uint(params, "limit")
    if limit is not None and limit < 1:
        raise ApiError(400, "Invalid limit '0': expected a positive integer")
    if max_limit is not None:
        if limit is None:
            limit = max_limit
        elif limit > max_limit:
            raise ApiError(400, f"The limit {limit} exceeds the maximum of {max_limit} rows per request")
    offset = _uint(params, "offset") or 0

    window: tuple[int | None, int | None] = (None, None)
    if dated:
        start, end = (_parse_day(params, name) for name in ("startDate", "endDate"))
        window = day_bounds(start, end, tz)
    root_org = _uint(params, "rootOrgId")
    pii = (_scalar(params, "excludePiiData") or "0").lower() not in ("0", "", "false")
    return Query(fmt, display, filters, sorts, limit, offset, tz, window, root_org, pii, group)


def _parse_day(params: dict[str, list[str]], name: str) -> date | None:
    text = _scalar(params, name)
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise ApiError(400, f"Invalid {name} '{text}': expected a date in the format YYYY-MM-DD") from None


def _check_field(name: str, fields: schema.FieldSet, param: str) -> None:
    """Filter/sort fields must be known; custom fields are rejected as doc 002 says."""
    if schema.is_custom(name) and fields.allows_custom:
        verb = "Filtering" if param == "filter" else "Sorting"
        raise ApiError(400, f"{verb} by custom fields (pt_*, c_*) is not supported: '{name}'")
    if name not in fields.known:
        raise ApiError(400, f"Invalid {param} field '{name}'")


def _parse_display(item: str, fields: schema.FieldSet) -> tuple[str, str]:
    name, dash, alias = item.partition("-")
    if not _FIELD_NAME.fullmatch(name) or not fields.displayable(name):
        raise ApiError(400, f"Invalid display field '{name}'")
    if dash and not alias:
        raise ApiError(400, f"Invalid display '{item}': expected {{field}} or {{field}}-{{alias}}")
    return name, alias or name


def _parse_filter(item: str, fields: schema.FieldSet, tz: ZoneInfo | None) -> Filter:
    head, sep, value = item.partition("-value-")
    parts = head.split("-")
    if not sep or len(parts) != 2:
        raise ApiError(400, f"Invalid filter '{item}': expected {{field}}-{{operand}}-value-{{value}}")
    name, op = parts
    _check_field(name, fields, "filter")
    if op not in OPERANDS:
        raise ApiError(400, f"Invalid filter operand '{op}'. Supported operands: {', '.join(OPERANDS)}")
    kind = field_kind(name) if op in COMPARISONS else "str"
    typed: Any = value
    try:
        if kind == "num":
            typed = float(value)
            if not math.isfinite(typed):
                raise ValueError(value)
        elif kind == "dt":
            typed = local_to_epoch(parse_datetime_value(value), tz)
    except ValueError:
        expected = "a number" if kind == "num" else "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS"
        raise ApiError(400, f"Invalid filter value '{value}' for '{name}': expected {expected}") from None
    return Filter(name, op, value, kind, typed)


def _parse_group(item: str, fields: schema.FieldSet) -> str:
    if not fields.displayable(item):
        raise ApiError(400, f"Invalid group field '{item}'")
    return item


def _parse_sort(item: str, fields: schema.FieldSet) -> Sort:
    name, _, order = item.rpartition("-")
    if order not in ("asc", "desc") or not name:
        raise ApiError(400, f"Invalid sort '{item}': expected {{field}}-asc or {{field}}-desc")
    _check_field(name, fields, "sort")
    return Sort(name, order == "desc")


# -- row-level operations (dict rows) ---------------------------------------------------------


def row_matches(row: dict[str, Any], filters: Iterable[Filter]) -> bool:
    for f in filters:
        raw = row.get(f.field, "")
        if not f.matches(typed_value(f.kind, raw), raw):
            return False
    return True


def sort_key(kind: str, raw: Any) -> Any:
    """Ascending key: empty numbers/datetimes first (SQL NULLs), then by value."""
    if kind == "str":
        return "" if raw is None else str(raw)
    typed = typed_value(kind, raw)
    return (0, 0) if typed is None else (1, typed)


def redact(row: dict[str, Any]) -> None:
    """PII redaction of doc 001: ip last octet 'X', srcPhoneNumber last four digits, no host/whois."""
    ip = row.get("ip")
    if ip and "." in ip:
        row["ip"] = ip.rsplit(".", 1)[0] + ".X"
    phone = row.get("srcPhoneNumber")
    if phone and len(phone) >= 4 and phone[-4:].isdigit():
        row["srcPhoneNumber"] = phone[:-4] + "XXXX"
    for name in ("host", "whois"):
        if name in row:
            row[name] = ""


_TRIGGER_DT = b'"triggerDatetime":"'
_VISITOR_DT = b'"visitorFirstDatetime":"'
_DT_LEN = 19  # len('YYYY-MM-DD HH:MM:SS')


class Renderer:
    """Turns stored rows (UTC, unredacted, all fields) into what a request asked for."""

    def __init__(self, q: Query) -> None:
        self.q = q
        self.tz = TzRenderer(q.tz) if q.tz else None
        #: Only the datetimes change: stored trigger lines can be edited in place (retime()).
        self.retimes_only = bool(self.tz) and not q.display and not q.exclude_pii and q.fmt == "json"

    def retime(self, line: bytes, epoch: int) -> bytes:
        """A stored line (trigger or itemised, triggerDatetime at `epoch`) with its datetimes
        rendered in the tz by splicing bytes: several times faster than parse + re-serialize."""
        render = self.tz.render  # type: ignore[union-attr]
        i = line.index(_TRIGGER_DT) + len(_TRIGGER_DT)
        line = b"%s%s%s" % (line[:i], render(epoch).encode(), line[i + _DT_LEN :])
        j = line.find(_VISITOR_DT, i)
        if j >= 0:
            j += len(_VISITOR_DT)
            local = render(parse_utc(line[j : j + _DT_LEN].decode()))
            line = b"%s%s%s" % (line[:j], local.encode(), line[j + _DT_LEN :])
        return line

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Mutates and returns `row` (callers pass a private copy)."""
        if self.tz:
            for name in schema.DATETIME_FIELDS:
                value = row.get(name)
                if value:
                    row[name] = self.tz.render(parse_utc(value))
        if self.q.exclude_pii:
            redact(row)
        if self.q.display:
            return {alias: row.get(name, "") for name, alias in self.q.display}
        return row

    def line(self, row: dict[str, Any]) -> bytes:
        out = self.row(row)
        if self.q.fmt == "json":
            return dumps_line(out)
        if self.q.fmt == "xml":
            cells = "".join(f"<{key}>{xml_escape(str(value))}</{key}>" for key, value in out.items())
            return f"<row>{cells}</row>\n".encode()
        if self.q.fmt == "debug":
            return ("  ".join(f"{key}={value}" for key, value in out.items()) + "\n").encode()
        return csv_line(out.values())

    def header(self) -> list[bytes]:
        """Lines that precede the rows (the CSV header, the XML prolog)."""
        if self.q.fmt == "csv" and self.q.display:
            return [csv_line(alias for _, alias in self.q.display)]
        if self.q.fmt == "xml":
            return [b'<?xml version="1.0" encoding="UTF-8"?>\n', b"<rows>\n"]
        return []

    def footer(self) -> list[bytes]:
        return [b"</rows>\n"] if self.q.fmt == "xml" else []


def csv_line(values: Iterable[Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buf.getvalue().encode("utf-8")
