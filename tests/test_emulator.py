"""Tests of the Infinity Reports API v2 emulator over real HTTP (requests)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from emulator import ApiError, Emulator, schema
from emulator.documented import parse_served

USER, PASSWORD = "api.user@example.com", "s3cret-pass"
MAX_LIMIT = 1000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def emu():
    with Emulator(
        igrps={101: 3000, 202: 500},
        seed=7,
        username=USER,
        password=PASSWORD,
        forbidden_igrps=(303,),
        max_limit=MAX_LIMIT,
        chronicall_api_key="chron-key",
    ) as e:
        yield e


@pytest.fixture
def fresh():
    """A private emulator for tests that change data or inject faults."""
    with Emulator(
        igrps={101: 400, 202: 300}, seed=3, username=USER, password=PASSWORD, max_limit=MAX_LIMIT
    ) as e:
        yield e


def session() -> requests.Session:
    """Authenticated, asking for JSON (the API's default format is CSV) unless told otherwise."""
    s = requests.Session()
    s.auth = (USER, PASSWORD)
    s.params = {"format": "json"}
    return s


def triggers_url(e: Emulator, route: str = "all", igrp: int = 101) -> str:
    return f"{e.url}/reports/v2/igrps/{igrp}/triggers/{route}"


def get_rows(e: Emulator, route: str, params: dict, igrp: int = 101) -> list[dict]:
    r = session().get(triggers_url(e, route, igrp), params=params)
    assert r.status_code == 200, r.text
    return [parse_served(line) for line in r.text.splitlines()]


# -- auth, routing, errors ------------------------------------------------------------------------


def test_auth_is_required(emu):
    url = triggers_url(emu)
    for auth in (None, (USER, "wrong"), ("someone", PASSWORD)):
        r = requests.get(url, params={"limit": 1}, auth=auth)
        assert r.status_code == 401
        assert r.headers["Content-Type"].startswith("application/json")
        assert isinstance(r.json(), str) and "Unauthorized" in r.json()
    r = requests.get(url, params={"limit": 1}, headers={"Authorization": "Basic !!notbase64"})
    assert r.status_code == 401


def test_json_is_the_default_format_and_csv_needs_display(emu):
    """Doc 002's own example request has no format and shows JSON lines (its "csv (by default)"
    says otherwise); CSV, XML and debug are there when asked for."""
    plain = requests.Session()
    plain.auth = (USER, PASSWORD)
    r = plain.get(triggers_url(emu), params={"limit": 2})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert [parse_served(line)["igrp"] for line in r.text.splitlines()] == ["101", "101"]
    r = plain.get(triggers_url(emu), params={"limit": 2, "format": "csv"})
    assert r.status_code == 400 and "display parameter is required" in r.json()
    for fmt, content_type in (("xml", "application/xml"), ("debug", "text/plain")):
        r = plain.get(triggers_url(emu), params={"limit": 2, "format": fmt, "display[]": ["rowId"]})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(content_type)
    r = plain.get(triggers_url(emu), params={"limit": 2, "format": "csv", "display[]": ["rowId", "src"]})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "rowId,src"


def test_igrp_access_and_routes(emu):
    s = session()
    assert s.get(triggers_url(emu, igrp=999)).json() == "Resource not found"
    assert s.get(triggers_url(emu, igrp=999)).status_code == 404
    assert s.get(triggers_url(emu, igrp=303)).status_code == 403
    assert s.get(triggers_url(emu, "nonsense")).status_code == 404
    assert s.get(f"{emu.url}/reports/v2/nothing").status_code == 404
    assert s.post(triggers_url(emu), data=b"x").status_code == 405
    legacy = s.get(f"{emu.url}/reports/v2/triggers/calls", params={"igrp": 101, "limit": 50})
    assert legacy.status_code == 200
    assert legacy.text == s.get(triggers_url(emu, "calls"), params={"limit": 50}).text
    assert s.get(f"{emu.url}/reports/v2/triggers/calls").status_code == 400


def test_limit_above_maximum_is_an_error_not_a_truncation(emu):
    r = session().get(triggers_url(emu), params={"limit": MAX_LIMIT + 1})
    assert r.status_code == 400 and str(MAX_LIMIT) in r.json()
    assert session().get(triggers_url(emu), params={"limit": MAX_LIMIT}).text.count("\n") == MAX_LIMIT


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"filter[]": "rowId-gt-1"}, "filter"),
        ({"filter[]": "rowId-zz-value-1"}, "operand"),
        ({"filter[]": "nosuch-eq-value-1"}, "nosuch"),
        ({"filter[]": "rowId-gt-value-abc"}, "number"),
        ({"filter[]": "triggerDatetime-gt-value-2024-02-30"}, "YYYY-MM-DD"),
        ({"filter[]": "pt_campaignSource-eq-value-x"}, "custom"),
        ({"sort[]": "c_gua_cid-asc"}, "custom"),
        ({"sort[]": "rowId-sideways"}, "sort"),
        ({"sort[]": "nosuch-asc"}, "nosuch"),
        ({"display[]": "nosuch"}, "nosuch"),
        ({"display[]": "vid-"}, "alias"),
        ({"startDate": "2024-3-1"}, "YYYY-MM-DD"),
        ({"endDate": "yesterday"}, "YYYY-MM-DD"),
        ({"tz": "Mars/Olympus_Mons"}, "timezone"),
        ({"format": "pdf"}, "format"),
        ({"format": "csv"}, "display"),
        ({"group[]": "nonsense"}, "group"),
    ],
)
def test_bad_parameters_are_400_with_a_message(emu, params, needle):
    r = session().get(triggers_url(emu), params=params)
    assert r.status_code == 400
    message = r.json()
    assert isinstance(message, str) and needle.lower() in message.lower()
    with pytest.raises(ApiError) as exc:
        emu.rows("/reports/v2/igrps/101/triggers/all", params)
    assert exc.value.status == 400


