"""chronicall_reports against the emulator's Chronicall model over HTTP: windows, bookmarks, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator import Emulator
from emulator.chronicall import (
    AGENT_TALKING_SUMMARY_KEY,
    AGENTS,
    DEFAULT_REPORTS,
    GROUP_SUMMARY_KEY,
    ChronicallModel,
    ChronicallReport,
)
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import SyncResult, discover, run_tap, select

API_KEY = "chron-Secret-Key-5b1e9d"
TZ = "America/Chicago"
COPY_KEY = "3c8f1d2e-6a4b-4c9d-8e7f-0a1b2c3d4e5f"
UNKNOWN_KEY = "9e8d7c6b-5a49-4838-a271-605f4e3d2c1b"
STREAM = "chronicall_reports"

#: Column and summary titles and the keys the README documents for them.
NAMES = {
    "Agent": "agent",
    "Inbound Calls": "inbound_calls",
    "Outbound Calls": "outbound_calls",
    "Internal Calls": "internal_calls",
    "Total Calls": "total_calls",
    "Total Talking": "total_talking",
    "Avg Talking": "avg_talking",
    "Group": "group",
    "Calls Presented": "calls_presented",
    "Calls Answered": "calls_answered",
    "Calls Abandoned": "calls_abandoned",
    "Avg. Speed of Answer (s)": "avg_speed_of_answer_s",
    "Max Wait": "max_wait",
    "Agents": "agents",
    "Groups": "groups",
    "Total Inbound Calls": "total_inbound_calls",
    "Total Outbound Calls": "total_outbound_calls",
    "Total Internal Calls": "total_internal_calls",
    "Avg Total Calls": "avg_total_calls",
    "Total Calls Presented": "total_calls_presented",
    "Total Calls Answered": "total_calls_answered",
    "Total Calls Abandoned": "total_calls_abandoned",
}
#: Summary items in milliseconds (their format says NUMBER all the same).
DURATION_SUMMARIES = {"Total Talking", "Avg Talking", "Max Wait"}


class Clock:
    """The Chronicall model's clock, frozen so ground truth cannot move under a test."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chron(clock: Clock) -> Iterator[Emulator]:
    """An emulator whose Chronicall model has a frozen clock and a third report (a copy)."""
    copy = ChronicallReport(
        key=COPY_KEY,
        report_id=61,
        title="Agent Talking Summary (all agents)",
        template="agent_talking_summary",
        visible=frozenset(AGENTS),
    )
    with Emulator({101: 10}, seed=5, username=USERNAME, password=PASSWORD, chronicall_api_key=API_KEY) as emu:
        emu.chronicall = ChronicallModel(API_KEY, seed=5, reports=[*DEFAULT_REPORTS, copy], clock=clock)
        yield emu


@pytest.fixture(scope="module")
def catalog(emulator: Emulator) -> dict[str, Any]:
    return discover(tap_config(emulator))


def chron_config(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    config = tap_config(
        emu,
        chronicall_url=emu.url,
        chronicall_api_key=API_KEY,
        chronicall_reports=[
            {"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents"},
            {"key": GROUP_SUMMARY_KEY, "name": "groups"},
        ],
        chronicall_timezone=TZ,
        # Windows final the moment they end, so these tests know the bookmark whatever the time
        # of day; test_a_window_is_read_again_until_it_has_settled covers chronicall_settle.
        chronicall_settle="PT0S",
    )
    config.update(overrides)
    return config


def sync(
    config: dict[str, Any], catalog: dict[str, Any], streams: list[str] | None = None, **kwargs: Any
) -> SyncResult:
    """A sync of the given streams; the API key never appears in its output."""
    result = run_tap(config, select(catalog, streams or [STREAM]), **kwargs)
    assert API_KEY not in result.stdout + result.stderr
    return result


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(TZ))


def days_until_today(days_back: int) -> list[tuple[datetime, datetime]]:
    today = datetime.now(ZoneInfo(TZ)).date()
    days = [today - timedelta(days=n) for n in range(days_back, -1, -1)]
    return [(local_midnight(d), local_midnight(d + timedelta(days=1))) for d in days]


