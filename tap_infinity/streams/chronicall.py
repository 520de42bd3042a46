"""Chronicall historical reports (doc 004): each configured report, run once per timeframe window."""

from __future__ import annotations

import re
import typing as t
from datetime import date, datetime, timedelta

import orjson
import pendulum
import requests
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

from tap_infinity.client import HttpStream
from tap_infinity.dates import local_midnight
from tap_infinity.http import PartitionSkipped
from tap_infinity.rules import parse_duration
from tap_infinity.schemas import UNPARSED
from tap_infinity.schemas.chronicall import column_name, report_row_schema

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.tap_base import Tap

    from tap_infinity.conversion import Record

#: A summary item's formattedValue when its value is a duration (its format still says NUMBER).
_CLOCK = re.compile(r"\d+:\d{2}:\d{2}")
_LAST_MILLISECOND = timedelta(milliseconds=1)


def _number(value: t.Any) -> int | float:
    return value if isinstance(value, int | float) else float(value)


def cell_value(cell: t.Any, fmt: str | None) -> int | float | str | None:
    """A cell's value as the tap emits it: DURATION milliseconds as seconds, NUMBER as a number,
    STRING (and any other format that is not numeric) as a string."""
    value = cell.get("value") if isinstance(cell, dict) else None
    if value is None:
        return None
    if fmt == "DURATION":
        return _number(value) / 1000
    if fmt == "NUMBER" or (fmt != "STRING" and isinstance(value, int | float)):
        return _number(value)
    return str(value)


def row_values(
    cells: dict[str, t.Any], keys: list[str], names: list[str], formats: list[str | None]
) -> tuple[dict[str, t.Any], dict[str, str]]:
    """A row's cells by column name; a cell whose value does not fit its format is null there
    and kept verbatim under ``values.{name}`` for _sdc_unparsed."""
    values: dict[str, t.Any] = {}
    unparsed: dict[str, str] = {}
    for key, name, fmt in zip(keys, names, formats, strict=True):
        cell = cells.get(key)
        try:
            values[name] = cell_value(cell, fmt)
        except (TypeError, ValueError):
            values[name] = None
            unparsed[f"values.{name}"] = orjson.dumps(cell["value"]).decode()  # type: ignore[index]
    return values, unparsed


def summary_value(item: dict[str, t.Any]) -> int | float | str | None:
    """Summary items all say NUMBER; durations are told apart by their H:MM:SS formattedValue."""
    formatted = item.get("formattedValue")
    is_duration = isinstance(formatted, str) and _CLOCK.fullmatch(formatted)
    return cell_value(item, "DURATION" if is_duration else item.get("format"))


def named(titles: t.Iterable[str]) -> list[str]:
    """Keys for titles in order; a title whose key is taken gets its position appended."""
    names: list[str] = []
    for position, title in enumerate(titles):
        name = column_name(str(title))
        names.append(f"{name}_{position}" if name in names else name)
    return names


class ChronicallStream(HttpStream):
    """The Chronicall historic-data API: a POST with a JSON body and a Bearer key per report run."""

    http_method = "POST"
    url_setting = "chronicall_url"
    #: Refusals that concern one report (its parameters, its agents, its key): that report is skipped.
    partition_refusals: t.ClassVar[dict[int, str]] = {
        400: "the server found the request malformed (check the report's parameters)",
        403: "the service user may not view data of one or more of the requested agents or groups",
        404: "the server has no API-enabled report with this key",
    }
    # Records are built typed from the response; the SDK has nothing to conform.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @property
    def url_base(self) -> str:
        return str(self.config.get("chronicall_url", "")).rstrip("/")

    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["chronicall_api_key"])

    @property
    def http_headers(self) -> dict:
        return {"Accept": "application/json"}

    def source(self, response: requests.Response) -> str:
        return "Chronicall"

    def auth_hint(self, source: str) -> str:
        return "Chronicall rejected the API key (HTTP 401): check the chronicall_api_key setting"


