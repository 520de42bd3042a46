"""The Chronicall model answers like the documented API; its data is deterministic and additive."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from emulator.chronicall import (
    AGENT_TALKING_SUMMARY_KEY,
    AGENTS,
    FORBIDDEN_MESSAGE,
    GROUP_SUMMARY_KEY,
    GROUPS,
    ChronicallError,
    ChronicallModel,
    ChronicallReport,
    format_duration,
)

API_KEY = "chron-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
FIXED_NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
DAY = ("2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z")


def path(key: str) -> str:
    return f"/rest/api/v1/historic-data/{key}"


def timeframe(start: str, end: str) -> dict[str, Any]:
    return {
        "name": "Report Timeframe",
        "valueType": "REPORT_TIMEFRAME",
        "value": {"type": "REPORT_TIMEFRAME", "start": start, "end": end},
    }


def agents_param(*keys: str) -> dict[str, Any]:
    return {
        "name": "Rows (Agent)",
        "valueType": "PBX_USERS",
        "value": {"type": "PBX_USERS", "pbxUsers": [{"key": k} for k in keys]},
    }


def request_body(start: str, end: str, *extra: dict[str, Any]) -> bytes:
    return json.dumps({"format": "json", "parameters": [timeframe(start, end), *extra]}).encode()


@pytest.fixture
def model() -> ChronicallModel:
    return ChronicallModel(api_key=API_KEY, seed=7, reports=None, clock=lambda: FIXED_NOW)


def run(
    model: ChronicallModel, start: str, end: str, *extra: dict[str, Any], key: str = AGENT_TALKING_SUMMARY_KEY
) -> dict[str, Any]:
    status, headers, body = model.handle("POST", path(key), AUTH, request_body(start, end, *extra))
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def by_row(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rows keyed by their first cell, each as {column title: value}."""
    titles = {c["key"]: c["title"] for c in response["columns"]}
    return {
        row["values"]["0"]["value"]: {titles[k]: cell["value"] for k, cell in row["values"].items()}
        for row in response["rows"]
    }


def test_default_reports_are_configured(model: ChronicallModel) -> None:
    talking = model.reports[AGENT_TALKING_SUMMARY_KEY]
    group = model.reports[GROUP_SUMMARY_KEY]
    assert (talking.title, talking.report_id) == ("Agent Talking Summary", 48)
    assert talking.columns == [
        ("Agent", "STRING"),
        ("Inbound Calls", "NUMBER"),
        ("Outbound Calls", "NUMBER"),
        ("Internal Calls", "NUMBER"),
        ("Total Calls", "NUMBER"),
        ("Total Talking", "DURATION"),
        ("Avg Talking", "DURATION"),
    ]
    assert "Supervisor(300)" in AGENTS and "Supervisor(300)" not in talking.visible
    assert group.title == "Group Summary" and group.visible == frozenset(GROUPS)
    assert ("Avg. Speed of Answer (s)", "NUMBER") in group.columns
    for key in model.reports:
        assert str(uuid.UUID(key)) == key


def test_agent_talking_summary_matches_documented_shape(model: ChronicallModel) -> None:
    response = run(
        model, "2025-09-09T00:00:00.000-06:00", "2025-09-10T23:59:59.000-06:00", agents_param("Agent1(200)")
    )
    assert list(response) == [
        "reportId",
        "executionId",
        "title",
        "timeframe",
        "skin",
        "columns",
        "dataFlag",
        "summaryItems",
        "rows",
        "charts",
    ]
    assert response["reportId"] == 48
    uuid.UUID(response["executionId"])
    assert response["title"] == "Agent Talking Summary"
    assert response["timeframe"] == {
        "type": "REPORT_TIMEFRAME",
        "start": "2025-09-09T00:00:00-06:00",
        "end": "2025-09-10T23:59:59-06:00",
    }
    assert response["skin"] == "Avaya Default"
    assert response["columns"][0] == {"key": "0", "title": "Agent", "format": "STRING"}
    assert response["dataFlag"] == "INCLUDED"
    assert response["charts"] == {"type": "CHARTS", "rows": []}
    [row] = response["rows"]
    values = row["values"]
    assert values["0"] == {"value": "Agent1(200)"}
    assert sorted(values) == [str(i) for i in range(7)]
    for key in "1234":
        count = values[key]["value"]
        assert values[key] == {"value": count, "formattedValue": str(count)}
    total = values["4"]["value"]
    assert total == values["1"]["value"] + values["2"]["value"] + values["3"]["value"] > 0
    assert [item["title"] for item in response["summaryItems"]] == [
        "Agents",
        "Total Inbound Calls",
        "Total Outbound Calls",
        "Total Internal Calls",
        "Total Calls",
        "Avg Total Calls",
        "Total Talking",
        "Avg Talking",
    ]
    summary = {item["title"]: item for item in response["summaryItems"]}
    assert all(item["format"] == "NUMBER" for item in response["summaryItems"])
    assert summary["Agents"]["value"] == 1
    assert summary["Total Calls"]["value"] == total
    assert summary["Avg Total Calls"]["value"] == float(total)
    assert summary["Avg Total Calls"]["formattedValue"] == f"{total}.0"
    assert summary["Total Talking"]["value"] == values["5"]["value"]
    assert summary["Total Talking"]["formattedValue"] == values["5"]["formattedValue"]