def expected_window(emu: Emulator, key: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Ground truth of a window, in the documented record form, from the model's own answer."""
    assert emu.chronicall is not None
    body = emu.chronicall.expected(key, start, end - timedelta(seconds=1))  # both ends inclusive
    rows = []
    for row in body["rows"]:
        values = {}
        for column in body["columns"]:
            value = row["values"][column["key"]]["value"]
            values[NAMES[column["title"]]] = value / 1000 if column["format"] == "DURATION" else value
        rows.append(values)
    summary = {
        NAMES[item["title"]]: item["value"] / 1000 if item["title"] in DURATION_SUMMARIES else item["value"]
        for item in body["summaryItems"]
    }
    return {"report_id": body["reportId"], "title": body["title"], "rows": rows, "summary": summary}


def assert_windows_match(
    result: SyncResult, emu: Emulator, key: str, name: str, windows: list[tuple[datetime, datetime]]
) -> int:
    """The report's records, window by window in order, equal the model's rows and summary."""
    records = [r for r in result.records[STREAM] if r["report_key"] == key]
    total = 0
    for start, end in windows:
        emitted = [r for r in records if datetime.fromisoformat(r["timeframe_start"]) == start]
        truth = expected_window(emu, key, start, end)
        assert [r["values"] for r in emitted] == truth["rows"], f"{name} {start}"
        for number, record in enumerate(emitted, start=1):
            assert record["row_number"] == number
            assert datetime.fromisoformat(record["timeframe_end"]) == end
            assert record["timeframe_start"] == start.isoformat()
            assert (record["report_name"], record["report_id"], record["title"]) == (
                name,
                truth["report_id"],
                truth["title"],
            )
            assert record["summary"] == truth["summary"]
            uuid.UUID(record["execution_id"])
        total += len(emitted)
    assert total == len(records), "records outside the expected windows"
    return total


def bookmarks(state: dict[str, Any]) -> dict[str, str | None]:
    partitions = state["bookmarks"].get(STREAM, {}).get("partitions", [])
    return {p["context"]["report_key"]: p.get("replication_key_value") for p in partitions}


def asked(start: datetime, end: datetime) -> tuple[str, str]:
    """The timeframe sent for the window [start, end): both ends inclusive, to the millisecond."""
    last = end - timedelta(milliseconds=1)
    return start.isoformat(timespec="milliseconds"), last.isoformat(timespec="milliseconds")


def requested(emu: Emulator) -> list[tuple[str, str, str]]:
    """(report key, timeframe start, timeframe end) of each request the model received."""
    assert emu.chronicall is not None
    out = []
    for key, body in emu.chronicall.request_log:
        timeframe = next(p for p in body["parameters"] if p["valueType"] == "REPORT_TIMEFRAME")["value"]
        out.append((key, timeframe["start"], timeframe["end"]))
    return out


def test_discovery_lists_the_stream_with_its_schema_and_keys(catalog: dict[str, Any]) -> None:
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == STREAM)
    assert entry["key_properties"] == ["report_key", "timeframe_start", "row_number"]
    assert entry["replication_key"] == "timeframe_end"
    properties = entry["schema"]["properties"]
    assert properties["timeframe_end"]["format"] == "date-time"
    assert properties["row_number"]["type"] == ["integer", "null"]
    assert properties["values"]["type"] == ["object", "null"]
    assert properties["values"]["additionalProperties"] == {"type": ["number", "string", "null"]}
    assert properties["summary"]["type"] == ["object", "null"]


