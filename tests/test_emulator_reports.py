"""The emulator's reports beyond triggers, over real HTTP: channel metrics (doc 001), call
recordings (docs 000/002), real-time PBX (doc 003), and test controls that change served data.

Expected values are recomputed here from Emulator.triggers() with the definitions in the
emulator's docstring, not with the emulator's own aggregation code.
"""

from __future__ import annotations

import re
import struct
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from emulator import Emulator
from emulator.documented import parse_served

USER, PASSWORD = "api.user@example.com", "s3cret-pass"
METRICS = (
    "visitCount",
    "pageCount",
    "callCount",
    "callDuration",
    "goalCount",
    "callGoalCount",
    "goalCountTotal",
    "goalValue",
    "txCount",
    "txValue",
)
CHANNEL = ("ch", "src", "chName", "chType")
DOC_001_METRICS_REQUESTS = (
    "/reports/v2/metrics/channels?igrp=1&startDate=2015-05-01&endDate=2015-05-31&limit=10000&group[]=ch"
    "&sort[]=ch-asc&customMetrics[goals246]=goalCount_goal_246&customMetrics[goals543]=goalCount_goal_543",
    "/reports/v2/metrics/channels?igrp=1&attributionModelId=1003&startDate=2001-01-01&endDate=2018-01-02"
    "&group%5B0%5D=goal&sort%5B0%5D=goal-desc&chType=direct",
)
#: The documents, where this checkout sits beside the workplace's shared folder.
DOCS = Path(__file__).resolve().parents[2] / "shared" / "api-docs"
MONDAY_3PM = int(datetime(2024, 6, 10, 15, 0, tzinfo=timezone.utc).timestamp())
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        {101: 6000, 202: 200, 404: 100},
        seed=5,
        username=USER,
        password=PASSWORD,
        max_limit=10000,
        documented=True,
        clock=lambda: MONDAY_3PM,
    ) as e:
        yield e


@pytest.fixture
def fresh() -> Iterator[Emulator]:
    """A private emulator for tests that change data, headers, faults or the clock."""
    with Emulator({101: 800, 202: 100}, seed=3, username=USER, password=PASSWORD) as e:
        yield e


def get(e: Emulator, path: str, params: dict | None = None) -> requests.Response:
    return requests.get(e.url + path, params=params, auth=(USER, PASSWORD), timeout=30)


def ndjson(r: requests.Response) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text[:300]
    return [parse_served(line) for line in r.text.splitlines()]


def metrics(e: Emulator, params: dict, igrp: int = 101) -> list[dict[str, Any]]:
    rows = ndjson(get(e, "/reports/v2/metrics/channels", {"igrp": igrp, **params}))
    assert all(isinstance(v, str) for r in rows for v in r.values())
    return rows


# -- an independent model of the channel metrics, from the docstring's definitions --------------


