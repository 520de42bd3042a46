"""Faults, permanent errors and secrets: the tap against a misbehaving emulator, over HTTP."""

from __future__ import annotations

import base64
import email.utils
import json
import socket
import time
from typing import Any

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import assert_stream_matches
from tests.tap_runner import discover, run_tap, select


def triggers_catalog(emu: Emulator, *streams: str) -> dict[str, Any]:
    return select(discover(tap_config(emu)), list(streams or ["triggers_all"]))


def assert_no_secret(output: str) -> None:
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert PASSWORD not in output
    assert token not in output


def test_sync_under_twenty_percent_faults_equals_ground_truth(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    catalog = triggers_catalog(emu, "triggers_all", "itemised_calls")
    emu.set_faults(rate=0.2, retry_after="0", slow_seconds=0.05, seed=3)
    emu.clear_request_log()
    config = tap_config(emu, page_size=60, max_retries=10)
    result = run_tap(config, catalog, extra_env={"TAP_INFINITY_LOGLEVEL": "DEBUG", "LOGLEVEL": "DEBUG"})
    emu.set_faults(rate=0)
    faults = [r.fault for r in emu.request_log if r.fault]
    assert len(faults) >= 0.1 * len(emu.request_log) and len(set(faults)) >= 5, faults
    assert assert_stream_matches(result, emu, "triggers_all") == 3800
    assert_stream_matches(result, emu, "itemised_calls")
    assert_no_secret(result.stdout + result.stderr)


def test_cut_off_body_resumes_from_the_last_emitted_row(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    catalog = triggers_catalog(emu)
    emu.fail_next("truncate", count=1, path_contains="/igrps/101/")
    emu.clear_request_log()
    result = run_tap(tap_config(emu, page_size=1000, igrps=[101]), catalog)
    assert assert_stream_matches(result, emu, "triggers_all", igrps=[101]) == 3000
    cut, retry = emu.request_log[0], emu.request_log[1]
    assert cut.fault == "truncate"
    after = int(retry.query["filter[]"][0].removeprefix("rowId-gt-value-"))
    received = result.row_ids("triggers_all").index(after) + 1
    assert 0 < received < 1000
    assert retry.query["limit"] == [str(1000 - received)]


@pytest.mark.parametrize("kind", ["cut-lines", "chunked-cut", "stall"])
def test_body_broken_after_a_whole_line_is_read_again_not_taken_as_the_end(
    fresh_emulator: Emulator, kind: str
) -> None:
    """A page that ends early but on a line boundary looks like a short (last) page; the HTTP
    framing or the read timeout must still make the tap ask for the rest."""
    emu = fresh_emulator
    catalog = triggers_catalog(emu)
    emu.set_faults(rate=0, slow_seconds=3)
    emu.fail_next(kind, count=1, path_contains="/igrps/101/")
    emu.clear_request_log()
    result = run_tap(tap_config(emu, page_size=1000, igrps=[101], request_timeout=1), catalog)
    assert assert_stream_matches(result, emu, "triggers_all", igrps=[101]) == 3000
    assert emu.request_log[0].fault == kind
    assert "response broke off after" in result.stderr


def test_retry_after_is_honoured(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    catalog = triggers_catalog(emu)
    config = tap_config(emu, igrps=[202], retry_max_seconds=10)
    emu.set_faults(rate=0, retry_after="2")
    emu.fail_next("429", count=1)
    emu.clear_request_log()
    result = run_tap(config, catalog)
    refused, retried = emu.request_log[:2]
    assert refused.status == 429 and retried.status == 200
    assert 1.9 <= retried.at - refused.at < 4
    assert len(result.records["triggers_all"]) == 800


def test_retry_after_as_an_http_date_or_unreadable(fresh_emulator: Emulator) -> None:
    """An HTTP date is waited for (one in "-0000" form is UTC); a value that is neither a number
    nor a date falls back to the tap's own backoff instead of stopping the sync."""
    emu = fresh_emulator
    catalog = triggers_catalog(emu)
    config = tap_config(emu, igrps=[202], retry_max_seconds=10)

    emu.set_faults(rate=0, retry_after=email.utils.formatdate(time.time() + 3))  # "... -0000"
    emu.fail_next("429", count=1)
    started = time.monotonic()
    result = run_tap(config, catalog)
    assert time.monotonic() - started >= 1.5
    assert len(result.records["triggers_all"]) == 800

    emu.set_faults(rate=0, retry_after="soon")
    emu.fail_next("429", count=1)
    result = run_tap(config, catalog)
    assert len(result.records["triggers_all"]) == 800
    assert "try 1 failed (HTTP 429" in result.stderr and "Traceback" not in result.stderr


def test_slow_response_times_out_and_is_retried(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    catalog = triggers_catalog(emu)
    emu.set_faults(rate=0, slow_seconds=5)
    emu.fail_next("slow", count=1)
    started = time.monotonic()
    result = run_tap(tap_config(emu, igrps=[202], request_timeout=1), catalog)
    assert time.monotonic() - started < 5
    assert len(result.records["triggers_all"]) == 800


def test_persistent_server_errors_give_up_with_a_clear_line(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    emu.fail_next("503", count=50)
    started = time.monotonic()
    result = run_tap(tap_config(emu, igrps=[101], max_retries=2), triggers_catalog(emu), check=False)
    assert result.returncode == 1
    assert time.monotonic() - started < 15
    assert (
        "triggers_all (igrp 101): gave up after 3 tries: HTTP 503 from /reports/v2/igrps/101/triggers/all"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "no-such-host.invalid"])
def test_unreachable_api_fails_at_once_naming_the_setting(emulator: Emulator, host: str) -> None:
    """Nothing listening, or an unknown name: no retries (waiting cannot help), in discovery's
    custom-field sample as in a sync, with one line naming the host, what happened and the setting."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        host = host.format(port=closed.getsockname()[1])
    config = tap_config(emulator, igrps=[101, 202], api_url=f"http://{host}", retry_base_seconds=2)
    catalog = triggers_catalog(emulator)
    for args in (["--discover"], None):
        started = time.monotonic()
        result = run_tap(config, None if args else catalog, check=False, extra_args=args)
        assert result.returncode == 1
        assert time.monotonic() - started < 10
        last = result.stderr.splitlines()[-1]
        assert f"cannot reach {host.split(':')[0]}" in last and "check the api_url setting" in last
        assert ("Connection refused" if "127" in host else "Name or service not known") in last
        assert "Traceback" not in result.stderr and "retrying" not in result.stderr


def test_bad_credentials_fail_fast_without_leaking_the_password(emulator: Emulator) -> None:
    wrong = "Wr0ng-but-still-secret"
    config = tap_config(emulator, password=wrong)
    for args in (None, ["--discover"]):
        started = time.monotonic()
        result = run_tap(config, check=False, extra_args=args)
        assert result.returncode != 0
        assert time.monotonic() - started < 10
        assert f"Infinity rejected the credentials of user {USERNAME!r}" in result.stderr
        assert "Traceback" not in result.stderr
        assert wrong not in result.stdout + result.stderr
        assert base64.b64encode(f"{USERNAME}:{wrong}".encode()).decode() not in result.stderr


def test_a_bad_request_reports_the_api_message_and_route() -> None:
    with Emulator({101: 300}, seed=2, username=USERNAME, password=PASSWORD, max_limit=100) as emu:
        catalog = select(discover(tap_config(emu, page_size=100)), ["triggers_all"])
        result = run_tap(tap_config(emu, page_size=500), catalog, check=False)
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "HTTP 400" in line)
    assert "triggers_all (igrp 101): HTTP 400 from /reports/v2/igrps/101/triggers/all" in line
    assert "100" in line  # the API's own message names its maximum


def test_a_line_that_cannot_be_repaired_stops_the_sync_with_context(fresh_emulator: Emulator) -> None:
    """Embedded JSON that is not JSON even unescaped: no repair is unambiguous, so nothing after
    it is read, and the line is named."""
    emu = fresh_emulator
    rows = emu.triggers(101)
    bad, previous = rows[1500], rows[1499]
    emu.corrupt_row(
        101, int(bad["rowId"]), '{"rowId":"' + bad["rowId"] + '","notes":"[{"note": "x"]", "a":"1"}'
    )
    result = run_tap(tap_config(emu, igrps=[101], page_size=400), triggers_catalog(emu), check=False)
    assert result.returncode == 1
    assert (
        f"triggers_all (igrp 101): the line after cursor {previous['rowId']} is not JSON; "
        f'it starts \'{{"rowId":"{bad["rowId"]}"' in result.stderr
    )
    assert result.row_ids("triggers_all") == [int(r["rowId"]) for r in rows[:1500]]
    bookmark = result.final_state["bookmarks"]["triggers_all"]["partitions"][0]["replication_key_value"]
    assert bookmark <= int(previous["rowId"])


@pytest.mark.parametrize("kind", ["reset", "500"])
def test_discovery_survives_a_transient_fault(fresh_emulator: Emulator, kind: str) -> None:
    fresh_emulator.fail_next(kind, count=1)
    catalog = discover(tap_config(fresh_emulator))
    assert {s["tap_stream_id"] for s in catalog["streams"]} >= {"triggers_all", "calls", "itemised_calls"}


def test_a_forbidden_igrp_is_skipped_and_the_sync_fails_at_the_end() -> None:
    with Emulator(
        {101: 400, 202: 300, 303: 200}, seed=5, username=USERNAME, password=PASSWORD, forbidden_igrps=(202,)
    ) as emu:
        catalog = triggers_catalog(emu)
        result = run_tap(tap_config(emu, page_size=150), catalog, check=False)
        assert result.returncode == 1
        refusals = [line for line in result.stderr.splitlines() if "HTTP 403" in line]
        assert len(refusals) == 1
        assert "triggers_all (igrp 202): HTTP 403 from /reports/v2/igrps/202/triggers/all" in refusals[0]
        assert "skipping it" in refusals[0]
        assert "Skipped 1 refused partitions (see above): triggers_all (igrp 202)" in result.stderr
        assert "Traceback" not in result.stderr
        assert assert_stream_matches(result, emu, "triggers_all", igrps=[101, 303]) == 600
        assert not result.row_ids("triggers_all", 202)
        bookmarks = {
            p["context"]["igrp"]: p.get("replication_key_value")
            for p in result.final_state["bookmarks"]["triggers_all"]["partitions"]
        }
        assert bookmarks[101] == int(emu.triggers(101)[-1]["rowId"])
        assert bookmarks[303] == int(emu.triggers(303)[-1]["rowId"])
        assert bookmarks.get(202) is None


def test_irregular_values_convert_or_are_kept_unparsed(fresh_emulator: Emulator) -> None:
    """Lines the fast decoder rejects take the field-by-field path: what fits converts, what
    does not is null in its column and kept verbatim in _sdc_unparsed, counted at the end; only
    a key that does not fit stops the sync, naming the field, the value and the cursor."""
    emu = fresh_emulator
    rows = emu.triggers(101)
    spaced, odd, bad, broken_key = rows[5], rows[10], rows[20], rows[30]
    # json.dumps writes `"key": "value"`; a JSON list where the docs promise a string.
    emu.corrupt_row(
        101, int(spaced["rowId"]), json.dumps({**spaced, "pageTitle": "", "notes": [{"note": "a"}]})
    )
    emu.corrupt_row(
        101,
        int(odd["rowId"]),
        json.dumps({**odd, "ch": "3.0", "visitorFirstDatetime": "0000-00-00 00:00:00", "lat": " "}),
    )
    weird = {"ch": "12.5", "txv": "1,234.50", "triggerDatetime": "2024-02-30 10:00:00", "leadScore": "n/a"}
    emu.corrupt_row(101, int(bad["rowId"]), json.dumps({**bad, **weird}))
    emu.corrupt_row(101, int(broken_key["rowId"]), json.dumps({**broken_key, "igrp": "one-oh-one"}))
    result = run_tap(tap_config(emu, igrps=[101]), triggers_catalog(emu), check=False)
    assert result.returncode == 1
    assert (
        f"triggers_all (igrp 101): the line after cursor {rows[29]['rowId']} field 'igrp' has 'one-oh-one', "
        "which is not a valid integer" in result.stderr
    )
    emitted = {r["rowId"]: r for r in result.records["triggers_all"]}
    assert list(emitted) == [int(r["rowId"]) for r in rows[:30]]
    kept = emitted[int(bad["rowId"])]
    assert kept["_sdc_unparsed"] == weird
    assert all(kept[field] is None for field in weird)
    assert (kept["act"], kept["vid"]) == (bad["act"], bad["vid"] or None)  # the rest converted
    assert "triggers_all: 4 values did not fit their type and are kept in _sdc_unparsed (ch: 1, " in (
        result.stderr
    )
    converted = emitted[int(odd["rowId"])]
    assert (converted["ch"], converted["visitorFirstDatetime"], converted["lat"]) == (3, None, None)
    converted = emitted[int(spaced["rowId"])]
    assert converted["pageTitle"] is None
    assert json.loads(converted["notes"]) == [{"note": "a"}]


def test_a_row_out_of_rowid_order_stops_the_sync_before_it_is_emitted(fresh_emulator: Emulator) -> None:
    emu = fresh_emulator
    rows = emu.triggers(101)
    emu.corrupt_row(101, int(rows[30]["rowId"]), json.dumps({**rows[30], "rowId": rows[12]["rowId"]}))
    result = run_tap(tap_config(emu, igrps=[101]), triggers_catalog(emu), check=False)
    assert result.returncode == 1
    assert (
        f"triggers_all (igrp 101): rowId {rows[12]['rowId']} came after {rows[29]['rowId']}; "
        "the API did not sort by rowId" in result.stderr
    )
    assert result.row_ids("triggers_all") == [int(r["rowId"]) for r in rows[:30]]
    assert "Traceback" not in result.stderr


def test_spaced_json_reads_like_compact_json(fresh_emulator: Emulator) -> None:
    """`"key": ""` is null too: in a datetime wherever it is, in any field once a page's first
    line shows that spacing (an encoder writes every line alike)."""
    emu = fresh_emulator
    rows = emu.triggers(101)
    spaced = {5: {"visitorFirstDatetime": ""}, 1000: {}, 1500: {"pageTitle": "", "visitorFirstDatetime": ""}}
    for position, changes in spaced.items():
        emu.corrupt_row(101, int(rows[position]["rowId"]), json.dumps({**rows[position], **changes}))
    result = run_tap(tap_config(emu, igrps=[101], page_size=1000), triggers_catalog(emu))
    emitted = result.records["triggers_all"]
    assert [r["rowId"] for r in emitted] == [int(r["rowId"]) for r in rows]
    assert emitted[5]["visitorFirstDatetime"] is None and emitted[5]["pageTitle"] == rows[5]["pageTitle"]
    assert (emitted[1500]["pageTitle"], emitted[1500]["visitorFirstDatetime"]) == (None, None)
    assert emitted[1000]["triggerDatetime"].startswith(rows[1000]["triggerDatetime"][:10])


def test_an_unknown_igrp_is_skipped_naming_the_setting(emulator: Emulator) -> None:
    result = run_tap(tap_config(emulator, igrps=[101, 999]), triggers_catalog(emulator), check=False)
    assert result.returncode == 1
    assert (
        "triggers_all (igrp 999): HTTP 404 from /reports/v2/igrps/999/triggers/all: no such installation for "
        "this user; check the igrps setting" in result.stderr
    )
    assert len(result.records["triggers_all"]) == len(emulator.triggers(101))
    assert (
        "Skipped 1 refused partitions (see above): triggers_all (igrp 999)" in result.stderr.splitlines()[-1]
    )


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ('{"bookmarks": {"triggers_all": ', "The state file is not JSON ("),
        ('{"bookmarks": [1, 2]}', "State: bookmarks is a list, not an object of streams; fix or remove it"),
        ('{"bookmarks": {"calls": [1]}}', "State: bookmarks.calls is a list, not an object"),
        (
            '{"bookmarks": {"calls": {"partitions": [{"igrp": 101}]}}}',
            "State: bookmarks.calls.partitions is not a list of objects with a context",
        ),
    ],
)
def test_a_bad_state_file_gets_one_line(emulator: Emulator, tmp_path: Any, state: str, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(state)
    result = run_tap(
        tap_config(emulator), triggers_catalog(emulator), check=False, extra_args=["--state", str(path)]
    )
    assert result.returncode == 1
    assert message in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_unknown_streams_and_properties_in_the_catalog_are_named(emulator: Emulator) -> None:
    catalog = triggers_catalog(emulator)
    entry = json.loads(json.dumps(catalog["streams"][0]))
    entry["tap_stream_id"] = entry["stream"] = "triggers_everything"
    catalog["streams"].append(entry)
    calls = next(e for e in catalog["streams"] if e["tap_stream_id"] == "triggers_all")
    calls["schema"]["properties"]["fooBar"] = {"type": ["string", "null"]}
    result = run_tap(tap_config(emulator, igrps=[202]), catalog)
    assert "Catalog: 'triggers_everything' is not a stream of this tap; ignored" in result.stderr
    assert "Catalog: triggers_all has no properties fooBar; ignored" in result.stderr
    assert len(result.records["triggers_all"]) == len(emulator.triggers(202))