def test_daily_windows_equal_ground_truth_and_bookmark_completed_days(
    chron: Emulator, catalog: dict[str, Any]
) -> None:
    windows = days_until_today(3)
    config = chron_config(chron, start_date=windows[0][0].date().isoformat())
    result = sync(config, catalog)

    for key, name in ((AGENT_TALKING_SUMMARY_KEY, "agents"), (GROUP_SUMMARY_KEY, "groups")):
        assert assert_windows_match(result, chron, key, name, windows) > 0
    # One request per report and window, asking each day up to its last millisecond.
    assert requested(chron) == [
        (key, *asked(start, end))
        for key in (AGENT_TALKING_SUMMARY_KEY, GROUP_SUMMARY_KEY)
        for start, end in windows
    ]
    assert requested(chron)[0][2].endswith("T23:59:59.999" + windows[0][0].isoformat()[-6:])
    # The bookmark is the end of the last completed day: today, in progress, is read again.
    today = windows[-1][0].isoformat()
    assert bookmarks(result.final_state) == {AGENT_TALKING_SUMMARY_KEY: today, GROUP_SUMMARY_KEY: today}
    # A STATE follows each completed window, never one past it.
    agents_marks = [bookmarks(s).get(AGENT_TALKING_SUMMARY_KEY) for s in result.states]
    assert [end.isoformat() for _, end in windows[:-1]] == list(dict.fromkeys(m for m in agents_marks if m))


def test_rerun_reads_only_the_window_in_progress(
    chron: Emulator, clock: Clock, catalog: dict[str, Any]
) -> None:
    windows = days_until_today(2)
    config = chron_config(chron, start_date=windows[0][0].date().isoformat())
    first = sync(config, catalog)
    assert chron.chronicall is not None
    chron.chronicall.request_log.clear()
    clock.now += timedelta(minutes=90)  # calls go on in the window in progress

    second = sync(config, catalog, state=first.final_state)
    assert requested(chron) == [
        (key, *asked(*windows[-1])) for key in (AGENT_TALKING_SUMMARY_KEY, GROUP_SUMMARY_KEY)
    ]
    for key, name in ((AGENT_TALKING_SUMMARY_KEY, "agents"), (GROUP_SUMMARY_KEY, "groups")):
        assert_windows_match(second, chron, key, name, [windows[-1]])
    assert bookmarks(second.final_state) == bookmarks(first.final_state)


def test_closed_period_across_dst_then_nothing_to_read(chron: Emulator, catalog: dict[str, Any]) -> None:
    config = chron_config(chron, start_date="2026-03-07", end_date="2026-03-09")
    result = sync(config, catalog)
    assert [(start, end) for key, start, end in requested(chron) if key == GROUP_SUMMARY_KEY] == [
        ("2026-03-07T00:00:00.000-06:00", "2026-03-07T23:59:59.999-06:00"),
        ("2026-03-08T00:00:00.000-06:00", "2026-03-08T23:59:59.999-05:00"),  # 23 hours
        ("2026-03-09T00:00:00.000-05:00", "2026-03-09T23:59:59.999-05:00"),
    ]
    windows = [(local_midnight(date(2026, 3, d)), local_midnight(date(2026, 3, d + 1))) for d in (7, 8, 9)]
    assert assert_windows_match(result, chron, GROUP_SUMMARY_KEY, "groups", windows) > 0
    assert set(bookmarks(result.final_state).values()) == {"2026-03-10T00:00:00-05:00"}

    assert chron.chronicall is not None
    chron.chronicall.request_log.clear()
    rerun = sync(config, catalog, state=result.final_state)
    assert not rerun.records[STREAM] and not chron.chronicall.request_log


def test_hour_windows_are_elapsed_time_and_stop_at_end_date(chron: Emulator, catalog: dict[str, Any]) -> None:
    config = chron_config(
        chron,
        start_date="2026-03-08",
        end_date="2026-03-08",
        chronicall_window="PT12H",
        chronicall_reports=[{"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents"}],
    )
    result = sync(config, catalog)
    assert [(start, end) for _, start, end in requested(chron)] == [
        ("2026-03-08T00:00:00.000-06:00", "2026-03-08T12:59:59.999-05:00"),
        ("2026-03-08T13:00:00.000-05:00", "2026-03-08T23:59:59.999-05:00"),
    ]
    zone = ZoneInfo(TZ)
    windows = [
        (datetime(2026, 3, 8, tzinfo=zone), datetime(2026, 3, 8, 13, tzinfo=zone)),
        (datetime(2026, 3, 8, 13, tzinfo=zone), datetime(2026, 3, 9, tzinfo=zone)),
    ]
    assert assert_windows_match(result, chron, AGENT_TALKING_SUMMARY_KEY, "agents", windows) > 0