def local_day(row: dict[str, Any], tz: ZoneInfo) -> date:
    moment = datetime.strptime(row["triggerDatetime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return moment.astimezone(tz).date()


def contribution(t: dict[str, Any]) -> dict[str, Any]:
    goal, call = t["goal"] not in ("", "0"), t["act"] == "call"
    tx = bool(t.get("txc")) and t["act"] != "callRate"
    return {
        "visitCount": int(t["act"] == "land"),
        "pageCount": int(t["act"] in ("land", "page")),
        "callCount": int(call),
        "callDuration": int(t["callDuration"]) if call else 0,
        "goalCount": int(goal and not call),
        "callGoalCount": int(goal and call),
        "goalCountTotal": int(goal),
        "goalValue": Decimal(t["goalValue"]) if goal else Decimal(0),
        "txCount": int(tx),
        "txValue": Decimal(t["txv"]) if tx else Decimal(0),
    }


def credited(triggers: list[dict[str, Any]], model: str) -> list[dict[str, Any]]:
    """Each trigger with its channel as the attribution model credits it."""
    lands: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in triggers:  # rowId order
        if t["act"] == "land" and t["vid"]:
            lands[t["vid"]].append(t)
    out = []
    for t in triggers:
        c = contribution(t)
        conversion = c["callCount"] or c["goalCountTotal"] or c["txCount"]
        source = None
        if model != "last" and conversion and lands.get(t["vid"]):
            if model == "first":
                source = lands[t["vid"]][0]
            elif t["chType"] == "direct":
                earlier = [
                    land
                    for land in lands[t["vid"]]
                    if int(land["rowId"]) < int(t["rowId"]) and land["chType"] != "direct"
                ]
                source = earlier[-1] if earlier else None
        out.append({**t, **{k: source[k] for k in CHANNEL}} if source else t)
    return out


def expected(
    triggers: list[dict[str, Any]],
    group: tuple[str, ...],
    keep: Callable[[dict[str, Any]], bool] = lambda t: True,
    customs: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] | None = None,
) -> dict[tuple[str, ...], dict[str, str]]:
    sums: dict[tuple[str, ...], dict[str, Any]] = {}
    for t in triggers:
        if not keep(t):
            continue
        key = tuple(t.get(g, "") for g in group)
        acc = sums.setdefault(key, defaultdict(int))
        c = contribution(t)
        for name in METRICS:
            acc[name] += c[name]
        for ref, (metric, cond) in (customs or {}).items():
            acc[ref] += c[metric] if cond(t) else 0
    decimal = {"goalValue", "txValue"} | {
        ref for ref, (m, _) in (customs or {}).items() if m in ("goalValue", "txValue")
    }
    return {
        key: {name: f"{v:.2f}" if name in decimal else str(v) for name, v in acc.items()}
        for key, acc in sums.items()
    }


def by_key(rows: list[dict[str, Any]], group: tuple[str, ...]) -> dict[tuple[str, ...], dict[str, str]]:
    return {tuple(r[g] for g in group): {k: v for k, v in r.items() if k not in group} for r in rows}


# -- channel metrics ----------------------------------------------------------------------------


def test_metrics_for_a_day_equal_an_independent_count(emu):
    """2024-03-31 in London is a 23-hour day: the window is the local day, as on trigger routes."""
    london = ZoneInfo("Europe/London")
    day = date(2024, 3, 31)
    rows = metrics(
        emu, {"group[]": "ch", "startDate": "2024-03-31", "endDate": "2024-03-31", "tz": "Europe/London"}
    )
    assert [list(r) for r in rows] == [["ch", *METRICS]] * len(rows)
    assert [int(r["ch"]) for r in rows] == sorted(int(r["ch"]) for r in rows)  # default order
    todays = [t for t in emu.triggers(101) if local_day(t, london) == day]
    assert len(todays) > 30
    assert by_key(rows, ("ch",)) == expected(todays, ("ch",))
    assert (
        emu.rows(
            "/reports/v2/metrics/channels",
            {
                "igrp": 101,
                "group[]": "ch",
                "startDate": "2024-03-31",
                "endDate": "2024-03-31",
                "tz": "Europe/London",
            },
        )
        == rows
    )
    # without group[]: one totals row; no triggers at all: zeros; with group[]: no rows
    (total,) = metrics(emu, {"startDate": "2024-03-31", "endDate": "2024-03-31", "tz": "Europe/London"})
    assert total == expected(todays, ())[()]
    (empty,) = metrics(emu, {"startDate": "2030-01-01"})
    assert set(empty.values()) == {"0", "0.00"}
    assert metrics(emu, {"startDate": "2030-01-01", "group[]": "ch"}) == []


def test_custom_metrics_with_several_conditions_values_and_escapes(emu):
    params = {
        "group[]": ["chType", "segment"],
        "customMetrics[onlineGoals]": "goalCount_goal_246,543_chType_ppc,seo",
        "customMetrics[answered]": r"callCount_callState_NORMAL\_CLEARING\_A,NORMAL\_CLEARING\_B",
        "customMetrics[gbpValue]": "goalValue_goalCurrency_GBP_act_goal",
        "customMetrics[anyCall]": "callDuration",
    }
    rows = metrics(emu, params)
    assert list(rows[0]) == ["chType", "segment", *METRICS, "onlineGoals", "answered", "gbpValue", "anyCall"]
    customs = {
        "onlineGoals": ("goalCount", lambda t: t["goal"] in ("246", "543") and t["chType"] in ("ppc", "seo")),
        "answered": ("callCount", lambda t: t.get("callState") in ("NORMAL_CLEARING_A", "NORMAL_CLEARING_B")),
        "gbpValue": ("goalValue", lambda t: t.get("goalCurrency") == "GBP" and t["act"] == "goal"),
        "anyCall": ("callDuration", lambda t: True),
    }
    want = expected(emu.triggers(101), ("chType", "segment"), customs=customs)
    assert by_key(rows, ("chType", "segment")) == want
    assert sum(int(r["onlineGoals"]) for r in rows) > 0 and sum(int(r["answered"]) for r in rows) > 0
    assert all(r["anyCall"] == r["callDuration"] for r in rows)


def test_custom_metric_escaped_commas_and_backslashes(fresh):
    calls = [t for t in fresh.triggers(101) if t["act"] == "call"]
    names = {
        "My_Queue": calls[:3],
        "Service, Support": calls[3:5],
        "My\\Queue": calls[5:9],
        "My": calls[9:10],
    }
    for name, rows in names.items():
        fresh.change_triggers(101, [t["rowId"] for t in rows], operatorRef=name)
    (row,) = metrics(
        fresh,
        {
            "customMetrics[underscoreOrComma]": r"callCount_operatorRef_My\_Queue,Service\, Support",
            "customMetrics[backslash]": r"callCount_operatorRef_My\\\\Queue",
            "customMetrics[plain]": "callCount_operatorRef_My",
        },
    )
    assert (row["underscoreOrComma"], row["backslash"], row["plain"]) == ("5", "4", "1")


def test_channel_type_restricts_and_filters_select(emu):
    everything = by_key(metrics(emu, {"group[]": "chType"}), ("chType",))
    (ppc,) = metrics(emu, {"chType": "ppc"})
    assert ppc == everything[("ppc",)]
    per_ch = metrics(emu, {"chType": "ppc", "group[]": "ch"})
    assert {r["ch"] for r in per_ch} == {"3", "4"}
    assert per_ch == metrics(emu, {"filter[]": "chType-eq-value-ppc", "group[]": "ch"})
    (nothing,) = metrics(emu, {"chType": "nonsense"})
    assert set(nothing.values()) == {"0", "0.00"}
    busy = metrics(emu, {"group[]": "ch", "filter[]": "callCount-gt-value-300"})  # on a metric: rows
    assert busy and all(int(r["callCount"]) > 300 for r in busy)
    assert len(busy) < len(metrics(emu, {"group[]": "ch"}))


def test_attribution_models_credit_channels_differently_with_the_same_totals(emu):
    triggers = emu.triggers(101)
    results = {}
    for model_id, model in (("", "last"), ("1003", "last"), ("1001", "first"), ("1002", "lastNonDirect")):
        rows = metrics(emu, {"group[]": "ch", "attributionModelId": model_id})
        assert by_key(rows, ("ch",)) == expected(credited(triggers, model), ("ch",)), model_id
        results[model_id] = by_key(rows, ("ch",))
    assert results[""] == results["1003"]
    assert results["1001"] != results["1003"] and results["1002"] != results["1003"]
    for model_id in ("1001", "1002"):
        for name in METRICS:
            assert sum(Decimal(r[name]) for r in results[model_id].values()) == sum(
                Decimal(r[name]) for r in results["1003"].values()
            ), (model_id, name)
        for key, row in results[model_id].items():  # visits and pages are never re-credited
            assert (row["visitCount"], row["pageCount"]) == (
                results["1003"][key]["visitCount"],
                results["1003"][key]["pageCount"],
            )
    direct = ("1",)
    assert int(results["1002"][direct]["goalCountTotal"]) < int(results["1003"][direct]["goalCountTotal"])
    r = get(emu, "/reports/v2/metrics/channels", {"igrp": 101, "attributionModelId": "42"})
    assert r.status_code == 400 and "attributionModelId" in r.json()


def test_sort_limit_offset_display_and_formats(emu):
    params = {"group[]": "ch", "customMetrics[goals]": "goalCountTotal"}
    by_goals = metrics(emu, {**params, "sort[]": ["goals-desc", "ch-asc"]})
    keys = [(-int(r["goals"]), int(r["ch"])) for r in by_goals]
    assert keys == sorted(keys)
    assert (
        metrics(emu, {**params, "sort[]": "callCount-asc", "limit": 3, "offset": 2})
        == sorted(by_goals, key=lambda r: int(r["callCount"]))[2:5]
    )
    shown = metrics(
        emu, {**params, "display[]": ["ch-channel", "goals", "visitCount"], "sort[]": "goals-desc"}
    )
    assert shown == [
        {"channel": r["ch"], "goals": r["goals"], "visitCount": r["visitCount"]} for r in by_goals
    ]
    r = get(
        emu,
        "/reports/v2/metrics/channels",
        {"igrp": 101, **params, "format": "csv", "display[]": ["ch", "goals"]},
    )
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "ch,goals" and len(r.text.splitlines()) == len(by_goals) + 1
    assert get(emu, "/reports/v2/metrics/channels", {"igrp": 101, "format": "csv"}).status_code == 400
    r = get(emu, "/reports/v2/igrps/101/metrics/channels", {**params, "format": "xml", "display[]": "ch"})
    assert r.status_code == 200 and r.text.count("<row>") == len(by_goals)
    assert metrics(emu, {**params, "limit": 10000}) == metrics(emu, {**params})
    assert get(emu, "/reports/v2/metrics/channels", {"igrp": 101, "limit": 10001}).status_code == 400


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"customMetrics[x]": "leadCount_goal_1"}, 400, "leadCount"),
        ({"customMetrics[x]": "goalCount_queueName_Sales-Main"}, 400, "queueName"),
        ({"customMetrics[x]": "goalCount_goal"}, 400, "conditionField"),
        ({"customMetrics[ch]": "goalCount_goal_1"}, 400, "reference"),
        ({"customMetrics[x]": "goalCount_goal_1", "group[]": "x"}, 400, "not supported"),
        ({"customMetrics[x]": "goalCount_goal_1", "filter[]": "x-gt-value-1"}, 400, "not supported"),
        ({"group[]": "callCount"}, 400, "group"),
        ({"group[]": "vid"}, 400, "group"),
        ({"sort[]": "nosuch-asc"}, 400, "nosuch"),
        ({"startDate": "2024-13-01"}, 400, "startDate"),
    ],
)
def test_bad_metrics_parameters(emu, params, status, needle):
    r = get(emu, "/reports/v2/metrics/channels", {"igrp": 101, **params})
    assert r.status_code == status and needle in r.json()