# -- response format ------------------------------------------------------------------------------


def test_ndjson_lines_of_strings(emu):
    r = session().get(triggers_url(emu), params={"limit": 500})
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Content-Length"] == str(len(r.content))
    assert r.text.endswith("\n") and r.text.count("\n") == 500
    rows = [parse_served(line) for line in r.text.split("\n")[:-1]]
    for row in rows:
        for key, value in row.items():
            if key == "lands":
                assert value in (0, 1) and isinstance(value, int)  # the doc 002 quirk
            else:
                assert isinstance(value, str), (key, value)
        assert row["rowId"].isdigit()
    by_act = {row["act"]: row for row in rows}
    land, call = by_act["land"], by_act["call"]
    assert list(land)[: len(schema.WEB_SHAPE)] == list(schema.WEB_SHAPE)
    assert list(call)[: len(schema.CALL_SHAPE)] == list(schema.CALL_SHAPE)
    for act in ("goal", "trans"):
        assert list(by_act[act])[: len(schema.WEB_TXN_SHAPE)] == list(schema.WEB_TXN_SHAPE)
    assert "ip" in land and "whois" in land and "txr" not in land and "lands" not in land
    assert "txr" in call and "outcomeType" in call and "dgrpName" in call and "ip" not in call
    assert call["lands"] == 0 or call["lands"] == 1


def test_generated_data_is_realistic(emu):
    rows = emu.triggers(101)
    ids = [int(r["rowId"]) for r in rows]
    assert ids == sorted(set(ids)) and ids[0] > 100_000_000
    assert any(b - a > 1 for a, b in itertools.pairwise(ids))  # gaps
    times = [r["triggerDatetime"] for r in rows]
    assert times != sorted(times)  # not in rowId order
    acts = Counter(r["act"] for r in rows)
    assert acts["land"] + acts["page"] > len(rows) / 2
    assert 0.12 < acts["call"] / len(rows) < 0.3
    assert any(r.get("outcomeType") == "V" for r in rows)
    assert any(r.get("txv", "0.00") not in ("0.00", "") and r.get("txc") for r in rows)
    assert all(r["callDuration"].isdigit() for r in rows)
    notes = [r["notes"] for r in rows if r["notes"]]
    assert notes and all(isinstance(json.loads(n), list) for n in notes)
    assert any(r.get("lat") not in (None, "", "0.0000") for r in rows)
    # custom fields only where the installation uses them, and only on some rows
    assert 0 < sum("pt_campaignSource" in r for r in rows) < len(rows)
    assert any("c_gua_cid" in r for r in rows)
    assert not any(k.startswith(("pt_", "c_")) for r in emu.triggers(202) for k in r)


def test_same_seed_same_data():
    a = Emulator({5: 200}, seed=11)
    b = Emulator({5: 200}, seed=11)
    c = Emulator({5: 200}, seed=12)
    assert a.triggers(5) == b.triggers(5)
    assert a.triggers(5) != c.triggers(5)