def test_durations_are_seconds_and_numbers_stay_numbers(chron: Emulator, catalog: dict[str, Any]) -> None:
    config = chron_config(chron, start_date="2026-03-02", end_date="2026-03-02", chronicall_timezone="UTC")
    result = sync(config, catalog)
    assert chron.chronicall is not None
    raw = chron.chronicall.expected(
        AGENT_TALKING_SUMMARY_KEY, datetime(2026, 3, 2), datetime(2026, 3, 2, 23, 59, 59)
    )
    first = next(r for r in result.records[STREAM] if r["report_key"] == AGENT_TALKING_SUMMARY_KEY)
    talking_ms = raw["rows"][0]["values"]["5"]["value"]
    assert isinstance(talking_ms, int) and talking_ms > 60_000
    assert first["values"]["total_talking"] == pytest.approx(talking_ms / 1000)
    assert first["values"]["agent"] == raw["rows"][0]["values"]["0"]["value"]
    assert type(first["values"]["total_calls"]) is int
    total = next(i for i in raw["summaryItems"] if i["title"] == "Total Talking")
    assert first["summary"]["total_talking"] == pytest.approx(total["value"] / 1000)
    assert ":" in total["formattedValue"] and total["format"] == "NUMBER"
    group = next(r for r in result.records[STREAM] if r["report_key"] == GROUP_SUMMARY_KEY)
    assert isinstance(group["values"]["avg_speed_of_answer_s"], float)
    assert isinstance(group["values"]["max_wait"], float)


def test_transient_faults_are_retried_and_lose_nothing(chron: Emulator, catalog: dict[str, Any]) -> None:
    windows = days_until_today(2)
    for kind in ("503", "429", "reset", "truncate"):
        chron.fail_next(kind, count=1, path_contains="/historic-data/")
    chron.set_faults(rate=0, retry_after="0")
    result = sync(chron_config(chron, start_date=windows[0][0].date().isoformat()), catalog)
    assert [r.fault for r in chron.request_log if r.fault] == ["503", "429", "reset", "truncate"]
    assert "retrying" in result.stderr
    for key, name in ((AGENT_TALKING_SUMMARY_KEY, "agents"), (GROUP_SUMMARY_KEY, "groups")):
        assert assert_windows_match(result, chron, key, name, windows) > 0


def test_refused_reports_are_skipped_with_one_line_each(chron: Emulator, catalog: dict[str, Any]) -> None:
    reports = [
        {"key": GROUP_SUMMARY_KEY, "name": "groups"},
        {
            "key": AGENT_TALKING_SUMMARY_KEY,
            "name": "supervisor",
            "parameters": [
                {
                    "name": "Rows (Agent)",
                    "valueType": "PBX_USERS",
                    "value": {"type": "PBX_USERS", "pbxUsers": [{"key": "Supervisor(300)"}]},
                }
            ],
        },
        {
            "key": COPY_KEY,
            "name": "malformed",
            "parameters": [{"name": "Rows", "valueType": "PBX_QUEUES", "value": {"type": "PBX_QUEUES"}}],
        },
        {"key": UNKNOWN_KEY, "name": "unknown"},
    ]
    windows = days_until_today(1)
    config = chron_config(chron, chronicall_reports=reports, start_date=windows[0][0].date().isoformat())
    result = sync(
        config,
        catalog,
        [STREAM, "dgrps"],
        check=False,
        extra_env={"TAP_INFINITY_LOGLEVEL": "DEBUG", "LOGLEVEL": "DEBUG"},
    )
    assert result.returncode == 1
    prefix = "chronicall_reports: report"
    lines = [line for line in result.stderr.splitlines() if prefix in line and "skipping" in line]
    assert len(lines) == 3, lines
    forbidden, malformed, unknown = lines
    said = "HTTP 403 from Chronicall: the service user may not view"
    assert f"'supervisor' ({AGENT_TALKING_SUMMARY_KEY}): {said}" in forbidden
    said = "HTTP 400 from Chronicall: the server found the request malformed"
    assert f"'malformed' ({COPY_KEY}): {said}" in malformed
    assert "PBX_QUEUES" in malformed  # the server's own message
    said = "HTTP 404 from Chronicall: the server has no API-enabled report"
    assert f"'unknown' ({UNKNOWN_KEY}): {said}" in unknown
    assert "Skipped 3 refused partitions" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    # Nothing else is lost: the good report and the stream synced after this one are whole.
    assert assert_windows_match(result, chron, GROUP_SUMMARY_KEY, "groups", windows) > 0
    assert bookmarks(result.final_state) == {
        GROUP_SUMMARY_KEY: windows[-1][0].isoformat(),
        AGENT_TALKING_SUMMARY_KEY: None,
        COPY_KEY: None,
        UNKNOWN_KEY: None,
    }
    assert len(result.records["dgrps"]) == len(chron.rows("/config/v2/igrps/101/dgrps"))