@pytest.mark.skipif(not DOCS.is_dir(), reason="the documents are not beside this checkout")
def test_the_metrics_requests_are_doc_001s_own():
    printed = (DOCS / "001_c9e62ee149f07272.txt").read_text().replace("\n", "")
    for request in DOC_001_METRICS_REQUESTS:
        assert "https://api.infinitycloud.com" + request in printed


def test_the_documented_metrics_requests_are_answered(emu):
    for request in DOC_001_METRICS_REQUESTS:
        r = requests.get(emu.url + request, auth=(USER, PASSWORD), timeout=30)
        assert r.status_code == 200 and r.text == "", request  # igrp 1 has no triggers then
    (total,) = metrics(emu, {}, igrp=1)  # doc 002's examples: one land and two itemised calls
    assert (total["visitCount"], total["callCount"], total["callDuration"]) == ("1", "2", "20")
    assert get(emu, "/reports/v2/metrics/channels").status_code == 400  # no igrp
    assert get(emu, "/reports/v2/metrics/nosuch", {"igrp": 101}).status_code == 404
    assert get(emu, "/reports/v2/metrics/channels", {"igrp": 999}).status_code == 404


# -- call recordings ----------------------------------------------------------------------------


def recorded(e: Emulator, igrp: int = 101) -> list[dict[str, Any]]:
    return [t for t in e.triggers(igrp) if t["act"] == "call" and t["rec"] == "1"]