def test_execution_id_is_new_per_execution(model: ChronicallModel) -> None:
    first = run(model, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z")
    second = run(model, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z")
    assert first["executionId"] != second["executionId"]
    assert {**first, "executionId": None} == {**second, "executionId": None}


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (12673424, "3:31:13"),
        (1810489, "0:30:10"),
        (0, "0:00:00"),
        (999, "0:00:00"),
        (360_000_000, "100:00:00"),
    ],
)
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(ms) == text


def test_duration_cells_are_milliseconds_formatted_h_mm_ss(model: ChronicallModel) -> None:
    response = run(model, "2025-03-01T00:00:00Z", "2025-03-31T23:59:59Z")
    assert response["rows"]
    for row in response["rows"]:
        for key in ("5", "6"):
            cell = row["values"][key]
            assert isinstance(cell["value"], int)
            assert cell["formattedValue"] == format_duration(cell["value"])
    rows = by_row(response)
    for row in rows.values():
        assert row["Avg Talking"] <= row["Total Talking"]
        assert row["Avg Talking"] >= row["Total Talking"] // row["Total Calls"]


def test_service_user_sees_only_visible_agents_by_default(model: ChronicallModel) -> None:
    rows = by_row(run(model, "2025-03-01T00:00:00Z", "2025-03-31T23:59:59Z"))
    assert set(rows) == set(AGENTS) - {"Supervisor(300)"}
    assert list(rows) == sorted(rows)


def test_agent_selection_returns_the_same_row(model: ChronicallModel) -> None:
    everyone = by_row(run(model, "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"))
    only = by_row(
        run(model, "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", agents_param("Agent3(202)", "Agent3(202)"))
    )
    assert only == {"Agent3(202)": everyone["Agent3(202)"]}


def test_same_seed_is_deterministic_and_seed_matters(model: ChronicallModel) -> None:
    window = ("2025-05-05T08:00:00-05:00", "2025-05-09T17:00:00-05:00")
    again = ChronicallModel(api_key=API_KEY, seed=7, clock=lambda: FIXED_NOW)
    other = ChronicallModel(api_key=API_KEY, seed=8, clock=lambda: FIXED_NOW)
    assert by_row(run(model, *window)) == by_row(run(again, *window)) != by_row(run(other, *window))


def test_consecutive_windows_add_up_to_the_spanning_window(model: ChronicallModel) -> None:
    whole = by_row(run(model, "2025-02-03T10:17:00+01:00", "2025-02-20T15:00:00+01:00"))
    first = by_row(run(model, "2025-02-03T10:17:00+01:00", "2025-02-11T06:29:59+01:00"))
    second = by_row(run(model, "2025-02-11T06:30:00+01:00", "2025-02-20T15:00:00+01:00"))
    assert set(whole) == set(first) | set(second)
    columns = ("Inbound Calls", "Outbound Calls", "Internal Calls", "Total Calls", "Total Talking")
    for agent, row in whole.items():
        for column in columns:
            parts = (half.get(agent, {}).get(column, 0) for half in (first, second))
            assert row[column] == sum(parts)


def test_group_summary_is_additive_and_consistent(model: ChronicallModel) -> None:
    def window(start: str, end: str) -> dict[str, dict[str, Any]]:
        return by_row(run(model, start, end, key=GROUP_SUMMARY_KEY))

    whole = window("2025-04-01T00:00:00Z", "2025-04-30T23:59:59Z")
    halves = [
        window("2025-04-01T00:00:00Z", "2025-04-15T11:59:59Z"),
        window("2025-04-15T12:00:00Z", "2025-04-30T23:59:59Z"),
    ]
    assert set(whole) == set(GROUPS)
    for group, row in whole.items():
        assert row["Calls Presented"] == row["Calls Answered"] + row["Calls Abandoned"]
        assert isinstance(row["Avg. Speed of Answer (s)"], float)
        for column in ("Calls Presented", "Calls Answered", "Total Talking"):
            assert row[column] == sum(half[group][column] for half in halves)
        assert row["Max Wait"] == max(half[group]["Max Wait"] for half in halves)