def test_a_rejected_key_stops_at_once_without_showing_it(chron: Emulator, catalog: dict[str, Any]) -> None:
    config = chron_config(chron, chronicall_api_key="wrong-Key-0000", start_date="2026-01-01")
    result = sync(config, catalog, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith(
        "chronicall_reports: report 'agents' (0b9f4a3e-5c1d-4e8f-a7b2-6d3c9e1f0a48): Chronicall rejected "
        "the API key (HTTP 401): check the chronicall_api_key setting"
    )
    assert "wrong-Key-0000" not in result.stdout + result.stderr
    assert chron.chronicall is not None and len(chron.chronicall.request_log) == 1
    assert not result.records[STREAM]


def test_without_chronicall_settings_the_stream_emits_nothing(
    emulator: Emulator, catalog: dict[str, Any]
) -> None:
    emulator.clear_request_log()
    result = sync(tap_config(emulator), catalog)
    assert STREAM in result.schemas and not result.records[STREAM]
    assert not emulator.request_log


def test_chronicall_only_config_needs_no_infinity_settings(chron: Emulator) -> None:
    windows = days_until_today(1)
    config = {
        "chronicall_url": chron.url,
        "chronicall_api_key": API_KEY,
        "chronicall_reports": [{"key": GROUP_SUMMARY_KEY, "name": "groups"}],
        "chronicall_timezone": TZ,
        "start_date": windows[0][0].date().isoformat(),
    }
    catalog = discover(config)
    assert {e["tap_stream_id"] for e in catalog["streams"]} >= {STREAM, "dgrps", "calls"}
    result = sync(config, catalog)
    assert assert_windows_match(result, chron, GROUP_SUMMARY_KEY, "groups", windows) > 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"chronicall_window": "1 day"}, "Setting chronicall_window: '1 day' is not an ISO-8601 duration"),
        ({"chronicall_window": "PT0S"}, "Setting chronicall_window: 'PT0S'"),
        ({"chronicall_timezone": "Mars/Olympus_Mons"}, "Setting chronicall_timezone: 'Mars/Olympus_Mons'"),
        ({"chronicall_reports": [{"name": "nameless"}]}, "Setting chronicall_reports: report 1 has no key"),
        ({"chronicall_reports": [{"key": "report-48"}]}, "report 1 key 'report-48' is not a UUID"),
        (
            {
                "chronicall_reports": [
                    {"key": AGENT_TALKING_SUMMARY_KEY, "name": "daily"},
                    {"key": GROUP_SUMMARY_KEY, "name": "daily"},
                ]
            },
            "Setting chronicall_reports: name 'daily' is listed twice",
        ),
        ({"chronicall_api_key": None}, "reports are listed but chronicall_api_key not set"),
    ],
)
def test_bad_chronicall_settings_fail_before_any_request(
    chron: Emulator, overrides: dict[str, Any], message: str
) -> None:
    config = {key: value for key, value in chron_config(chron, **overrides).items() if value is not None}
    for extra in ([], ["--discover"]):
        result = run_tap(config, check=False, extra_args=extra or None, timeout=60)
        assert result.returncode != 0
        assert message in result.stderr
        assert API_KEY not in result.stdout + result.stderr
    assert chron.chronicall is not None and not chron.chronicall.request_log


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@pytest.mark.parametrize("settle", ["PT2H", "PT0S"])
def test_a_window_is_read_again_until_it_has_settled(
    chron: Emulator, clock: Clock, catalog: dict[str, Any], settle: str
) -> None:
    """A call still going on when its window ends is reported once it has ended. With the
    default settle time the window is read again until then and the call is counted; with
    windows final the moment they end it is lost for good."""
    assert chron.chronicall is not None
    end = floor_hour(datetime.now(timezone.utc))  # the last hour that has ended
    window = (end - timedelta(hours=1), end)
    chron.chronicall.add_call("Agent1(200)", end - timedelta(minutes=5), talking_ms=20 * 60_000)
    config = chron_config(
        chron,
        chronicall_timezone="UTC",
        chronicall_start_date=window[0].date().isoformat(),
        chronicall_window="PT1H",
        chronicall_settle=settle,
        chronicall_reports=[{"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents"}],
    )
    clock.now = end + timedelta(minutes=1)  # the call goes on until end + 15 minutes
    first = sync(config, catalog)
    first_asked = requested(chron)
    chron.chronicall.request_log.clear()
    clock.now = end + timedelta(minutes=20)
    second = sync(config, catalog, state=first.final_state)
    second_asked = requested(chron)

    def agent1_calls(result: SyncResult, asked_for: list[tuple[str, str, str]]) -> int | None:
        """Agent1's calls in the window, as that sync read them (None: it did not ask for it)."""
        if (AGENT_TALKING_SUMMARY_KEY, *asked(*window)) not in asked_for:
            return None
        rows = [r for r in result.records[STREAM] if r["timeframe_start"] == window[0].isoformat()]
        return sum(r["values"]["total_calls"] for r in rows if r["values"]["agent"] == "Agent1(200)")

    truth = expected_window(chron, AGENT_TALKING_SUMMARY_KEY, *window)
    counted = next(row["total_calls"] for row in truth["rows"] if row["agent"] == "Agent1(200)")
    assert counted >= 1
    assert agent1_calls(first, first_asked) == counted - 1  # the call had not ended yet
    if settle == "PT2H":
        assert agent1_calls(second, second_asked) == counted  # read again, now with the call
        # Settled: the windows that ended 2 hours before the first sync, from start_date's midnight
        # on (none when the window is among the day's first hours); not this one.
        settled_to = end - timedelta(hours=2)
        midnight = datetime.combine(window[0].date(), datetime.min.time(), timezone.utc)
        expected_mark = settled_to.isoformat() if settled_to >= midnight + timedelta(hours=1) else None
        assert bookmarks(first.final_state)[AGENT_TALKING_SUMMARY_KEY] == expected_mark
    else:
        assert agent1_calls(second, second_asked) is None  # never read again: the call is never counted
        assert bookmarks(first.final_state)[AGENT_TALKING_SUMMARY_KEY] == end.isoformat()


