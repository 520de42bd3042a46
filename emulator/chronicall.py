"""Chronicall historical-data API model: ``POST /rest/api/v1/historic-data/{historicDataKey}``.

Follows /work/shared/api-docs/004_33cf1fc4d9e7be59.txt. Every report reads one deterministic
set of call events per agent, generated lazily per (seed, agent, UTC day) over
2024-01-01..2027-12-31, so a report over [start, end] is a pure aggregation: the same timeframe
always gives the same rows, and consecutive windows add up to the window that spans them.
A call is reported only once it has ended by the model's clock (real ``datetime.now(timezone.utc)``
unless ``clock`` is set), so a window still in progress, or one that ended while calls were still
going on, returns partial data that grows later (doc 004 is silent; this is what a report over
a call log must do).

Choices where the doc is silent (what a Java/Spring Chronicall server most likely does):

- Order of checks: unknown path 404, a method other than POST 405, then ``Authorization:
  Bearer {key}`` (header name and scheme case-insensitive) 401, unknown historicDataKey 404,
  body 400, agent/group access 403.
- Error bodies are ``{"status": 403, "error": "Forbidden", "message": "..."}``: Spring's
  default error object without timestamp and path.
- ``format`` must be exactly ``"json"``; other formats (csv, pdf...) are not modelled: 400.
- Parameters are recognised by ``valueType``, and ``value.type`` must equal it; ``name`` is
  free text and ignored. Exactly one REPORT_TIMEFRAME is required. The row parameter is
  PBX_USERS/``pbxUsers`` for agent reports and, by analogy (undocumented), PBX_GROUPS/
  ``pbxGroups`` for group reports; any other valueType, a duplicate, or an empty list is 400.
  Without a row parameter a report covers every agent/group its service user may view.
- start/end need an explicit offset (``Z`` or ``±HH:MM``), fraction optional and dropped
  (second resolution); end before start is 400. Both ends are inclusive.
- The timeframe is echoed in the request's offset without fraction; a zero offset is
  rendered ``Z``, as Java's ``OffsetDateTime`` formatting does.
- Naming a row key the report's service user may not view is 403, also for keys that do not
  exist (the server checks access, it does not reveal which agents exist).
- Rows exist only for agents/groups with at least one call in the window (so future windows
  have ``rows: []``), sorted by key. A call belongs to the window holding its start second,
  with all its talking and waiting time. A group row counts the inbound calls of its agents.
- "Avg Talking" is total talking / calls that had talking time, integer milliseconds (the
  doc's example: 12673424 / 7 answered = 1810489). Float NUMBERs are rounded to 2 decimals and
  formatted like Java's ``Double.toString`` ("14.0"); integers have no thousands separator.
- Summary items always say ``"format": "NUMBER"`` but format durations as H:MM:SS, exactly as
  the doc's "Total Talking" item does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from .chronicall_reports import (
    AGENT_GROUPS,
    AGENT_TALKING_SUMMARY_KEY,
    AGENTS,
    DATA_END,
    DATA_START,
    DEFAULT_REPORTS,
    FORBIDDEN_MESSAGE,
    GROUP_SUMMARY_KEY,
    GROUPS,
    LONGEST_CALL,
    TEMPLATES,
    ChronicallReport,
    Event,
    Template,
    Totals,
    cell,
    format_duration,
)
from .documented import DOC_004_AGENTS, DOC_004_RESPONSE_BODY, DOC_004_TIMEFRAME

__all__ = [
    "AGENTS",
    "AGENT_GROUPS",
    "AGENT_TALKING_SUMMARY_KEY",
    "DEFAULT_REPORTS",
    "FORBIDDEN_MESSAGE",
    "GROUPS",
    "GROUP_SUMMARY_KEY",
    "ChronicallError",
    "ChronicallModel",
    "ChronicallReport",
    "format_duration",
]

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}
_PATH = re.compile(r"/rest/api/v1/historic-data/([^/]+)")
_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})", re.ASCII)
_JSON_HEADERS = {"Content-Type": "application/json"}
_DIRECTIONS = ("inbound", "outbound", "internal")


class ChronicallError(Exception):
    """An API failure: the HTTP status, the error body's message, extra response headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"status": self.status, "error": _REASONS[self.status], "message": self.message}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _bad(message: str) -> ChronicallError:
    return ChronicallError(400, message)


def _parse_instant(text: Any, which: str) -> datetime:
    """ISO-8601 with a mandatory offset and an optional fraction, truncated to the second."""
    match = _INSTANT.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        with contextlib.suppress(ValueError):  # e.g. month 13 or offset +25:00
            return datetime.fromisoformat(match[1] + ("+00:00" if match[2] == "Z" else match[2]))
    raise _bad(f"Invalid REPORT_TIMEFRAME {which}: {text!r}")