def test_end_is_inclusive_at_second_resolution(model: ChronicallModel) -> None:
    event = model._day_events("Agent1(200)", date(2025, 3, 4))[0]
    moment = datetime.fromtimestamp(event.ts, timezone.utc)
    at = moment.isoformat()
    just_before = (moment - timedelta(seconds=1)).isoformat()
    agent = agents_param("Agent1(200)")
    assert by_row(run(model, at, at, agent))["Agent1(200)"]["Total Calls"] >= 1
    assert run(model, just_before, at.replace("+00:00", ".999+00:00"), agent)["rows"]
    assert not run(model, just_before, just_before, agent)["rows"]


def test_future_and_pre_data_windows_are_empty(model: ChronicallModel) -> None:
    for start, end in [
        ("2026-06-01T12:00:01Z", "2026-12-31T23:59:59Z"),
        ("2019-09-09T00:00:00.000-06:00", "2019-09-10T23:59:59.000-06:00"),
    ]:
        response = run(model, start, end)
        assert response["rows"] == []
        summary = {item["title"]: item["value"] for item in response["summaryItems"]}
        assert summary["Agents"] == summary["Total Calls"] == summary["Total Talking"] == 0
        assert summary["Avg Total Calls"] == 0.0


def test_window_in_progress_grows_with_the_clock() -> None:
    now = [datetime(2025, 7, 1, 15, 0, 0, tzinfo=timezone.utc)]
    model = ChronicallModel(api_key=API_KEY, seed=7, clock=lambda: now[0])
    window = ("2025-07-01T00:00:00Z", "2025-07-01T23:59:59Z")
    morning = ("2025-07-01T00:00:00Z", "2025-07-01T15:00:00Z")
    early = by_row(run(model, *window))
    assert early == by_row(run(model, *morning))
    model.add_call("Agent1(200)", datetime(2025, 7, 1, 14, 50, tzinfo=timezone.utc), talking_ms=1_200_000)
    assert by_row(run(model, *morning)) == early  # in progress until 15:10: not reported yet
    now[0] = datetime(2025, 7, 2, tzinfo=timezone.utc)
    late = by_row(run(model, *window))

    def calls(rows: dict[str, dict[str, Any]]) -> int:
        return sum(row["Total Calls"] for row in rows.values())

    assert calls(late) > calls(early)
    # The morning's calls once they have all ended: the added one too.
    morning_late = by_row(run(model, *morning))
    assert morning_late["Agent1(200)"]["Total Calls"] > early.get("Agent1(200)", {}).get("Total Calls", 0)


def test_zero_offset_is_echoed_as_z(model: ChronicallModel) -> None:
    response = run(model, "2025-01-01T00:00:00.123+00:00", "2025-01-02T00:00:00Z")
    assert response["timeframe"]["start"] == "2025-01-01T00:00:00Z"
    assert response["timeframe"]["end"] == "2025-01-02T00:00:00Z"


def test_expected_is_the_response_body(model: ChronicallModel) -> None:
    start = datetime(2025, 9, 9, tzinfo=timezone(timedelta(hours=-6)))
    response = run(model, start.isoformat(), "2025-09-10T23:59:59+00:00", key=GROUP_SUMMARY_KEY)
    truth = model.expected(GROUP_SUMMARY_KEY, start, datetime(2025, 9, 10, 23, 59, 59))
    assert {**truth, "executionId": None} == {**response, "executionId": None}
    selected = model.expected(AGENT_TALKING_SUMMARY_KEY, start, start + timedelta(days=1), ["Agent2(201)"])
    assert [row["values"]["0"]["value"] for row in selected["rows"]] == ["Agent2(201)"]
    with pytest.raises(ChronicallError) as denied:
        model.expected(AGENT_TALKING_SUMMARY_KEY, start, start, ["Supervisor(300)"])
    assert denied.value.status == 403


def test_custom_reports_replace_the_defaults() -> None:
    report = ChronicallReport(
        key="11111111-2222-4333-8444-555555555555",
        report_id=9,
        title="Everyone",
        template="agent_talking_summary",
        visible=frozenset(AGENTS),
    )
    model = ChronicallModel(api_key=API_KEY, seed=7, reports=[report], clock=lambda: FIXED_NOW)
    assert list(model.reports) == [report.key]
    assert "Supervisor(300)" in by_row(
        run(model, "2025-03-01T00:00:00Z", "2025-03-31T23:59:59Z", key=report.key)
    )
    with pytest.raises(ValueError):
        ChronicallReport(key="k", report_id=1, title="t", template="nope", visible=frozenset())