def test_a_report_can_have_its_own_window(chron: Emulator, catalog: dict[str, Any]) -> None:
    """Calendar months for one report, days for the other; months stay on local midnights."""
    config = chron_config(
        chron,
        chronicall_start_date="2026-01-01",
        end_date="2026-03-31",
        chronicall_reports=[
            {"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents", "window": "P1M"},
            {"key": GROUP_SUMMARY_KEY, "name": "groups"},
        ],
    )
    result = sync(config, catalog)
    monthly = [(start, end) for key, start, end in requested(chron) if key == AGENT_TALKING_SUMMARY_KEY]
    assert monthly == [
        ("2026-01-01T00:00:00.000-06:00", "2026-01-31T23:59:59.999-06:00"),
        ("2026-02-01T00:00:00.000-06:00", "2026-02-28T23:59:59.999-06:00"),
        ("2026-03-01T00:00:00.000-06:00", "2026-03-31T23:59:59.999-05:00"),
    ]
    assert len([key for key, _, _ in requested(chron) if key == GROUP_SUMMARY_KEY]) == 31 + 28 + 31
    months = [(local_midnight(date(2026, m, 1)), local_midnight(date(2026, m + 1, 1))) for m in (1, 2, 3)]
    assert assert_windows_match(result, chron, AGENT_TALKING_SUMMARY_KEY, "agents", months) > 0
