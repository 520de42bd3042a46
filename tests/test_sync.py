"""Trigger streams against the emulator over HTTP: exactness, incremental, resume, pushdown."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import random
import re
import signal
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, tap_config
from tests.helpers import ROUTES, assert_stream_matches, truth
from tests.tap_runner import TAP, SyncResult, discover, parse_messages, run_tap, select, write_json


@pytest.fixture(scope="module")
def all_streams_catalog(emulator: Emulator) -> dict[str, Any]:
    return select(discover(tap_config(emulator)), list(ROUTES))


def test_full_sync_equals_ground_truth(emulator: Emulator, all_streams_catalog: dict[str, Any]) -> None:
    result = run_tap(tap_config(emulator), all_streams_catalog)
    for stream in ROUTES:
        assert assert_stream_matches(result, emulator, stream) > 0
    # One bookmark per igrp partition, at the last rowId of each.
    bookmarks = result.final_state["bookmarks"]["triggers_all"]["partitions"]
    assert {p["context"]["igrp"]: p["replication_key_value"] for p in bookmarks} == {
        igrp: int(truth(emulator, "triggers_all", igrp)[-1]["rowId"]) for igrp in emulator.installations
    }


def test_datetimes_are_utc_instants_whatever_the_timezone(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    """`timezone` says what a day means; the API is always asked for UTC, and instants emitted in it."""
    catalog = select(all_streams_catalog, ["calls"])
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, timezone="Europe/London"), catalog)
    assert assert_stream_matches(result, emulator, "calls") > 0
    assert {r.query["tz"][0] for r in emulator.request_log} == {"UTC"}
    assert {r["triggerDatetime"][-1] for r in result.records["calls"]} == {"Z"}


def test_first_sync_uses_dates_and_starts_at_row_zero(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    emulator.clear_request_log()
    config = tap_config(emulator, start_date="2024-04-01", end_date="2024-04-15")
    result = run_tap(config, select(all_streams_catalog, ["goals"]))
    assert assert_stream_matches(result, emulator, "goals", startDate="2024-04-01", endDate="2024-04-15") > 0
    first = emulator.request_log[0].query
    assert first["filter[]"] == ["rowId-gt-value-0"]
    assert (first["startDate"], first["endDate"]) == (["2024-04-01"], ["2024-04-15"])
    # Every page asks for JSON (the API's default is CSV) sorted by rowId, after the last row read.
    size = config["page_size"]
    for igrp in emulator.installations:
        pages = [r.query for r in emulator.request_log if r.path.startswith(f"/reports/v2/igrps/{igrp}/")]
        assert all(q["format"] == ["json"] and q["sort[]"] == ["rowId-asc"] for q in pages)
        assert all(q["limit"] == [str(size)] for q in pages)
        rows = result.row_ids("goals", igrp)
        after = [0, *(rows[n * size - 1] for n in range(1, len(pages)))]
        assert [q["filter[]"] for q in pages] == [[f"rowId-gt-value-{a}"] for a in after]


def test_filters_pii_and_root_org_reach_the_api(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    filters = ["outcomeType-ne-value-V", "ch-gt-value-2"]
    config = tap_config(emulator, filters=filters, exclude_pii_data=True, root_org_id=10102, igrps=[101])
    result = run_tap(config, select(all_streams_catalog, ["triggers_all"]))
    expected = truth(
        emulator, "triggers_all", 101, excludePiiData=1, rootOrgId=10102, **{"filter[]": filters}
    )
    everything = truth(emulator, "triggers_all", 101)
    assert 0 < len(expected) < len(everything) / 2
    assert result.row_ids("triggers_all") == [int(r["rowId"]) for r in expected]
    records = result.records["triggers_all"]
    assert all(r["ch"] > 2 and r.get("outcomeType") != "V" for r in records)
    ips = [r["ip"] for r in records if r.get("ip")]
    assert ips and all(ip.endswith(".X") for ip in ips)


def test_display_pushdown_sends_only_selected_fields(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    calls = next(s for s in all_streams_catalog["streams"] if s["tap_stream_id"] == "calls")
    properties = list(calls["schema"]["properties"])
    keep = {"rowId", "igrp", "triggerDatetime", "callDuration", "chName"}
    catalog = select(
        json.loads(json.dumps(all_streams_catalog)),
        ["calls"],
        deselect={"calls": [p for p in properties if p not in keep]},
    )
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator), catalog)
    displays = [r.query.get("display[]") for r in emulator.request_log if "/triggers/" in r.path]
    assert displays and all(d is not None and set(d) == keep for d in displays)
    assert all(set(r) == keep for r in result.records["calls"])
    assert len(result.records["calls"]) == sum(
        len(truth(emulator, "calls", i)) for i in emulator.installations
    )

    emulator.clear_request_log()
    run_tap(tap_config(emulator, igrps=[202]), select(all_streams_catalog, ["calls"]))
    assert all("display[]" not in r.query for r in emulator.request_log)


def test_incremental_rerun_returns_only_new_rows(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    catalog = select(discover(tap_config(emu)), ["triggers_all", "calls"])
    first = run_tap(tap_config(emu), catalog)
    assert assert_stream_matches(first, emu, "triggers_all") == sum(
        emu.counts()[str(i)]["all"] for i in (101, 202)
    )

    appended = {101: emu.append_triggers(101, 700, late_fraction=0.4), 202: emu.append_triggers(202, 50)}
    second = run_tap(tap_config(emu), catalog, first.final_state)
    for igrp, rows in appended.items():
        assert second.row_ids("triggers_all", igrp) == [int(r["rowId"]) for r in rows]
        new_calls = [int(r["rowId"]) for r in rows if r["act"] == "call"]
        assert second.row_ids("calls", igrp) == new_calls
    # Late rows are dated before rows already loaded, yet arrive: rowId, not date, is the key.
    newest_loaded = max(r["triggerDatetime"] for r in first.records["triggers_all"])
    assert any(r["triggerDatetime"] < newest_loaded for r in second.records["triggers_all"])

    third = run_tap(tap_config(emu), catalog, second.final_state)
    assert not third.records


def test_bookmark_stored_as_a_string_resumes_there_and_a_bad_one_stops(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    catalog = select(copy.deepcopy(all_streams_catalog), ["triggers_all"])
    rows = [int(r["rowId"]) for r in emulator.triggers(101)]
    config = tap_config(emulator, igrps=[101])

    def state(bookmark: Any) -> dict[str, Any]:
        partition = {"context": {"igrp": 101}, "replication_key": "rowId", "replication_key_value": bookmark}
        return {"bookmarks": {"triggers_all": {"partitions": [partition]}}}

    resumed = run_tap(config, catalog, state(str(rows[-40])))
    assert resumed.row_ids("triggers_all") == rows[-39:]
    assert (
        resumed.final_state["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"] == rows[-1]
    )

    stopped = run_tap(config, catalog, state("2024-05-01"), check=False)
    assert stopped.returncode == 1
    assert "triggers_all (igrp 101): the state's bookmark '2024-05-01' is not a rowId" in stopped.stderr
    assert not stopped.records


def test_killed_sync_resumes_without_loss(fresh_emulator: Emulator, tmp_path: Path) -> None:
    emu = fresh_emulator
    config = tap_config(emu, page_size=200)
    catalog = select(discover(config), ["triggers_all"])
    expected = {
        igrp: [int(r["rowId"]) for r in truth(emu, "triggers_all", igrp)] for igrp in emu.installations
    }
    kill_after = random.Random(5).randint(900, sum(map(len, expected.values())) - 900)

    args = [
        *TAP,
        "--config",
        str(write_json(tmp_path, "c.json", config)),
        "--catalog",
        str(write_json(tmp_path, "cat.json", catalog)),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    received, seen = [], 0
    for line in proc.stdout:
        received.append(line)
        seen += '"type":"RECORD"' in line.replace(" ", "")
        if seen >= kill_after:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    killed = SyncResult(proc.returncode, "".join(received), "")
    parse_messages(killed.stdout, killed)
    assert proc.returncode == -signal.SIGKILL
    assert killed.states, "no STATE before the kill"

    resumed = run_tap(config, catalog, killed.final_state)
    for igrp, row_ids in expected.items():
        before = killed.row_ids("triggers_all", igrp)
        after = resumed.row_ids("triggers_all", igrp)
        assert sorted(set(before) | set(after)) == row_ids, f"rows lost for igrp {igrp}"
        assert len(set(before) & set(after)) <= 200, "more than a page re-read"


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"igrps": []}, "igrps"),
        ({"page_size": 20000}, "page_size"),
        ({"start_date": "2024-13-45"}, "start_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"filters": ["rowId>5"]}, "filters"),
        ({"password": 12345}, "password"),
    ],
)
def test_bad_config_fails_before_any_request(
    emulator: Emulator, overrides: dict[str, Any], setting: str
) -> None:
    config = tap_config(emulator, **overrides)
    emulator.clear_request_log()
    for extra in ([], ["--discover"]):
        result = run_tap(config, check=False, extra_args=extra or None, timeout=60)
        assert result.returncode != 0
        assert setting in result.stderr
        assert PASSWORD not in result.stderr + result.stdout and "12345" not in result.stderr + result.stdout
    assert not emulator.request_log


def test_custom_fields_are_discovered_and_typed(emulator: Emulator) -> None:
    found = run_tap(
        tap_config(emulator, igrps=[101], custom_fields=["c_configured"]), extra_args=["--discover"]
    )
    # The sample reads doc 002's unescaped notes lines too (it once gave up at the first one).
    assert "Could not sample" not in found.stderr
    catalog = json.loads(found.stdout)
    schema = next(s for s in catalog["streams"] if s["tap_stream_id"] == "calls")["schema"]["properties"]
    sampled = {name for name in schema if name.startswith(("pt_", "c_"))}
    assert {"pt_campaignSource", "c_gua_cid", "c_configured"} <= sampled
    assert schema["c_gua_cid"]["type"] == ["string", "null"]
    itemised = next(s for s in catalog["streams"] if s["tap_stream_id"] == "itemised_calls")["schema"]
    assert not any(name.startswith(("pt_", "c_")) for name in itemised["properties"])


def test_stream_maps_and_flattening_see_the_same_typed_records(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    """Stream maps take the dict path, not the Struct fast path: same values, maps applied."""
    config = tap_config(
        emulator,
        igrps=[202],
        flattening_enabled=True,
        flattening_max_depth=1,
        stream_maps={"calls": {"channel_label": "'channel ' + str(ch)", "ip": "__NULL__"}, "goals": None},
    )
    result = run_tap(config, select(all_streams_catalog, ["calls", "goals"]))
    assert "goals" not in result.records
    calls = result.records["calls"]
    expected = truth(emulator, "calls", 202)
    assert [r["rowId"] for r in calls] == [int(r["rowId"]) for r in expected]
    assert all(r["channel_label"] == f"channel {r['ch']}" and "ip" not in r for r in calls)
    assert [r["ch"] for r in calls] == [int(r["ch"]) for r in expected]


def test_batch_messages_hold_every_row(emulator: Emulator, tmp_path: Path) -> None:
    """BATCH mode takes the dict path too: its files hold the ground truth's rows."""
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": f"file://{tmp_path}", "prefix": "batch-"},
    }
    config = tap_config(emulator, igrps=[202], batch_config=batch_config)
    catalog = select(discover(tap_config(emulator)), ["transactions"])
    result = run_tap(config, catalog)
    manifests = [
        json.loads(line)["manifest"]
        for line in result.stdout.splitlines()
        if json.loads(line)["type"] == "BATCH"
    ]
    rows = [
        json.loads(line)
        for manifest in manifests
        for url in manifest
        for line in gzip.decompress(Path(url.removeprefix("file://")).read_bytes()).splitlines()
    ]
    expected = truth(emulator, "transactions", 202)
    assert manifests
    assert [r["rowId"] for r in rows] == [int(r["rowId"]) for r in expected]
    assert [r["txv"] for r in rows] == [r["txv"] or None for r in expected]  # money: the exact text