def error(
    model: ChronicallModel,
    status: int,
    *,
    method: str = "POST",
    key: str = AGENT_TALKING_SUMMARY_KEY,
    headers: dict[str, str] = AUTH,
    body: bytes | None = None,
    route: str | None = None,
) -> str:
    """Make a failing request; check the status and the error body; return its message."""
    if body is None:
        body = request_body(*DAY)
    got, response_headers, raw = model.handle(method, route or path(key), headers, body)
    assert got == status, raw
    assert response_headers["Content-Type"] == "application/json"
    payload = json.loads(raw)
    assert set(payload) == {"status", "error", "message"} and payload["status"] == status
    return payload["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": API_KEY},
        {"Authorization": f"Basic {API_KEY}"},
    ],
)
def test_401_without_valid_bearer_key(model: ChronicallModel, headers: dict[str, str]) -> None:
    assert error(model, 401, headers=headers) == "The authorization header wasn't valid."


def test_authorization_header_is_case_insensitive(model: ChronicallModel) -> None:
    body = request_body(*DAY)
    headers = {"authorization": f"bearer {API_KEY}"}
    status, _, _ = model.handle("POST", path(AGENT_TALKING_SUMMARY_KEY), headers, body)
    assert status == 200


def test_404_for_unknown_key_or_path(model: ChronicallModel) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    error(model, 404, key=unknown)
    error(model, 401, key=unknown, headers={})
    error(model, 404, route="/rest/api/v2/historic-data/x")


def test_405_for_other_methods(model: ChronicallModel) -> None:
    error(model, 405, method="GET")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[]",
        json.dumps({"format": "json", "parameters": [agents_param("Agent1(200)")]}).encode(),
        json.dumps({"format": "json"}).encode(),
        json.dumps({"format": "pdf", "parameters": [timeframe(*DAY)]}).encode(),
        json.dumps({"parameters": [timeframe(*DAY)]}).encode(),
        json.dumps(
            {
                "format": "json",
                "parameters": [
                    {"valueType": "REPORT_TIMEFRAME", "value": {"start": DAY[0], "end": DAY[1]}},
                ],
            }
        ).encode(),
        request_body(*DAY, timeframe(*DAY)),
        request_body("2025-01-01", DAY[1]),
        request_body("2025-01-01T00:00:00", DAY[1]),
        request_body("2025-13-01T00:00:00Z", DAY[1]),
        request_body(DAY[0], "2025-01-02T00:00:00+25:00"),
        request_body("2025-01-02T00:00:00Z", "2025-01-01T23:59:59Z"),
        request_body(*DAY, agents_param()),
        request_body(*DAY, agents_param("Agent1(200)"), agents_param("Agent2(201)")),
        request_body(
            *DAY,
            {
                "valueType": "PBX_GROUPS",
                "value": {"type": "PBX_GROUPS", "pbxGroups": [{"key": "Sales(700)"}]},
            },
        ),
    ],
)
def test_400_for_bad_bodies(model: ChronicallModel, body: bytes) -> None:
    error(model, 400, body=body)


@pytest.mark.parametrize("agent", ["Supervisor(300)", "Nobody(999)"])
def test_403_for_agents_the_service_user_may_not_view(model: ChronicallModel, agent: str) -> None:
    selection = agents_param("Agent1(200)", agent)
    body = request_body(*DAY, selection)
    assert error(model, 403, body=body) == FORBIDDEN_MESSAGE
    assert "doesn't have Chronicall access to view data for one or more" in FORBIDDEN_MESSAGE


def test_group_report_selects_and_restricts_groups(model: ChronicallModel) -> None:
    def groups(*keys: str) -> dict[str, Any]:
        value = {"type": "PBX_GROUPS", "pbxGroups": [{"key": k} for k in keys]}
        return {"name": "Rows (Group)", "valueType": "PBX_GROUPS", "value": value}

    rows = by_row(run(model, *DAY, groups("Support(701)"), key=GROUP_SUMMARY_KEY))
    assert list(rows) == ["Support(701)"]
    body = request_body(*DAY, groups("Support(701)", "Executive(702)"))
    assert error(model, 403, key=GROUP_SUMMARY_KEY, body=body) == FORBIDDEN_MESSAGE
    error(model, 400, key=GROUP_SUMMARY_KEY, body=request_body(*DAY, agents_param("Agent1(200)")))


def test_request_log_records_successes_and_failures(model: ChronicallModel) -> None:
    good = request_body(*DAY)
    model.handle("POST", path(AGENT_TALKING_SUMMARY_KEY), AUTH, good)
    model.handle("POST", path(GROUP_SUMMARY_KEY), {}, good)
    model.handle("POST", path(GROUP_SUMMARY_KEY), AUTH, b"{oops")
    assert model.request_log == [
        (AGENT_TALKING_SUMMARY_KEY, json.loads(good)),
        (GROUP_SUMMARY_KEY, json.loads(good)),
        (GROUP_SUMMARY_KEY, None),
    ]
