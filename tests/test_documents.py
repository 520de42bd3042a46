"""The vendor documents' own examples as fixtures: served byte for byte, read whole by the tap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import Emulator
from emulator.chronicall import AGENT_TALKING_SUMMARY_KEY
from emulator.documented import (
    DOC_001_ALIAS_LINES,
    DOC_001_ALIAS_QUERY,
    DOC_001_ORGANISATION_LINES,
    DOC_002_ITEMISED_LINES,
    DOC_002_NOTES,
    DOC_002_TRIGGER_LINES,
    DOC_004_REQUEST_BODY,
    DOC_004_RESPONSE_BODY,
)
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import discover, run_tap, select

#: The documents, where this checkout sits beside the workplace's shared folder.
DOCS = Path(__file__).resolve().parents[2] / "shared" / "api-docs"

#: Every example request of docs 000-002 as printed (XXX: an installation of the emulator), with
#: the status the emulator answers: the API's own examples are not refused.
PRINTED_REQUESTS = [
    (
        "/reports/v2/igrps/XXX/dgrps?igrp=XXX&format=csv&display[]=dgrpName&display[]=dgrp&display[]=startDate",
        200,
    ),
    (
        "/reports/v2/igrps/XXX/dgrps?igrp=XXX&format=csv&display[]=dgrpName&display[]=dgrp&display[]=startDate"
        "&sort[]=startDate-asc",
        200,
    ),
    ("/reports/v2/triggers/all?igrp=XXX&limit=50000&sort[]=rowId-asc", 200),
    ("/reports/v2/triggers/all?igrp=XXX&limit=50000&sort[]=rowId-asc&filter[]=rowId-gt-value-76532", 200),
    # The support article's own placeholder date: refused, naming it.
    (
        "/reports/v2/triggers/calls?igrp=XXX&limit=50000&startDate=YYYY-MM-MM&endDate=2016-05-01&format=csv"
        "&display[]=triggerDatetime&display[]=dgrp&display[]=dialledPhoneNumber&display[]=srcPhoneNumber"
        "&display[]=destPhoneNumber&display[]=chName&display[]=callDuration&display[]=chType&display[]=matchRef",
        400,
    ),
    (
        "/config/v2/igrps/2139/dgrps?&limit=1000&format=debug&display[]=dgrpName&display[]=dgrp"
        "&display[]=autoDiscoveryNumber",
        200,
    ),
    (
        "/reports/v2/triggers/calls?igrp=XXXX&sort[]=triggerDatetime-desc&limit=50000&format=csv"
        "&display[]=triggerDatetime&display[]=srcPhoneNumber&display[]=callState",
        200,
    ),
    (
        "/reports/v2/triggers/calls?igrp=XXXX&sort[]=triggerDatetime-desc&limit=50000&format=csv"
        "&display[]=triggerDatetime&display[]=srcPhoneNumber&display[]=callState&display[]=txr"
        "&display[]=destPhoneNumber&display[]=ringTime",
        200,
    ),
    (
        "/config/v2/igrps/XXX/dgrps/all/numbers?format=debug&filter[] =usageType-eq-value-fixed"
        "&filter[]=ch-eq-value-0&display[]=dgrp&display[]=dgrpName&display[]=phoneNumber&sort[]=dgrp-asc",
        200,
    ),
    (
        "/config/v2/igrps/XXX/dgrps?format=csv&display[]=dgrpName&display[] =autoDiscoveryNumber&display[]=dgrp",
        200,
    ),
    (
        "/reports/v2/igrps/XXX/organisations/?format=csv&sort[]=orgName-asc&display[]=orgId&display[]=orgName",
        200,
    ),
    (
        "/reports/v2/triggers/calls?igrp=XXX&limit=50000&format=csv&display[]=vid&display[]=dgrp"
        "&display[]=dialledPhoneNumber&display[]=srcPhoneNumber&display[]=destPhoneNumber&display[]=chName"
        "&display[]=callDuration&display[]=chType&display[]=matchRef&display[]=c_gua_cid&sort[]=rowId-desc",
        200,
    ),
    (
        "/reports/v2/triggers/calls?igrp=XXX&limit=50000&format=csv&display[]=vid&display[]=dgrp"
        "&display[]=dialledPhoneNumber&display[]=srcPhoneNumber&display[]=destPhoneNumber&display[]=chName"
        "&display[]=callDuration&display[]=chType&display[]=matchRef&display[]=c_gua_cid&sort[]=rowId-desc"
        "&startDate=2016-02-21&endDate=2016-06-21&display[]=triggerDatetime",
        200,
    ),
    (
        "/reports/v2/triggers/goals?igrp=XXX&limit=50000&startDate=2016-02-08&endDate=2016-07-08&sort[]=rowId-desc"
        "&format=debug&display[]=txr&display[]=vid&display[]=triggerDatetime&display[]=href&display[]=vref"
        "&display[]=goal&display[]=chName&display[]=campaign&display[]=adGroup&display[]=matchRef"
        "&display[]=matchType&display[]=dialledPhoneNumber&display[]=destPhoneNumber&display[]=srcPhoneNumber"
        "&display[]=callDuration",
        200,
    ),
    ("/reports/v2/igrps/1/triggers/all?startDate=2018-01-01&endDate=2018-07-01&limit=2", 200),
    (
        "/reports/v2/igrps/1/triggers/all?startDate=2015-05-01&endDate=2015-05-31&tz=Europe%2FLondon&limit=1000"
        "&filter[]=rowId-gt-value-0",
        200,
    ),
    (
        "/reports/v2/igrps/1/triggers/all?startDate=2015-05-01&endDate=2015-05-31&tz=Europe%2FLondon&limit=1000"
        "&filter[]=rowId-gt-value-141248745",
        200,
    ),
]
#: Requests built from the documents' fragments (doc 000's filters appended to a route, doc 001's
#: alias example on igrp 2's triggers).
FRAGMENT_REQUESTS = [
    ("/reports/v2/triggers/goals?igrp=XXX&filter[]=ch-eq-value-3&filter[]=segment-eq-value-4", 200),
    ("/reports/v2/triggers/all?igrp=XXX&filter[]=outcomeType-ne-value-V", 200),
    (f"/reports/v2/igrps/2/triggers/all?{DOC_001_ALIAS_QUERY}", 200),
]


@pytest.fixture(scope="module")
def documented() -> Iterator[Emulator]:
    with Emulator({101: 300, 2139: 50}, seed=9, username=USERNAME, password=PASSWORD, documented=True) as emu:
        yield emu


@pytest.mark.skipif(not DOCS.is_dir(), reason="the documents are not beside this checkout")
def test_the_fixtures_are_the_documents_own_bytes() -> None:
    text = {path.name[:3]: path.read_bytes() for path in DOCS.glob("0*.txt")}
    for line in DOC_002_TRIGGER_LINES + DOC_002_ITEMISED_LINES:
        assert b"\n" + line + b"\n" in text["002"] + b"\n"  # whole lines (the last ends the file)
    for line in DOC_001_ORGANISATION_LINES + DOC_001_ALIAS_LINES:
        assert b"\n" + line + b"\n" in text["001"]
    assert DOC_004_REQUEST_BODY[0] in text["004"] and DOC_004_RESPONSE_BODY[0] in text["004"]
    assert DOC_001_ALIAS_QUERY.encode() in text["001"]
    printed = b"".join(text.values()).replace(b"\n", b"")  # the article breaks long URLs
    for request, _ in PRINTED_REQUESTS:
        assert b"https://api.infinitycloud.com" + request.encode() in printed, request


@pytest.mark.parametrize(("request_line", "status"), PRINTED_REQUESTS + FRAGMENT_REQUESTS)
def test_every_documented_request_is_answered(documented: Emulator, request_line: str, status: int) -> None:
    url = documented.url + request_line.replace("XXXX", "101").replace("XXX", "101")
    response = requests.get(url, auth=(USERNAME, PASSWORD), timeout=30)
    assert response.status_code == status, response.text[:200]
    if status == 400:
        assert "startDate" in response.json()


def test_the_documented_responses_are_served_byte_for_byte(documented: Emulator) -> None:
    def body(path: str) -> bytes:
        return requests.get(documented.url + path, auth=(USERNAME, PASSWORD), timeout=30).content

    assert body("/reports/v2/igrps/1/triggers/all?startDate=2018-01-01&endDate=2018-07-01&limit=2") == (
        b"".join(line + b"\n" for line in DOC_002_TRIGGER_LINES)
    )
    assert body("/reports/v2/igrps/1/triggers/itemisedCalls") == b"".join(
        line + b"\n" for line in DOC_002_ITEMISED_LINES
    )
    assert body("/reports/v2/igrps/1/organisations") == b"".join(
        line + b"\n" for line in DOC_001_ORGANISATION_LINES
    )
    assert body(f"/reports/v2/igrps/2/triggers/all?{DOC_001_ALIAS_QUERY}") == b"".join(
        line + b"\n" for line in DOC_001_ALIAS_LINES
    )


def test_the_tap_reads_the_documented_triggers_whole(documented: Emulator) -> None:
    """Doc 002's example lines (their notes unescaped) sync with exit 0, every field right."""
    config = tap_config(documented, igrps=[1])
    catalog = select(discover(config), ["triggers_all", "itemised_calls", "organisations"])
    result = run_tap(config, catalog)
    triggers = {r["rowId"]: r for r in result.records["triggers_all"]}
    assert sorted(triggers) == [1, 2, 4, 7]
    first, second = triggers[1], triggers[2]
    assert first["notes"] == second["notes"] == DOC_002_NOTES
    assert json.loads(first["notes"])[1] == {"note": "Test Note 2", "createDatetime": "2023-01-02 10:30:00"}
    assert (first["leadScore"], second["leadScore"]) == (100, 300)
    assert first["triggerDatetime"] == "2018-01-16T13:20:11Z"
    assert first["visitorFirstDatetime"] == "2018-01-16T13:20:11Z"
    assert (first["pageTitle"], first["landingPageId"], first["conversionPageId"]) == (
        "TTS number allocation test site UK's",
        0,
        0,
    )
    assert (first["totalContactKeywordScore"], first["lat"], first["ip"]) == (-176, 0.0, "127.0.0.1")
    assert (second["txv"], second["goalValue"], second["outcomeType"], second["lands"]) == (
        "0.00",
        "0.00",
        "C",
        0,
    )
    assert second["dgrpName"] == "Test DGR P SO  " and second["srcPhoneNumber"] == "test.user2"
    assert all("_sdc_unparsed" not in r for r in triggers.values())
    itemised = {r["rowId"]: r for r in result.records["itemised_calls"]}
    assert itemised[4]["callCharge"] == "0.020000" and itemised[7]["perMinuteCharge"] == "0.000000"
    assert itemised[7]["triggerDatetime"] == "2018-01-26T12:07:55Z"
    organisations = [(r["orgId"], r["orgTitle"], r["orgCreated"]) for r in result.records["organisations"]]
    assert organisations == [
        (101, "Organisation One", "2012-02-29T15:20:13Z"),
        (102, "Organisation Two", "2012-02-29T15:20:13Z"),
        (103, "Organisation Three", "2012-02-29T15:20:13Z"),
    ]
    assert "triggers_all: repaired 2 lines whose embedded JSON was not escaped (notes: 2)" in result.stderr