# -- display, filter, sort, limit -----------------------------------------------------------------


def test_display_order_aliases_and_missing_fields(emu):
    display = ["triggerDatetime", "act", "vid-visitorId", "txr", "pt_campaignSource-source", "rowId"]
    rows = get_rows(emu, "all", {"limit": 300, "display[]": display})
    assert len(rows) == 300
    for row in rows:
        assert list(row) == ["triggerDatetime", "act", "visitorId", "txr", "source", "rowId"]
    assert any(r["txr"] == "" for r in rows if r["act"] == "land")  # absent key -> ""
    assert {r["source"] for r in rows} > {""}
    # every requested field exists even for igrps without custom fields
    assert all(r["source"] == "" for r in get_rows(emu, "all", {"limit": 50, "display[]": display}, igrp=202))


def test_filters_are_anded_and_typed(emu):
    rows = get_rows(emu, "calls", {"filter[]": ["callDuration-gt-value-100", "callDuration-lte-value-400"]})
    assert rows and all(100 < int(r["callDuration"]) <= 400 for r in rows)
    truth = [r for r in emu.triggers(101) if r["act"] == "call" and 100 < int(r["callDuration"]) <= 400]
    assert [r["rowId"] for r in rows] == [r["rowId"] for r in truth]

    no_voids = get_rows(emu, "calls", {"filter[]": "outcomeType-ne-value-V"})
    voids = get_rows(emu, "calls", {"filter[]": "outcomeType-eq-value-V"})
    assert voids and all(r["outcomeType"] == "V" for r in voids)
    assert len(no_voids) + len(voids) == len(get_rows(emu, "calls", {}))

    # numeric comparison: "9" < "10" numerically though not as strings
    ids = [int(r["rowId"]) for r in emu.triggers(101)]
    pivot = ids[1500]
    above = get_rows(emu, "all", {"filter[]": f"rowId-gte-value-{pivot}", "display[]": "rowId"})
    assert [int(r["rowId"]) for r in above] == ids[1500 : MAX_LIMIT + 1500]

    # values containing '-' (split on the first "-value-")
    dated = get_rows(
        emu,
        "all",
        {"filter[]": "triggerDatetime-lt-value-2024-03-05 12:00:00", "display[]": ["triggerDatetime"]},
    )
    assert dated and all(r["triggerDatetime"] < "2024-03-05 12:00:00" for r in dated)
    titled = get_rows(
        emu,
        "all",
        {"filter[]": "pageTitle-contains-value-Widget – Ex", "display[]": "pageTitle"},  # noqa: RUF001
    )
    assert titled and all("Widget – Ex" in r["pageTitle"] for r in titled)  # noqa: RUF001


def test_sorting(emu):
    rows = get_rows(
        emu,
        "calls",
        {
            "sort[]": ["callDuration-desc", "triggerDatetime-asc"],
            "display[]": ["callDuration", "triggerDatetime", "rowId"],
        },
    )
    keys = [(-int(r["callDuration"]), r["triggerDatetime"]) for r in rows]
    assert keys == sorted(keys)
    desc = get_rows(emu, "all", {"sort[]": "rowId-desc", "limit": 10, "display[]": "rowId"})
    ids = sorted((int(r["rowId"]) for r in emu.triggers(101)), reverse=True)[:10]
    assert [int(r["rowId"]) for r in desc] == ids
    by_name = (
        session()
        .get(
            f"{emu.url}/reports/v2/igrps/101/organisations/",
            params={"sort[]": "orgName-asc", "display[]": ["orgId", "orgName"]},
        )
        .text
    )
    names = [parse_served(line)["orgName"] for line in by_name.splitlines()]
    assert names == sorted(names)


def test_default_limit_and_offset(emu):
    r = session().get(triggers_url(emu))
    assert r.text.count("\n") == MAX_LIMIT
    first = get_rows(emu, "all", {"limit": 20, "display[]": "rowId"})
    second = get_rows(emu, "all", {"limit": 10, "offset": 10, "display[]": "rowId"})
    assert second == first[10:]