def _parse_request(request: Any, template: Template) -> tuple[datetime, datetime, list[str] | None]:
    """Validate the body; return the timeframe and the requested row keys (None: all)."""
    if not isinstance(request, dict):
        raise _bad("Malformed JSON request body")
    if request.get("format") != "json":
        raise _bad(f"Unsupported format: {request.get('format')!r}")
    parameters = request.get("parameters")
    if not isinstance(parameters, list):
        raise _bad("Missing parameters")
    timeframe: tuple[datetime, datetime] | None = None
    selection: list[str] | None = None
    for parameter in parameters:
        value_type = parameter.get("valueType") if isinstance(parameter, dict) else None
        value = parameter.get("value") if isinstance(parameter, dict) else None
        if not isinstance(value, dict) or value.get("type") != value_type:
            raise _bad("Each parameter needs a valueType and a value object of that type")
        if value_type == "REPORT_TIMEFRAME":
            if timeframe is not None:
                raise _bad("Duplicate REPORT_TIMEFRAME parameter")
            timeframe = (
                _parse_instant(value.get("start"), "start"),
                _parse_instant(value.get("end"), "end"),
            )
        elif value_type == template.value_type:
            items = value.get(template.list_field)
            if (
                selection is not None
                or not isinstance(items, list)
                or not items
                or not all(isinstance(item, dict) and isinstance(item.get("key"), str) for item in items)
            ):
                raise _bad(f"Invalid {value_type} parameter")
            selection = [item["key"] for item in items]
        else:
            raise _bad(f"Parameter type {value_type!r} is not accepted by this report")
    if timeframe is None:
        raise _bad("Missing REPORT_TIMEFRAME parameter")
    return timeframe[0], timeframe[1], selection


def _is_doc_004_example(start: datetime, end: datetime, selection: list[str] | None) -> bool:
    """Whether a request asks what doc 004's example asks (to the second, as the server reads it)."""
    first, last = (datetime.fromisoformat(moment) for moment in DOC_004_TIMEFRAME)
    return (start.replace(microsecond=0), end.replace(microsecond=0)) == (
        first,
        last,
    ) and selection == DOC_004_AGENTS