def test_recordings_are_audio_files_with_their_bytes(emu):
    kinds = {}
    for t in recorded(emu)[:12]:
        r = get(emu, f"/reports/v2/igrps/101/callRecording/{t['rowId']}")
        assert r.status_code == 200
        body = r.content
        assert body == emu.recording(101, int(t["rowId"])) and int(r.headers["Content-Length"]) == len(body)
        assert 20_000 <= len(body) <= 300_000
        ext = "wav" if r.headers["Content-Type"] == "audio/wav" else "mp3"
        assert r.headers["Content-Disposition"] == f'attachment; filename="{t["rowId"]}.{ext}"'
        if ext == "mp3":
            assert r.headers["Content-Type"] == "audio/mpeg" and body[:3] == b"ID3"
            tag = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(body[6:10]))
            assert body[tag] == 0xFF and body[tag + 1] & 0xE0 == 0xE0  # an MPEG frame sync
        else:
            assert body[:4] == b"RIFF" and body[8:16] == b"WAVEfmt "
            assert struct.unpack("<I", body[4:8])[0] == len(body) - 8
        kinds[ext] = kinds.get(ext, 0) + 1
    assert set(kinds) == {"mp3", "wav"}
    sizes = {len(emu.recording(101, int(t["rowId"]))) for t in recorded(emu)[:12]}
    assert len(sizes) == 12