def test_stream_maps_with_batch_are_refused_before_any_request(emulator: Emulator, tmp_path: Path) -> None:
    """With both set, the SDK's BATCH files hold the raw values the maps hash or drop (sdk#1117):
    a phone number hashed in SCHEMA would load in clear. The tap stops at start-up instead."""
    batch_config = {"encoding": {"format": "jsonl"}, "storage": {"root": f"file://{tmp_path}"}}
    maps = {"calls": {"srcPhoneNumber": "md5(srcPhoneNumber) if srcPhoneNumber else None"}}
    catalog = select(discover(tap_config(emulator)), ["calls"])
    emulator.clear_request_log()
    result = run_tap(
        tap_config(emulator, igrps=[202], batch_config=batch_config, stream_maps=maps), catalog, check=False
    )
    assert result.returncode == 1
    assert (
        "Settings stream_maps and batch_config: the SDK writes BATCH files without applying" in result.stderr
    )
    assert not result.records and not list(tmp_path.iterdir()) and not emulator.request_log


def test_the_readmes_phone_hash_survives_rows_without_a_phone(
    emulator: Emulator, all_streams_catalog: dict[str, Any]
) -> None:
    """Page views have no srcPhoneNumber: plain md5() of it stops the sync (the SDK's mapper),
    the README's null-safe form hashes the calls and leaves the rest null."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    expression = re.search(r'srcPhoneNumber: "(md5\(srcPhoneNumber\)[^"]*)"', readme)
    assert expression and "else None" in expression.group(1)
    catalog = select(all_streams_catalog, ["triggers_all"])
    plain = run_tap(
        tap_config(
            emulator, igrps=[202], stream_maps={"triggers_all": {"srcPhoneNumber": "md5(srcPhoneNumber)"}}
        ),
        catalog,
        check=False,
    )
    assert plain.returncode != 0
    safe = run_tap(
        tap_config(
            emulator, igrps=[202], stream_maps={"triggers_all": {"srcPhoneNumber": expression.group(1)}}
        ),
        catalog,
    )
    expected = {int(r["rowId"]): r["srcPhoneNumber"] for r in truth(emulator, "triggers_all", 202)}
    assert len(safe.records["triggers_all"]) == len(expected)
    for record in safe.records["triggers_all"]:
        phone = expected[record["rowId"]]
        assert record["srcPhoneNumber"] == (hashlib.md5(phone.encode()).hexdigest() if phone else None)
    assert any(expected.values()) and not all(expected.values())  # both kinds of row were met


def test_filters_go_only_where_the_route_has_the_field(emulator: Emulator, all_streams_catalog: Any) -> None:
    """prod's `outcomeType-ne-value-V` once stopped the run on itemised_calls (no such field, HTTP
    400): now each route gets the filters it can take, with one line for each it cannot."""
    config = tap_config(
        emulator,
        igrps=[101],
        filters=["outcomeType-ne-value-V"],
        stream_filters={"numbers": ["usageType-eq-value-fixed"], "calls": ["ch-eq-value-3"]},
    )
    catalog = select(discover(config), ["triggers_all", "calls", "itemised_calls", "numbers"])
    emulator.clear_request_log()
    result = run_tap(config, catalog)
    sent = {}
    for request in emulator.request_log:
        stream = request.path.rsplit("/", 1)[-1]
        sent.setdefault(stream, request.query.get("filter[]", []))
    assert sent["all"][1:] == ["outcomeType-ne-value-V"]
    assert sent["calls"][1:] == ["outcomeType-ne-value-V", "ch-eq-value-3"]
    assert sent["itemisedCalls"][1:] == []
    assert sent["numbers"] == ["usageType-eq-value-fixed"]
    skipped = [line for line in result.stderr.splitlines() if "not sent" in line]
    assert len(skipped) == 1
    assert (
        "itemised_calls: filter 'outcomeType-ne-value-V' not sent: this route returns no 'outcomeType'"
        in (skipped[0])
    )
    assert result.row_ids("calls") == [
        int(r["rowId"])
        for r in truth(emulator, "calls", 101, **{"filter[]": ["outcomeType-ne-value-V", "ch-eq-value-3"]})
    ]
    fixed = emulator.rows("/config/v2/igrps/101/dgrps/all/numbers", {"filter[]": "usageType-eq-value-fixed"})
    assert {r["phoneNumber"] for r in result.records["numbers"]} == {r["phoneNumber"] for r in fixed}
    assert len(result.records["itemised_calls"]) == len(truth(emulator, "itemised_calls", 101))


@pytest.mark.parametrize(
    ("stream_filters", "message"),
    [
        ({"callz": ["ch-eq-value-3"]}, "Setting stream_filters: 'callz' is not an Infinity stream"),
        (
            {"numbers": ["outcomeType-ne-value-V"]},
            "'outcomeType-ne-value-V': numbers has no field 'outcomeType'",
        ),
        ({"calls": ["c_gua_cid-eq-value-1"]}, "the API cannot filter by custom fields"),
        ({"calls": ["ch=3"]}, "Setting stream_filters.calls: 'ch=3' is not of the form"),
    ],
)
def test_bad_stream_filters_fail_before_any_request(
    emulator: Emulator, stream_filters: dict[str, Any], message: str
) -> None:
    emulator.clear_request_log()
    result = run_tap(
        tap_config(emulator, stream_filters=stream_filters), check=False, extra_args=["--discover"]
    )
    assert result.returncode != 0 and message in result.stderr
    assert not emulator.request_log


def test_lookback_reads_recent_rows_again_and_never_moves_the_bookmark_back(
    fresh_emulator: Emulator, tmp_path: Path
) -> None:
    """Triggers change after they are read (notes, scores): with lookback_days the rows of the
    last days up to the bookmark are read again, through the documented paging (rowId-gt from 0
    and startDate), then the new rows; old rows are not read again."""
    emu = fresh_emulator
    now = int(datetime.now(timezone.utc).timestamp())
    recent = emu.add_triggers_at(101, [now - days * 86400 - 600 for days in (5, 2, 1, 0)])
    config = tap_config(emu, igrps=[101], page_size=500)
    catalog = select(discover(config), ["triggers_all"])
    first = run_tap(config, catalog)
    last = first.final_state["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"]
    assert last == int(recent[-1]["rowId"])

    old = emu.triggers(101)[10]
    for row in (old, *recent):  # changed upstream, same rowId
        emu.corrupt_row(101, int(row["rowId"]), json.dumps({**row, "leadScore": "999"}))
    appended = emu.append_triggers(101, 30)
    emu.clear_request_log()
    second = run_tap({**config, "lookback_days": 3}, catalog, first.final_state)

    again = [r for r in second.records["triggers_all"] if r["rowId"] <= last]
    assert [r["rowId"] for r in again] == [int(r["rowId"]) for r in recent[1:]]  # the last 3 days and today
    assert all(r["leadScore"] == 999 for r in again)
    assert [r["rowId"] for r in second.records["triggers_all"] if r["rowId"] > last] == [
        int(r["rowId"]) for r in appended
    ]
    lookback = emu.request_log[0].query
    today = datetime.now(timezone.utc).date()
    assert lookback["filter[]"] == ["rowId-gt-value-0"]
    assert lookback["startDate"] == [(today - timedelta(days=3)).isoformat()] and "endDate" not in lookback
    assert emu.request_log[1].query["filter[]"] == [f"rowId-gt-value-{last}"]
    assert lookback["sort[]"] == ["rowId-asc"]
    marks = [s["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"] for s in second.states]
    assert marks == sorted(marks) and marks[0] == last  # never backwards
    assert marks[-1] == int(appended[-1]["rowId"])


def test_a_sync_stopped_during_the_lookback_does_it_again(fresh_emulator: Emulator, tmp_path: Path) -> None:
    emu = fresh_emulator
    now = int(datetime.now(timezone.utc).timestamp())
    emu.add_triggers_at(202, [now - 3600 * hours for hours in range(40, 0, -1)])
    config = tap_config(emu, igrps=[202], page_size=10, lookback_days=2)
    catalog = select(discover(config), ["triggers_all"])
    first = run_tap(config, catalog)
    state = first.final_state
    recent = [
        r
        for r in first.records["triggers_all"]
        if r["triggerDatetime"] >= (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    ]
    assert len(recent) >= 30

    args = [
        *TAP,
        "--config",
        str(write_json(tmp_path, "c.json", config)),
        "--catalog",
        str(write_json(tmp_path, "k.json", catalog)),
        "--state",
        str(write_json(tmp_path, "s.json", state)),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if sum('"type":"RECORD"' in seen for seen in lines) == 15:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    killed = SyncResult(proc.returncode, "".join(lines), "")
    parse_messages(killed.stdout, killed)
    bookmark = state["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"]
    assert all(
        s["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"] == bookmark
        for s in killed.states
    )

    resumed = run_tap(config, catalog, killed.final_state if killed.states else state)
    assert [r["rowId"] for r in resumed.records["triggers_all"]] == [r["rowId"] for r in recent]
