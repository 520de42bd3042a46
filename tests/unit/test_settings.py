"""Every settings rule a JSON schema cannot say, in process; and the shape of a state."""

from __future__ import annotations

from typing import Any

import pytest

from tap_infinity.rules import parse_duration, setting_errors, state_errors
from tap_infinity.tap import stream_filter_errors

INFINITY = {"username": "u", "password": "p", "igrps": [101]}
KEY = "0b9f4a3e-5c1d-4e8f-a7b2-6d3c9e1f0a48"
CHRONICALL = {"chronicall_url": "https://c", "chronicall_api_key": "k", "chronicall_reports": [{"key": KEY}]}


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"start_date": "20240501"}, "Setting start_date: '20240501' is not a date (YYYY-MM-DD)"),
        ({"end_date": "2024-W18-3"}, "Setting end_date: '2024-W18-3' is not a date"),
        (
            {"chronicall_start_date": "2024-02-30"},
            "Setting chronicall_start_date: '2024-02-30' is not a date",
        ),
        ({"start_date": "2024-05-02", "end_date": "2024-05-01"}, "Setting end_date: it is before start_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "Setting timezone: 'Mars/Olympus_Mons' is not an IANA timezone"),
        ({"chronicall_timezone": "GMT+25"}, "Setting chronicall_timezone: 'GMT+25' is not an IANA"),
        ({"igrps": []}, "Setting igrps: list at least one installation id"),
        ({"ca_bundle": "/no/such/bundle.pem"}, "Setting ca_bundle: '/no/such/bundle.pem' does not exist"),
        ({"filters": ["rowId>5"]}, "Setting filters: 'rowId>5' is not of the form field-op-value-value"),
        ({"filters": ["pt_src-eq-value-x"]}, "the API cannot filter by custom fields (pt_*, c_*)"),
        ({"stream_filters": {"numbers": ["x"]}}, "Setting stream_filters.numbers: 'x' is not of the form"),
        ({"custom_fields": ["campaign"]}, "Setting custom_fields: 'campaign' does not start with pt_ or c_"),
        ({"chronicall_window": "P0D"}, "Setting chronicall_window: 'P0D' is not an ISO-8601 duration"),
        ({"chronicall_window": "1 day"}, "Setting chronicall_window: '1 day' is not an ISO-8601 duration"),
        ({"chronicall_settle": "2h"}, "Setting chronicall_settle: '2h' is not an ISO-8601 duration"),
    ],
)
def test_each_rule_names_its_setting(config: dict[str, Any], error: str) -> None:
    errors = setting_errors({**INFINITY, **config})
    assert len(errors) == 1 and error in errors[0]


def test_a_config_for_neither_api() -> None:
    assert setting_errors({"username": "u"}) == [
        "Settings password, igrps: needed to read Infinity (or list chronicall_reports to read only Chronicall)"
    ]
    assert setting_errors(CHRONICALL) == []


@pytest.mark.parametrize(
    ("reports", "error"),
    [
        ([{"name": "x"}], "report 1 has no key"),
        ([{"key": "report-48"}], "report 1 key 'report-48' is not a UUID"),
        ([{"key": KEY}, {"key": KEY, "name": "other"}], f"key {KEY!r} is listed twice"),
        ([{"key": KEY, "window": "P0D"}], "window 'P0D' is not an ISO-8601 duration"),
        (
            [{"key": KEY, "parameters": [{"valueType": "REPORT_TIMEFRAME"}]}],
            "has a REPORT_TIMEFRAME parameter; the tap sets the timeframe of each window itself",
        ),
    ],
)
def test_chronicall_reports_rules(reports: list[dict[str, Any]], error: str) -> None:
    errors = setting_errors({**CHRONICALL, "chronicall_reports": reports})
    assert len(errors) == 1 and error in errors[0]


def test_chronicall_reports_need_the_server_and_key() -> None:
    errors = setting_errors({"chronicall_reports": [{"key": KEY}], **INFINITY})
    assert errors == [
        "Setting chronicall_reports: reports are listed but chronicall_url and chronicall_api_key not set"
    ]


def test_stream_filters_name_streams_and_their_fields() -> None:
    assert stream_filter_errors({"stream_filters": {"numbers": ["usageType-eq-value-fixed"]}}) == []
    assert (
        "is not an Infinity stream"
        in stream_filter_errors({"stream_filters": {"nums": ["ch-eq-value-1"]}})[0]
    )
    assert stream_filter_errors({"stream_filters": {"dgrps": ["ch-eq-value-1"]}}) == [
        "Setting stream_filters.dgrps: 'ch-eq-value-1': dgrps has no field 'ch'"
    ]


@pytest.mark.parametrize(
    ("text", "seconds"), [("P1D", 86400), ("PT6H", 21600), ("P1W", 604800), ("PT0S", 0), ("PT2H30M", 9000)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).in_seconds() == seconds


@pytest.mark.parametrize("text", ["1D", "P", "2024-01-01", None, 7, "PT0S"])
def test_durations_refused(text: Any) -> None:
    with pytest.raises(ValueError):
        parse_duration(text, allow_zero=False)


@pytest.mark.parametrize(
    ("state", "errors"),
    [
        ({}, []),
        (
            {"bookmarks": {"calls": {"partitions": [{"context": {"igrp": 1}, "replication_key_value": 5}]}}},
            [],
        ),
        ([], ["State: it is a list, not an object"]),
        ({"bookmarks": []}, ["State: bookmarks is a list, not an object of streams"]),
        ({"bookmarks": {"calls": 5}}, ["State: bookmarks.calls is a int, not an object"]),
        ({"bookmarks": {"calls": {"partitions": {}}}}, ["State: bookmarks.calls.partitions is not a list"]),
    ],
)
def test_state_shapes(state: Any, errors: list[str]) -> None:
    found = state_errors(state)
    assert len(found) == len(errors) and all(f.startswith(e) for f, e in zip(found, errors, strict=True))