def test_rowid_batching_reconstructs_rows_exactly(emu):
    for route, extra in (
        ("all", {}),
        ("calls", {"startDate": "2024-03-20", "endDate": "2024-05-02"}),
        ("itemisedCalls", {}),
        ("transactions", {"tz": "America/New_York"}),
    ):
        truth = emu.rows(f"/reports/v2/igrps/101/triggers/{route}", {"sort[]": "rowId-asc", **extra})
        got, last, limit = [], 0, 100
        while True:
            page = get_rows(
                emu,
                route,
                {"limit": limit, "sort[]": "rowId-asc", "filter[]": f"rowId-gt-value-{last}", **extra},
            )
            got.extend(page)
            if len(page) < limit:
                break
            last = page[-1]["rowId"]
        assert got == truth and len(truth) > limit, route


def test_route_membership(emu):
    all_rows = emu.triggers(101)

    def ids(route: str) -> list[str]:
        return [r["rowId"] for r in emu.rows(f"/reports/v2/igrps/101/triggers/{route}")]

    calls = [r["rowId"] for r in all_rows if r["act"] == "call"]
    goals = [r["rowId"] for r in all_rows if r["goal"] != "0"]
    txns = [
        r["rowId"] for r in all_rows if (r.get("txc") or r.get("goalCurrency")) and r["act"] != "callRate"
    ]
    assert ids("calls") == calls
    assert ids("users") == [r["rowId"] for r in all_rows if r["act"] == "callUser"]
    assert ids("goals") == goals and ids("transactions") == txns
    assert any(r["act"] == "callRate" and r["txc"] for r in all_rows)
    assert ids("callsGoalsTransactions") == sorted(set(calls) | set(goals) | set(txns), key=int)
    itemised = emu.rows("/reports/v2/igrps/101/triggers/itemisedCalls")
    assert [r["rowId"] for r in itemised] == calls
    assert all(tuple(r) == schema.ITEMISED_FIELDS for r in itemised)
    assert all(len(r["callCharge"].split(".")[1]) == 6 for r in itemised)


# -- dates, timezones, PII, organisations ----------------------------------------------------------


def test_dates_are_inclusive_and_rendered_in_tz(emu):
    london = ZoneInfo("Europe/London")
    utc_rows = {r["rowId"]: r for r in emu.triggers(101)}
    rows = get_rows(
        emu,
        "all",
        {"startDate": "2024-03-30", "endDate": "2024-04-02", "tz": "Europe/London", "limit": MAX_LIMIT},
    )
    assert rows
    expected = []
    for rid, raw in utc_rows.items():
        local = (
            datetime.fromisoformat(raw["triggerDatetime"]).replace(tzinfo=ZoneInfo("UTC")).astimezone(london)
        )
        if "2024-03-30" <= local.strftime("%Y-%m-%d") <= "2024-04-02":
            expected.append((rid, local.strftime("%Y-%m-%d %H:%M:%S")))
    assert [(r["rowId"], r["triggerDatetime"]) for r in rows] == expected
    # BST (from 31 March 01:00 UTC) is UTC+1, GMT before it is UTC+0; every datetime field shifts
    for r in rows:
        raw = utc_rows[r["rowId"]]
        for name in ("triggerDatetime", "visitorFirstDatetime"):
            if name in raw:
                utc = datetime.fromisoformat(raw[name])
                shift = datetime.fromisoformat(r[name]) - utc
                assert shift == (timedelta(hours=1) if utc >= datetime(2024, 3, 31, 1) else timedelta(0))
        assert {k: v for k, v in r.items() if not k.endswith("Datetime")} == {
            k: v for k, v in raw.items() if not k.endswith("Datetime")
        }
    utc_day = get_rows(
        emu, "all", {"startDate": "2024-04-01", "endDate": "2024-04-01", "display[]": "triggerDatetime"}
    )
    assert utc_day and all(r["triggerDatetime"].startswith("2024-04-01") for r in utc_day)
    assert get_rows(emu, "all", {"startDate": "2024-04-02", "endDate": "2024-04-01"}) == []


def test_exclude_pii(emu):
    plain = get_rows(emu, "all", {"limit": 400})
    redacted = get_rows(emu, "all", {"limit": 400, "excludePiiData": 1})
    for a, b in zip(plain, redacted, strict=True):
        if "ip" in a:
            assert b["ip"] == a["ip"].rsplit(".", 1)[0] + ".X"
            assert b["host"] == "" and b["whois"] == ""
        if len(a["srcPhoneNumber"]) >= 4 and a["srcPhoneNumber"][-4:].isdigit():
            assert b["srcPhoneNumber"] == a["srcPhoneNumber"][:-4] + "XXXX"
        assert {k: v for k, v in a.items() if k not in ("ip", "host", "whois", "srcPhoneNumber")} == {
            k: v for k, v in b.items() if k not in ("ip", "host", "whois", "srcPhoneNumber")
        }
    assert any(a["srcPhoneNumber"] != b["srcPhoneNumber"] for a, b in zip(plain, redacted, strict=True))