def test_missing_recordings_are_404(emu):
    triggers = emu.triggers(101)
    unrecorded = next(t for t in triggers if t["act"] == "call" and t["rec"] == "0")
    land = next(t for t in triggers if t["act"] == "land")
    for row_id in (unrecorded["rowId"], land["rowId"], "1", "abc"):
        r = get(emu, f"/reports/v2/igrps/101/callRecording/{row_id}")
        assert (r.status_code, r.json()) == (404, "Resource not found")
    assert emu.recording(101, int(unrecorded["rowId"])) is None and emu.recording(101, 1) is None
    assert get(emu, f"/reports/v2/igrps/999/callRecording/{unrecorded['rowId']}").status_code == 404


def test_deleted_and_hostile_recordings(fresh):
    first, second, third = (int(t["rowId"]) for t in recorded(fresh)[:3])
    fresh.delete_recording(101, first)
    assert get(fresh, f"/reports/v2/igrps/101/callRecording/{first}").status_code == 404
    assert fresh.recording(101, first) is None
    assert (
        fresh.rows("/reports/v2/igrps/101/triggers/calls", {"filter[]": f"rowId-eq-value-{first}"})[0]["rec"]
        == "1"
    )
    evil = 'attachment; filename="../../../../tmp/evil.sh"'
    fresh.hostile_recordings(101, second, content_type="application/x-sh", content_disposition=evil)
    r = get(fresh, f"/reports/v2/igrps/101/callRecording/{second}")
    assert (r.headers["Content-Type"], r.headers["Content-Disposition"]) == ("application/x-sh", evil)
    assert r.content == fresh.recording(101, second)
    control = requests.post(
        f"{fresh.url}/_emulator/recordings",
        json={
            "igrp": 101,
            "row_id": third,
            "content_type": "audio/mpeg; name=../x",
            "content_disposition": "",
        },
    )
    assert control.json() == {"ok": True}
    r = get(fresh, f"/reports/v2/igrps/101/callRecording/{third}")
    assert r.headers["Content-Type"] == "audio/mpeg; name=../x" and "Content-Disposition" not in r.headers
    requests.post(f"{fresh.url}/_emulator/recordings", json={"igrp": 101, "row_id": third, "delete": True})
    assert get(fresh, f"/reports/v2/igrps/101/callRecording/{third}").status_code == 404


@pytest.mark.parametrize("kind", ["cut-lines", "truncate", "chunked-cut"])
def test_faults_cut_recording_bodies(fresh, kind):
    row_id = int(recorded(fresh)[0]["rowId"])
    fresh.fail_next(kind, path_contains="callRecording")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(fresh, f"/reports/v2/igrps/101/callRecording/{row_id}")
    fresh.fail_next("503", path_contains="callRecording")
    assert get(fresh, f"/reports/v2/igrps/101/callRecording/{row_id}").status_code == 503
    assert get(fresh, f"/reports/v2/igrps/101/callRecording/{row_id}").content == fresh.recording(101, row_id)


# -- real-time PBX ------------------------------------------------------------------------------

USER_FIELDS = [
    "userId",
    "igrp",
    "userRef",
    "userName",
    "extension",
    "state",
    "stateStartDatetime",
    "dashboard",
]
CALL_FIELDS = [
    "callRef",
    "igrp",
    "callState",
    "callDirection",
    "startDatetime",
    "stateStartDatetime",
    "duration",
    "srcPhoneNumber",
    "dialledPhoneNumber",
    "dgrp",
    "dgrpName",
    "queueName",
    "userId",
    "userRef",
    "extension",
]