class ChronicallReportsStream(ChronicallStream):
    """One record per report row, for each configured report and each window up to now.

    The bookmark of a report is the end of its last settled window: one that ended at least
    `chronicall_settle` ago, so that calls in progress at its end have ended and been counted.
    Windows after it (the one in progress, those ended recently) are emitted too but leave the
    bookmark where it is, so the next run reads them again and targets overwrite their rows.
    """

    name = "chronicall_reports"
    path = "/rest/api/v1/historic-data/{report_key}"
    primary_keys: t.ClassVar[list[str]] = ["report_key", "timeframe_start", "row_number"]
    replication_key = "timeframe_end"
    # Bookmarks only ever hold completed windows, so an interrupted sync resumes from them.
    is_sorted = True

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap=tap, schema=report_row_schema())

    @property
    def reports(self) -> dict[str, dict[str, t.Any]]:
        return {report["key"]: report for report in self.config.get("chronicall_reports") or []}

    @property
    def partitions(self) -> list[dict]:
        return [{"report_key": key} for key in self.reports]

    @property
    def zone(self) -> pendulum.Timezone:
        return pendulum.timezone(
            self.config.get("chronicall_timezone") or self.config.get("timezone") or "UTC"
        )

    def where(self, context: Context | None) -> str:
        """Names the report by its name and key (never by anything secret)."""
        if not context:
            return self.name
        report = self.reports[context["report_key"]]
        return f"{self.name}: report {report.get('name') or report['key']!r} ({report['key']})"

    def windows(self, context: Context, now: datetime) -> t.Iterator[tuple[datetime, datetime]]:
        """[start, end) windows from the bookmark (else the start date, else today) that began by now."""
        zone = self.zone
        report = self.reports[context["report_key"]]
        # Calendar units (days, months) step in local time, clock units (hours) in elapsed time.
        step = parse_duration(report.get("window") or self.config.get("chronicall_window", "P1D"))
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark:
            start = pendulum.instance(datetime.fromisoformat(bookmark)).in_timezone(zone)
        else:
            first = self.config.get("chronicall_start_date") or self.config.get("start_date")
            day = date.fromisoformat(str(first)) if first else now.date()
            start = local_midnight(day, zone)
        limit = None
        if self.config.get("end_date"):
            last_day = date.fromisoformat(str(self.config["end_date"]))
            limit = local_midnight(last_day + timedelta(days=1), zone)
        while start < now and (limit is None or start < limit):
            end = start + step
            if limit is not None:
                end = min(end, limit)
            yield start, end
            start = end

    def request_body(self, context: Context, start: datetime, end: datetime) -> dict[str, t.Any]:
        """Doc 004's body: the timeframe (both ends inclusive, so up to the window's last
        millisecond) and the report's own parameters from chronicall_reports."""
        timeframe = {
            "type": "REPORT_TIMEFRAME",
            "start": start.isoformat(timespec="milliseconds"),
            "end": (end - _LAST_MILLISECOND).isoformat(timespec="milliseconds"),
        }
        report = self.reports[context["report_key"]]
        return {
            "format": "json",
            "parameters": [
                {"name": "Report Timeframe", "valueType": "REPORT_TIMEFRAME", "value": timeframe},
                *(report.get("parameters") or []),
            ],
        }

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        """Each window of the report in turn, checkpointing after every settled one.

        A refused report (400, 403, 404) is logged and skipped; the other reports go on, and the
        tap ends the run with an error listing the skipped ones (`TapInfinity.sync_all`).
        """
        if not context:
            return  # no chronicall_reports configured: the stream emits nothing
        now = pendulum.now(self.zone)
        settled = now - parse_duration(self.config.get("chronicall_settle", "PT2H"))
        with self.get_http_request_counter() as request_counter:
            request_counter.with_context(context)
            try:
                for start, end in self.windows(context, now):
                    request = self.build_prepared_request(
                        method=self.http_method,
                        url=self.get_url(context),
                        json=self.request_body(context, start, end),
                        headers=self.http_headers,
                    )
                    response = self.send(request, context)
                    request_counter.increment()
                    yield from self.rows(context, response, start, end)
                    if end <= settled:
                        self.checkpoint(context, end)
            except PartitionSkipped as exc:
                self.skip_partition(context, str(exc))

    def rows(
        self, context: Context, response: requests.Response, start: datetime, end: datetime
    ) -> t.Iterator[Record]:
        """The execution's rows as records: cells keyed by column title, summary alongside."""
        try:
            body = orjson.loads(response.content)
            columns = body["columns"]
            keys = [str(column["key"]) for column in columns]
            formats = [column.get("format") for column in columns]
            names = named(column["title"] for column in columns)
            items = body.get("summaryItems") or []
            titles = named(item["title"] for item in items)
            summary = dict(zip(titles, map(summary_value, items), strict=True))
            report = self.reports[context["report_key"]]
            for number, row in enumerate(body.get("rows") or [], start=1):
                values, unparsed = row_values(row["values"], keys, names, formats)
                record = {
                    "report_key": report["key"],
                    "report_name": report.get("name") or report["key"],
                    "report_id": body.get("reportId"),
                    "execution_id": body.get("executionId"),
                    "title": body.get("title"),
                    "timeframe_start": start.isoformat(),
                    "timeframe_end": end.isoformat(),
                    "row_number": number,
                    "values": values,
                    "summary": dict(summary),
                }
                if unparsed:
                    record[UNPARSED] = unparsed
                yield record
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FatalAPIError(
                f"{self.where(context)}: the response for {start.isoformat()} is not a report "
                f"({type(exc).__name__}: {str(exc)[:80]}); it starts {response.text[:80]!r}"
            ) from None

    def checkpoint(self, context: Context, end: datetime) -> None:
        """Bookmark a completed window and write STATE after its records."""
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = end.isoformat()
        self.state_manager.is_flushed = False
        self.write_checkpoint_state()

    @override
    def _increment_stream_state(self, latest_record: Record, *, context: Context | None = None) -> None:
        """Bookmarks move per completed window (`checkpoint`), never per record: the records of
        the window in progress must not move them."""