def test_organisations_and_root_org(emu):
    s = session()
    orgs = [
        parse_served(line)
        for line in s.get(f"{emu.url}/reports/v2/igrps/101/organisations").text.splitlines()
    ]
    assert orgs and all({"orgId", "orgTitle", "orgName", "orgCreated", "parentOrgId"} <= set(o) for o in orgs)
    roots = [o for o in orgs if o["parentOrgId"] == 0]
    assert len(roots) == 1
    child = next(o for o in orgs if o["parentOrgId"] == roots[0]["orgId"])
    subtree, frontier = {child["orgId"]}, [child["orgId"]]
    while frontier:
        parent = frontier.pop()
        for o in orgs:
            if o["parentOrgId"] == parent:
                subtree.add(o["orgId"])
                frontier.append(o["orgId"])
    got = [
        parse_served(line)["orgId"]
        for line in s.get(
            f"{emu.url}/reports/v2/igrps/101/organisations", params={"rootOrgId": child["orgId"]}
        ).text.splitlines()
    ]
    assert set(got) == subtree
    rows = emu.rows("/reports/v2/igrps/101/triggers/all", {"rootOrgId": child["orgId"]})
    assert rows and all(int(r["orgId"]) in subtree for r in rows)
    assert len(rows) == sum(int(r["orgId"]) in subtree for r in emu.triggers(101))


def test_config_routes(emu):
    s = session()
    dgrps = [parse_served(x) for x in s.get(f"{emu.url}/config/v2/igrps/101/dgrps").text.splitlines()]
    assert 10 <= len(dgrps) <= 50
    page = [
        parse_served(x)
        for x in s.get(
            f"{emu.url}/config/v2/igrps/101/dgrps", params={"limit": 5, "offset": 5}
        ).text.splitlines()
    ]
    assert page == dgrps[5:10]
    numbers = s.get(
        f"{emu.url}/config/v2/igrps/101/dgrps/all/numbers",
        params={
            "filter[]": ["usageType-eq-value-fixed", "ch-eq-value-0"],
            "display[]": ["dgrp", "dgrpName", "phoneNumber"],
            "sort[]": "dgrp-asc",
        },
    )
    fixed = [parse_served(x) for x in numbers.text.splitlines()]
    assert len(fixed) == len(dgrps) and all(list(n) == ["dgrp", "dgrpName", "phoneNumber"] for n in fixed)
    all_numbers = emu.rows("/config/v2/igrps/101/dgrps/all/numbers")
    assert {n["usageType"] for n in all_numbers} == {"fixed", "pool"}
    one = emu.rows(f"/config/v2/igrps/101/dgrps/{dgrps[0]['dgrp']}/numbers")
    assert one and all(n["dgrp"] == dgrps[0]["dgrp"] for n in one)


def test_csv_format(emu):
    r = session().get(
        f"{emu.url}/config/v2/igrps/101/dgrps",
        params={"format": "csv", "display[]": ["dgrpName", "dgrp", "startDate"], "sort[]": "startDate-asc"},
    )
    assert r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0] == "dgrpName,dgrp,startDate"
    dates = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert dates == sorted(dates)


# -- appends and corruption -----------------------------------------------------------------------