def _render_instant(moment: datetime) -> str:
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class ChronicallModel:
    """The Chronicall server: API-enabled reports over seeded, additive call data."""

    def __init__(
        self,
        api_key: str,
        seed: int,
        reports: Iterable[ChronicallReport] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.api_key = api_key
        self.seed = seed
        self.reports: dict[str, ChronicallReport] = {}
        for report in DEFAULT_REPORTS if reports is None else reports:
            if report.key in self.reports:
                raise ValueError(f"duplicate report key {report.key}")
            self.reports[report.key] = report
        self.request_log: list[tuple[str, Any]] = []
        #: Now, for the server: calls that have not ended by then are not reported yet.
        self.clock = clock
        self._day_totals: dict[tuple[str, date], Totals] = {}
        self._added: dict[tuple[str, date], list[Event]] = {}

    def add_call(
        self, agent: str, start: datetime, *, talking_ms: int, wait_ms: int = 0, direction: str = "inbound"
    ) -> None:
        """One more call of `agent` (a test's own), reported once it has ended."""
        day = start.astimezone(timezone.utc).date()
        event = Event(int(start.timestamp()), direction, talking_ms, wait_ms if direction == "inbound" else 0)
        self._added.setdefault((agent, day), []).append(event)
        self._day_totals.pop((agent, day), None)

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Serve one HTTP request. Requests on the route are logged, failed ones too, with the
        parsed body (None when it is not JSON)."""
        try:
            match = _PATH.fullmatch(path.split("?", 1)[0])
            if match is None:
                raise ChronicallError(404, f"No endpoint {path}")
            key = match[1]
            try:
                request = json.loads(body)
            except ValueError:
                request = None
            self.request_log.append((key, request))
            report = self._authorize(method, key, headers)
            start, end, selection = _parse_request(request, TEMPLATES[report.template])
            if report.key == AGENT_TALKING_SUMMARY_KEY and _is_doc_004_example(start, end, selection):
                return 200, dict(_JSON_HEADERS), DOC_004_RESPONSE_BODY[0]
            return 200, dict(_JSON_HEADERS), _dump(self._execute(report, start, end, selection))
        except ChronicallError as exc:
            return exc.status, {**_JSON_HEADERS, **exc.headers}, _dump(exc.body())

    def expected(
        self, key: str, start: datetime, end: datetime, agents: list[str] | None = None
    ) -> dict[str, Any]:
        """Ground truth: the response body for this report and timeframe (own executionId).

        Naive datetimes are taken as UTC; ``agents`` are the row keys (groups for a group
        report). Raises KeyError for an unknown key and ChronicallError where handle() fails.
        """
        start, end = (m if m.tzinfo else m.replace(tzinfo=timezone.utc) for m in (start, end))
        return self._execute(self.reports[key], start, end, agents)

    def _authorize(self, method: str, key: str, headers: Mapping[str, str]) -> ChronicallReport:
        """The report a POST with a valid Bearer key asks for, else the error to answer."""
        if method.upper() != "POST":
            raise ChronicallError(405, f"Method {method} not supported", {"Allow": "POST"})
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.api_key:
            raise ChronicallError(
                401, "The authorization header wasn't valid.", {"WWW-Authenticate": "Bearer"}
            )
        if key not in self.reports:
            raise ChronicallError(404, f"No API-enabled report with key {key}")
        return self.reports[key]

    def _execute(
        self,
        report: ChronicallReport,
        start: datetime,
        end: datetime,
        selection: list[str] | None,
    ) -> dict[str, Any]:
        """Run the report over [start, end] for the selected rows (None: all visible)."""
        start, end = start.replace(microsecond=0), end.replace(microsecond=0)
        if end < start:
            raise _bad("REPORT_TIMEFRAME end is before start")
        if selection is not None and not selection:
            raise _bad("Empty row selection")
        wanted = report.visible if selection is None else frozenset(selection)
        if not wanted <= report.visible:
            raise ChronicallError(403, FORBIDDEN_MESSAGE)
        template = TEMPLATES[report.template]
        low, high, now = int(start.timestamp()), int(end.timestamp()), int(self.clock().timestamp())
        per_row: dict[str, Totals] = {}
        for agent in AGENTS:
            row_key = template.row_key(agent)
            if row_key in wanted:
                per_row.setdefault(row_key, Totals()).merge(self._agent_totals(agent, low, high, now))
        rows = sorted((k, t) for k, t in per_row.items() if template.has_data(t))
        columns = report.columns
        return {
            "reportId": report.report_id,
            "executionId": str(uuid.uuid4()),
            "title": report.title,
            "timeframe": {
                "type": "REPORT_TIMEFRAME",
                "start": _render_instant(start),
                "end": _render_instant(end),
            },
            "skin": report.skin,
            "columns": [
                {"key": str(i), "title": title, "format": fmt} for i, (title, fmt) in enumerate(columns)
            ],
            "dataFlag": "INCLUDED",
            "summaryItems": [
                {"title": title, **cell(value, fmt), "format": "NUMBER"}
                for title, value, fmt in template.summary([t for _, t in rows])
            ],
            "rows": [
                {
                    "values": {
                        str(i): cell(value, fmt)
                        for i, (value, (_, fmt)) in enumerate(
                            zip((key, *template.cells(t)), columns, strict=True)
                        )
                    }
                }
                for key, t in rows
            ],
            "charts": {"type": "CHARTS", "rows": []},
        }

    def _agent_totals(self, agent: str, low: int, high: int, now: int) -> Totals:
        """Totals of the agent's calls starting in [low, high] that had ended by `now`; whole
        days whose calls have all ended come from a cache."""
        total = Totals()
        if high < low:
            return total
        day = max(datetime.fromtimestamp(low, timezone.utc).date(), DATA_START)
        last = min(datetime.fromtimestamp(high, timezone.utc).date(), DATA_END)
        while day <= last:
            day_start = int(datetime.combine(day, time(), timezone.utc).timestamp())
            if low <= day_start and day_start + 86399 <= high and day_start + 86400 + LONGEST_CALL <= now:
                total.merge(self._whole_day(agent, day))
            else:
                events = self._day_events(agent, day)
                total.merge(Totals.of_events(e for e in events if low <= e.ts <= high and e.ended <= now))
            day += timedelta(days=1)
        return total

    def _whole_day(self, agent: str, day: date) -> Totals:
        """Cached totals of a whole day, so long windows cost one merge per day."""
        if (agent, day) not in self._day_totals:
            self._day_totals[agent, day] = Totals.of_events(self._day_events(agent, day))
        return self._day_totals[agent, day]

    def _day_events(self, agent: str, day: date) -> list[Event]:
        """The agent's calls on one UTC day, a pure function of (seed, agent, day).

        Busy on weekdays 14:00-23:00 UTC (US business hours), a trickle otherwise.
        """
        if not DATA_START <= day <= DATA_END:
            return sorted(self._added.get((agent, day), []))
        name = f"{self.seed}|{agent}|{day.isoformat()}".encode()
        rng = random.Random(int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big"))
        base = int(datetime.combine(day, time(), timezone.utc).timestamp())
        events = []
        for hour in range(24):
            busy = day.weekday() < 5 and 14 <= hour < 23
            for _ in range(rng.randint(0, 4) if busy else int(rng.random() < 0.1)):
                direction = rng.choices(_DIRECTIONS, weights=(5, 3, 2))[0]
                answered = rng.random() < (0.9 if direction == "internal" else 0.7)
                wait_ms = rng.randint(2_000, 60_000 if answered else 180_000)
                events.append(
                    Event(
                        ts=base + hour * 3600 + rng.randrange(3600),
                        direction=direction,
                        talking_ms=rng.randint(15_000, 1_200_000) if answered else 0,
                        wait_ms=wait_ms if direction == "inbound" else 0,
                    )
                )
        return sorted(events + self._added.get((agent, day), []))