def utc(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def test_pbx_user_status(emu):
    users = ndjson(get(emu, "/reports/v2/igrps/101/pbxUserStatus"))
    assert 6 <= len(users) <= 14 and all(list(u) == USER_FIELDS for u in users)
    assert len({u["userId"] for u in users}) == len(users)
    assert all(isinstance(v, str) for u in users for v in u.values())
    assert {u["state"] for u in users} == {"available", "unavailable"}
    assert {u["dashboard"] for u in users} <= {"0", "1"} and users[0]["userRef"] == "jane.smith"
    assert all(
        DATETIME.fullmatch(u["stateStartDatetime"]) and utc(u["stateStartDatetime"]) <= MONDAY_3PM
        for u in users
    )
    london = ndjson(get(emu, "/reports/v2/igrps/101/pbxUserStatus", {"tz": "Europe/London"}))
    assert [utc(u["stateStartDatetime"]) - 3600 for u in london] == [
        utc(u["stateStartDatetime"]) for u in users
    ]
    ordered = ndjson(get(emu, "/reports/v2/igrps/101/pbxUserStatus", {"sort[]": "stateStartDatetime-desc"}))
    assert [u["stateStartDatetime"] for u in ordered] == sorted(
        (u["stateStartDatetime"] for u in users), reverse=True
    )
    assert emu.rows("/reports/v2/igrps/101/pbxUserStatus") == users


def test_pbx_active_calls(emu):
    calls = ndjson(get(emu, "/reports/v2/igrps/101/pbxActiveCalls"))
    assert len(calls) >= 3 and all(list(c) == CALL_FIELDS for c in calls)
    assert len({c["callRef"] for c in calls}) == len(calls)
    assert {c["callState"] for c in calls} <= {"queueing", "ringing", "bridged"} and "bridged" in {
        c["callState"] for c in calls
    }
    for c in calls:
        start, since = utc(c["startDatetime"]), utc(c["stateStartDatetime"])
        assert start <= since <= MONDAY_3PM and int(c["duration"]) == MONDAY_3PM - start
        assert (c["userId"] == "") == (c["callState"] == "queueing")
        assert c["callDirection"] in ("in", "out", "internal")
        assert (c["queueName"] != "") == (c["callDirection"] == "in")
    inbound = [c for c in calls if c["callDirection"] == "in"]
    redacted = ndjson(
        get(emu, "/reports/v2/igrps/101/pbxActiveCalls", {"excludePiiData": 1, "tz": "Europe/London"})
    )
    assert [c["callRef"] for c in redacted] == [c["callRef"] for c in calls]
    assert (
        all(c["srcPhoneNumber"].endswith("XXXX") for c in redacted if c["callDirection"] == "in") and inbound
    )
    assert utc(redacted[0]["startDatetime"]) - 3600 == utc(calls[0]["startDatetime"])


def test_pbx_snapshots_follow_the_clock(fresh):
    fresh.set_clock(MONDAY_3PM)
    first = {r: ndjson(get(fresh, f"/reports/v2/igrps/101/{r}")) for r in ("pbxUserStatus", "pbxActiveCalls")}
    assert first == {
        r: ndjson(get(fresh, f"/reports/v2/igrps/101/{r}")) for r in first
    }  # same clock, same data
    fresh.advance_clock(600)
    later = {r: ndjson(get(fresh, f"/reports/v2/igrps/101/{r}")) for r in first}
    assert later["pbxUserStatus"] != first["pbxUserStatus"]
    assert {c["callRef"] for c in later["pbxActiveCalls"]} != {c["callRef"] for c in first["pbxActiveCalls"]}
    assert [u["userId"] for u in later["pbxUserStatus"]] == [u["userId"] for u in first["pbxUserStatus"]]
    moved = requests.post(f"{fresh.url}/_emulator/clock", json={"set": "2024-06-10 15:00:00"}).json()
    assert moved == {"now": MONDAY_3PM}
    assert ndjson(get(fresh, "/reports/v2/igrps/101/pbxUserStatus")) == first["pbxUserStatus"]
    fresh.set_clock(MONDAY_3PM - 14 * 3600)  # 01:00: a quiet night
    assert len(fresh.rows("/reports/v2/igrps/101/pbxActiveCalls")) < len(first["pbxActiveCalls"])
    fresh.set_clock(None)  # real time: still answered
    assert get(fresh, "/reports/v2/igrps/101/pbxUserStatus").status_code == 200


def test_installations_without_a_pbx(emu, fresh):
    for report in ("pbxUserStatus", "pbxActiveCalls"):
        idle = get(emu, f"/reports/v2/igrps/202/{report}")
        assert idle.status_code == 200 and idle.content == b""
        none = get(emu, f"/reports/v2/igrps/404/{report}")
        assert (none.status_code, none.json()) == (404, "Resource not found")
    fresh.set_pbx(101, "none")
    assert get(fresh, "/reports/v2/igrps/101/pbxUserStatus").status_code == 404
    requests.post(f"{fresh.url}/_emulator/pbx", json={"igrp": 202, "kind": "pbx"})
    assert ndjson(get(fresh, "/reports/v2/igrps/202/pbxUserStatus"))


# -- changing served data -----------------------------------------------------------------------


def one(e: Emulator, row_id: str, route: str = "all") -> dict[str, Any]:
    (row,) = ndjson(
        get(e, f"/reports/v2/igrps/101/triggers/{route}", {"filter[]": f"rowId-eq-value-{row_id}"})
    )
    return row


def test_change_trigger_rewrites_in_place(fresh):
    before = fresh.triggers(101)
    call = next(t for t in before if t["act"] == "call" and t["outcomeType"] == "C" and not t["notes"])
    notes = [{"note": "Called back", "createDatetime": "2024-06-01 10:00:00"}]
    new = fresh.change_trigger(
        101, int(call["rowId"]), {"notes": notes, "leadScore": 250, "outcomeType": "V"}
    )
    assert new == {
        **call,
        "notes": '[{"note": "Called back", "createDatetime": "2024-06-01 10:00:00"}]',
        "leadScore": "250",
        "outcomeType": "V",
    }
    assert one(fresh, call["rowId"]) == new == one(fresh, call["rowId"], "calls")
    after = fresh.triggers(101)
    assert [t["rowId"] for t in after] == [t["rowId"] for t in before]
    assert after == [new if t["rowId"] == call["rowId"] else t for t in before]
    voids = ndjson(get(fresh, "/reports/v2/igrps/101/triggers/calls", {"filter[]": "outcomeType-eq-value-V"}))
    assert call["rowId"] in {t["rowId"] for t in voids}
    # itemised line follows: the charge is recomputed at the same per-minute rate
    old_item = fresh.rows(
        "/reports/v2/igrps/101/triggers/itemisedCalls", {"filter[]": f"rowId-eq-value-{call['rowId']}"}
    )
    fresh.change_trigger(101, int(call["rowId"]), {"callDuration": "185"})
    (item,) = fresh.rows(
        "/reports/v2/igrps/101/triggers/itemisedCalls", {"filter[]": f"rowId-eq-value-{call['rowId']}"}
    )
    assert item["callDuration"] == "185" and item["perMinuteCharge"] == old_item[0]["perMinuteCharge"]
    assert item["callCharge"] == f"{float(item['perMinuteCharge']) * 4:.6f}"
    for bad in ({"rowId": "1"}, {"igrp": "7"}, {"nosuchField": "x"}, {"triggerDatetime": "yesterday"}):
        with pytest.raises(ValueError):
            fresh.change_trigger(101, int(call["rowId"]), bad)
    with pytest.raises(KeyError):
        fresh.change_trigger(101, 1, {"leadScore": "1"})


def test_changes_move_route_membership_and_date_windows(fresh):
    triggers = fresh.triggers(101)
    page = next(t for t in triggers if t["act"] == "page")
    goal = next(t for t in triggers if t["act"] == "goal")
    fresh.change_triggers(101, [page["rowId"]], goal="246")
    fresh.change_triggers(101, [goal["rowId"]], goal="0")
    goals = {t["rowId"] for t in fresh.rows("/reports/v2/igrps/101/triggers/goals")}
    assert page["rowId"] in goals and goal["rowId"] not in goals
    # triggerDatetime: the row leaves its day and joins another (metrics follow too)
    moved = next(t for t in triggers if t["act"] == "call" and t["triggerDatetime"] > "2024-03-05")
    old_day = moved["triggerDatetime"][:10]
    (before,) = fresh.rows(
        "/reports/v2/metrics/channels", {"igrp": 101, "startDate": "2024-02-20", "endDate": "2024-02-20"}
    )
    r = requests.post(
        f"{fresh.url}/_emulator/change",
        json={
            "igrp": 101,
            "row_ids": [moved["rowId"]],
            "changes": {"triggerDatetime": "2024-02-20 12:00:00"},
        },
    )
    assert r.status_code == 200 and r.json()["changed"][0]["triggerDatetime"] == "2024-02-20 12:00:00"
    day = {"startDate": "2024-02-20", "endDate": "2024-02-20"}
    assert [t["rowId"] for t in ndjson(get(fresh, "/reports/v2/igrps/101/triggers/all", day))] == [
        moved["rowId"]
    ]
    assert moved["rowId"] not in {
        t["rowId"]
        for t in fresh.rows("/reports/v2/igrps/101/triggers/all", {"startDate": old_day, "endDate": old_day})
    }
    (after,) = metrics(fresh, day)
    assert int(after["callCount"]) == int(before["callCount"]) + 1
    bad = requests.post(
        f"{fresh.url}/_emulator/change", json={"igrp": 101, "row_id": moved["rowId"], "changes": {"rowId": 1}}
    )
    assert bad.status_code == 400


def test_first_touch_follows_a_changed_first_land(fresh):
    triggers = fresh.triggers(101)
    ordered = credited(triggers, "first")
    convert = next(c for c, t in zip(ordered, triggers, strict=True) if c is not t)  # re-credited by 1001
    land = next(t for t in triggers if t["act"] == "land" and t["vid"] == convert["vid"])
    before = by_key(metrics(fresh, {"group[]": "ch", "attributionModelId": "1001"}), ("ch",))
    radio = {"ch": "11", "chName": "Radio", "chType": "offline", "src": "fm"}  # a channel of its own
    fresh.change_trigger(101, int(land["rowId"]), radio)
    rows = by_key(metrics(fresh, {"group[]": "ch", "attributionModelId": "1001"}), ("ch",))
    assert rows == expected(credited(fresh.triggers(101), "first"), ("ch",)) and rows != before
    credit = rows[("11",)]
    assert credit["visitCount"] == "1"  # the land itself
    assert int(credit["goalCountTotal"]) + int(credit["callCount"]) + int(credit["txCount"]) >= 1


def test_delete_table_rows(fresh):
    dgrps = fresh.rows("/config/v2/igrps/101/dgrps")
    numbers = fresh.rows("/config/v2/igrps/101/dgrps/all/numbers")
    doomed = dgrps[1]["dgrp"]
    deleted = fresh.delete_table_rows(101, "dgrps", keys=[doomed])
    assert [d["dgrp"] for d in deleted] == [doomed]
    served = ndjson(get(fresh, "/config/v2/igrps/101/dgrps"))
    assert [d["dgrp"] for d in served] == [d["dgrp"] for d in dgrps if d["dgrp"] != doomed]
    assert fresh.rows("/config/v2/igrps/101/dgrps/all/numbers") == [n for n in numbers if n["dgrp"] != doomed]
    assert get(fresh, f"/config/v2/igrps/101/dgrps/{doomed}/numbers").status_code == 404
    remaining = fresh.rows("/config/v2/igrps/101/dgrps/all/numbers")
    gone = remaining[0]["phoneNumber"]
    assert len(fresh.delete_table_rows(101, "numbers", predicate=lambda n: n["phoneNumber"] == gone)) == 1
    r = requests.post(
        f"{fresh.url}/_emulator/delete",
        json={"igrp": 101, "table": "numbers", "where": {"usageType": "fixed"}},
    )
    assert r.status_code == 200 and r.json()["deleted"]
    left = ndjson(get(fresh, "/config/v2/igrps/101/dgrps/all/numbers"))
    assert left == [n for n in remaining if n["phoneNumber"] != gone and n["usageType"] != "fixed"]
    # organisations go with their subtree; rootOrgId on a deleted one selects nothing
    orgs = fresh.rows("/reports/v2/igrps/101/organisations")
    parent = next(o for o in orgs if any(c["parentOrgId"] == o["orgId"] for c in orgs) and o["parentOrgId"])
    children = {o["orgId"] for o in orgs if o["parentOrgId"] == parent["orgId"]}
    r = requests.post(
        f"{fresh.url}/_emulator/delete",
        json={"igrp": 101, "table": "organisations", "keys": [parent["orgId"]]},
    )
    assert {o["orgId"] for o in r.json()["deleted"]} >= {parent["orgId"], *children}
    kept = {o["orgId"] for o in ndjson(get(fresh, "/reports/v2/igrps/101/organisations"))}
    assert parent["orgId"] not in kept and not children & kept and kept
    assert fresh.rows("/config/v2/igrps/101/dgrps", {"rootOrgId": parent["orgId"]}) == []
    assert requests.get(f"{fresh.url}/_emulator/counts").json()["101"]["organisations"] == len(kept)
    assert (
        requests.post(
            f"{fresh.url}/_emulator/delete", json={"igrp": 101, "table": "calls", "keys": []}
        ).status_code
        == 400
    )


def test_the_command_line_flags_parse():
    from emulator.__main__ import _pbx, _utc

    assert _pbx("101:pbx,202:idle") == {101: "pbx", 202: "idle"}
    assert _utc("2024-06-10 15:00:00") == MONDAY_3PM