def test_append_triggers_and_late_rows(fresh):
    before = fresh.triggers(101)
    last_id = int(before[-1]["rowId"])
    new = fresh.append_triggers(101, 200, late_fraction=0.3)
    assert len(new) == 200
    new_ids = [int(r["rowId"]) for r in new]
    assert new_ids == sorted(new_ids) and new_ids[0] > last_id
    latest_before = max(r["triggerDatetime"] for r in before)
    late = [r for r in new if r["triggerDatetime"] < latest_before]
    assert 30 <= len(late) <= 100
    median = sorted(r["triggerDatetime"] for r in before)[len(before) // 2]
    assert any(r["triggerDatetime"] < median for r in late)  # older than many existing rows
    page = get_rows(fresh, "all", {"filter[]": f"rowId-gt-value-{last_id}", "sort[]": "rowId-asc"})
    assert page == new
    assert fresh.triggers(101) == before + new
    r = requests.post(f"{fresh.url}/_emulator/append", params={"igrp": 101, "count": 5, "late_fraction": 0})
    assert r.json() == {"appended": 5, "max_row_id": int(fresh.triggers(101)[-1]["rowId"])}
    counts = requests.get(f"{fresh.url}/_emulator/counts").json()
    assert counts["101"]["all"] == len(before) + 205
    assert set(counts["101"]) >= {
        "all",
        "calls",
        "goals",
        "transactions",
        "itemisedCalls",
        "dgrps",
        "numbers",
        "organisations",
    }


def test_corrupt_row(fresh):
    rows = fresh.triggers(101)
    target = rows[3]["rowId"]
    raw = f'{{"rowId":"{target}","triggerDatetime":"2024-03-0'
    fresh.corrupt_row(101, int(target), raw)
    lines = session().get(triggers_url(fresh), params={"limit": 10}).text.splitlines()
    assert lines[3] == raw
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[3])
    assert [parse_served(x) for i, x in enumerate(lines) if i != 3] == [
        r for i, r in enumerate(rows[:10]) if i != 3
    ]
    assert fresh.rows("/reports/v2/igrps/101/triggers/all", {"limit": 10}) == rows[:10]


# -- faults ---------------------------------------------------------------------------------------


def test_error_faults(fresh):
    s = session()
    fresh.set_faults(rate=0, retry_after="0")
    fresh.fail_next("429")
    r = s.get(triggers_url(fresh), params={"limit": 5})
    assert r.status_code == 429 and r.headers["Retry-After"] == "0" and isinstance(r.json(), str)
    for kind in ("500", "502", "503", "504", "400", "401", "403", "404"):
        fresh.fail_next(kind)
        r = s.get(triggers_url(fresh), params={"limit": 5})
        assert r.status_code == int(kind) and isinstance(r.json(), str)
    assert s.get(triggers_url(fresh), params={"limit": 5}).status_code == 200