def test_the_tap_reads_the_documented_chronicall_report(documented: Emulator) -> None:
    """Doc 004's example request, made by the tap, answered with doc 004's example response."""
    config: dict[str, Any] = {
        "chronicall_url": documented.url,
        "chronicall_api_key": "chron-key",
        "chronicall_timezone": "America/Denver",  # -06:00 in September, as in the example
        "chronicall_start_date": "2019-09-09",
        "end_date": "2019-09-10",
        "chronicall_window": "P2D",
        "chronicall_reports": [
            {
                "key": AGENT_TALKING_SUMMARY_KEY,
                "name": "agents",
                "parameters": [
                    {
                        "name": "Rows (Agent)",
                        "valueType": "PBX_USERS",
                        "value": {"type": "PBX_USERS", "pbxUsers": [{"key": "Agent1(200)"}]},
                    }
                ],
            }
        ],
    }
    result = run_tap(config, select(discover(config), ["chronicall_reports"]))
    (row,) = result.records["chronicall_reports"]
    assert (row["title"], row["report_id"], row["execution_id"]) == (
        "Agent Talking Summary",
        48,
        "3eb08a9a-0f05-44b8-a0b0-ba7338a1d2e5",
    )
    assert (row["timeframe_start"], row["timeframe_end"]) == (
        "2019-09-09T00:00:00-06:00",
        "2019-09-11T00:00:00-06:00",
    )
    assert row["values"] == {
        "agent": "Agent1(200)",
        "inbound_calls": 4,
        "outbound_calls": 6,
        "internal_calls": 4,
        "total_calls": 14,
        "total_talking": 12673.424,  # DURATION milliseconds, as seconds
        "avg_talking": 1810.489,
    }
    assert row["summary"]["total_talking"] == 12673.424 and row["summary"]["avg_total_calls"] == 14.0