def test_reset_fault_raises_connection_error(fresh):
    s = session()
    assert s.get(triggers_url(fresh), params={"limit": 5}).ok  # a pooled keep-alive connection
    fresh.fail_next("reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(triggers_url(fresh), params={"limit": 5})
    assert s.get(triggers_url(fresh), params={"limit": 5}).ok


def test_truncate_fault_gives_an_incomplete_body(fresh):
    s = session()
    fresh.fail_next("truncate", count=2)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = s.get(triggers_url(fresh), params={"limit": 200}).content
    r = s.get(triggers_url(fresh), params={"limit": 200}, stream=True)
    assert r.status_code == 200
    complete = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for line in r.iter_lines():
            complete.append(parse_served(line))
    assert 1 <= len(complete) < 200  # some complete lines, then the cut
    assert s.get(triggers_url(fresh), params={"limit": 200}).text.count("\n") == 200


@pytest.mark.parametrize("kind", ["cut-lines", "chunked-cut"])
def test_body_cut_after_a_complete_line_is_still_detectable(fresh, kind):
    """Only whole lines arrive, yet the HTTP framing (Content-Length, or the missing last chunk)
    tells the client the body is incomplete."""
    fresh.fail_next(kind)
    r = session().get(triggers_url(fresh), params={"limit": 200}, stream=True)
    assert r.status_code == 200
    assert ("Transfer-Encoding" in r.headers) == (kind == "chunked-cut")
    complete = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for line in r.iter_lines():
            complete.append(parse_served(line))
    assert 1 <= len(complete) < 200


def test_stall_fault_pauses_mid_body(fresh):
    fresh.set_faults(rate=0, slow_seconds=1.5)
    fresh.fail_next("stall")
    r = session().get(triggers_url(fresh), params={"limit": 200}, stream=True, timeout=0.5)
    received = 0
    with pytest.raises(requests.exceptions.ConnectionError):  # requests' read timeout mid-body
        for _ in r.iter_lines():
            received += 1
    assert 1 <= received < 200
    fresh.fail_next("stall")
    assert session().get(triggers_url(fresh), params={"limit": 200}, timeout=5).text.count("\n") == 200


def test_slow_fault_hits_read_timeout(fresh):
    fresh.set_faults(rate=0, slow_seconds=1.5)
    fresh.fail_next("slow")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        session().get(triggers_url(fresh), params={"limit": 5}, timeout=0.4)
    assert time.monotonic() - started < 1.4
    fresh.fail_next("slow")
    assert session().get(triggers_url(fresh), params={"limit": 5}, timeout=5).ok


def test_fail_next_path_filter_and_request_log(fresh):
    s = session()
    fresh.clear_request_log()
    fresh.fail_next("503", path_contains="rowId-gt-value-7")
    assert s.get(triggers_url(fresh), params={"limit": 1}).status_code == 200
    assert s.get(triggers_url(fresh, "calls"), params={"filter[]": "rowId-gt-value-7"}).status_code == 503
    assert s.get(triggers_url(fresh, "calls"), params={"filter[]": "rowId-gt-value-7"}).status_code == 200
    requests.get(f"{fresh.url}/_emulator/counts")  # control routes are not logged
    log = fresh.request_log
    assert [(e.status, e.fault) for e in log] == [(200, None), (503, "503"), (200, None)]
    assert log[1].method == "GET" and log[1].path.endswith("/triggers/calls")
    assert log[1].query == {"format": ["json"], "filter[]": ["rowId-gt-value-7"]}
    assert log[1].headers["Authorization"].startswith("Basic ")


def test_random_faults(fresh):
    fresh.set_faults(rate=0.5, kinds=("500", "reset", "truncate", "429"), seed=5)
    outcomes = Counter()
    s = session()
    for _ in range(60):
        try:
            r = s.get(triggers_url(fresh), params={"limit": 50}, timeout=5)
            outcomes[r.status_code] += 1
        except requests.exceptions.ChunkedEncodingError:
            outcomes["truncate"] += 1
        except requests.exceptions.ConnectionError:
            outcomes["reset"] += 1
    assert outcomes[200] >= 15 and len(outcomes) == 5, outcomes
    assert requests.get(f"{fresh.url}/_emulator/counts").ok  # never faulted
    r = requests.post(f"{fresh.url}/_emulator/faults", json={"rate": 0})
    assert r.ok
    assert all(s.get(triggers_url(fresh), params={"limit": 5}).ok for _ in range(10))


# -- Chronicall delegation and the command line ---------------------------------------------------


def test_chronicall_is_delegated(emu):
    if emu.chronicall is None:
        pytest.skip("chronicall model not available")
    from emulator.chronicall import AGENT_TALKING_SUMMARY_KEY

    body = {
        "format": "json",
        "parameters": [
            {
                "name": "Report Timeframe",
                "valueType": "REPORT_TIMEFRAME",
                "value": {
                    "type": "REPORT_TIMEFRAME",
                    "start": "2024-09-09T00:00:00.000-06:00",
                    "end": "2024-09-10T23:59:59.000-06:00",
                },
            }
        ],
    }
    url = f"{emu.url}/rest/api/v1/historic-data/{AGENT_TALKING_SUMMARY_KEY}"
    r = requests.post(url, json=body, headers={"Authorization": "Bearer chron-key"})
    assert r.status_code == 200 and "columns" in r.json()
    assert requests.post(url, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_command_line_serves_until_sigterm():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            "0",
            "--igrps",
            "101:2000,202:50",
            "--seed",
            "1",
            "--username",
            "U",
            "--password",
            "P",
            "--chronicall-key",
            "K",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        r = requests.get(f"{url}/reports/v2/igrps/202/triggers/all?format=json", auth=("U", "P"))
        assert r.status_code == 200 and r.text.count("\n") == 50
        assert requests.get(f"{url}/_emulator/counts").json()["101"]["all"] == 2000
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == "" and err == ""


def test_latency_delays_answers_and_caps_their_bandwidth():
    """The benchmark's distant API: time to first byte, then the body at a capped rate."""
    with Emulator({101: 400}, seed=3, username=USER, password=PASSWORD) as e:
        params = {"format": "json", "limit": 200}
        started = time.perf_counter()
        fast = session().get(triggers_url(e), params=params)
        fast_seconds = time.perf_counter() - started
        e.set_latency(first_byte_seconds=0.5, bytes_per_second=len(fast.content) / 0.5)
        started = time.perf_counter()
        slow = session().get(triggers_url(e), params=params)
        slow_seconds = time.perf_counter() - started
        assert slow.content == fast.content
        assert slow_seconds >= 0.5 + 0.5 * 0.9 > fast_seconds
        assert session().get(f"{e.url}/_emulator/clock").elapsed.total_seconds() < 0.5  # control: at once
