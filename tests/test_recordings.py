"""call_recordings over real HTTP: every recorded call's audio stored once, exactly, safely."""

from __future__ import annotations

import hashlib
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import truth
from tests.tap_runner import SyncResult, discover, interrupt_after, parse_messages, run_tap, select, start


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator({101: 900, 202: 300}, seed=23, username=USERNAME, password=PASSWORD) as emu:
        yield emu


def recorded_calls(emu: Emulator, igrp: int) -> list[int]:
    return [int(r["rowId"]) for r in truth(emu, "calls", igrp) if r["rec"] == "1"]


def sync(emu: Emulator, folder: str, state: dict[str, Any] | None = None, **overrides: Any) -> Any:
    config = tap_config(emu, recordings_url=folder, **overrides)
    return run_tap(config, select(discover(config), ["call_recordings"]), state)


def test_every_recording_is_stored_once_with_its_size_and_hash(emu: Emulator, tmp_path: Path) -> None:
    emu.clear_request_log()
    first = sync(emu, str(tmp_path / "audio"))
    records = {(r["igrp"], r["rowId"]): r for r in first.records["call_recordings"]}
    expected = {(igrp, row_id) for igrp in emu.installations for row_id in recorded_calls(emu, igrp)}
    assert set(records) == expected and len(expected) > 50
    for (igrp, row_id), record in records.items():
        audio = emu.recording(igrp, row_id)
        assert audio is not None and record["status"] == "stored"
        path = Path(record["url"].removeprefix("file://"))
        assert path.parent == tmp_path / "audio" / str(igrp) and path.name.startswith(f"{row_id}.")
        assert path.suffix in (".mp3", ".wav") and path.read_bytes() == audio
        assert (record["bytes"], record["sha256"]) == (len(audio), hashlib.sha256(audio).hexdigest())
        assert record["content_type"] in ("audio/mpeg", "audio/wav")
    pages = [r for r in emu.request_log if r.path.endswith("/triggers/calls")]
    assert pages and all(q.query["filter[]"][1:] == ["rec-eq-value-1"] for q in pages)
    assert all(set(q.query["display[]"]) == {"igrp", "rowId", "triggerDatetime"} for q in pages)

    # A rerun from the state downloads nothing, and neither does a full refresh.
    emu.clear_request_log()
    assert not sync(emu, str(tmp_path / "audio"), first.final_state).records["call_recordings"]
    again = sync(emu, str(tmp_path / "audio"))
    assert {r["status"] for r in again.records["call_recordings"]} == {"kept"}
    assert [r["sha256"] for r in again.records["call_recordings"]] == [r["sha256"] for r in records.values()]
    assert not [r for r in emu.request_log if "/callRecording/" in r.path]


def test_a_recording_the_api_no_longer_has_is_missing_not_an_error(emu: Emulator, tmp_path: Path) -> None:
    gone = recorded_calls(emu, 202)[3]
    emu.delete_recording(202, gone)
    result = sync(emu, str(tmp_path), igrps=[202])
    record = next(r for r in result.records["call_recordings"] if r["rowId"] == gone)
    assert (record["status"], record["url"], record["bytes"], record["sha256"]) == (
        "missing",
        None,
        None,
        None,
    )
    assert not list((tmp_path / "202").glob(f"{gone}.*"))
    assert (
        sum(r["status"] == "stored" for r in result.records["call_recordings"])
        == len(recorded_calls(emu, 202)) - 1
    )


@pytest.mark.parametrize(
    ("content_type", "disposition"),
    [
        ("audio/mpeg", 'attachment; filename="../../../../tmp/evil.sh"'),
        ("application/x-sh", 'attachment; filename="/etc/cron.d/evil"'),
        ("audio/mpeg; name=../../x", "attachment; filename*=UTF-8''..%2F..%2Fevil"),
        ("../../../etc/passwd", ""),
    ],
)
def test_nothing_the_server_sends_places_a_file_elsewhere(
    emu: Emulator, tmp_path: Path, content_type: str, disposition: str
) -> None:
    emu.hostile_recordings(202, content_type=content_type, content_disposition=disposition)
    root = tmp_path / "audio"
    result = sync(emu, str(root), igrps=[202])
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    expected_ext = "mp3" if content_type.startswith("audio/mpeg") else "bin"
    assert written == sorted(
        Path("audio", "202", f"{r['rowId']}.{expected_ext}") for r in result.records["call_recordings"]
    )
    assert len(written) == len(recorded_calls(emu, 202))


def test_without_a_location_the_stream_reads_nothing_and_says_so(emu: Emulator) -> None:
    config = tap_config(emu)
    emu.clear_request_log()
    result = run_tap(config, select(discover(config), ["call_recordings"]))
    assert not result.records["call_recordings"]
    assert "call_recordings is selected but recordings_url is not set" in result.stderr
    assert not [r for r in emu.request_log if "/triggers/calls" in r.path or "/callRecording/" in r.path]


def test_a_body_cut_mid_recording_is_downloaded_again_whole(emu: Emulator, tmp_path: Path) -> None:
    emu.fail_next("truncate", count=2, path_contains="/callRecording/")
    result = sync(emu, str(tmp_path), igrps=[202])
    assert "response broke off" in result.stderr
    for record in result.records["call_recordings"]:
        assert Path(record["url"].removeprefix("file://")).read_bytes() == emu.recording(202, record["rowId"])


def test_recordings_go_to_s3(emu: Emulator, s3: str) -> None:
    import boto3

    first = sync(emu, "s3://recordings/infinity", igrps=[202])
    records = first.records["call_recordings"]
    assert {r["rowId"] for r in records} == set(recorded_calls(emu, 202))
    bucket = boto3.client("s3", endpoint_url=s3)
    for record in records:
        assert (
            record["url"]
            == f"s3://recordings/infinity/202/{record['rowId']}.{record['url'].rsplit('.', 1)[-1]}"
        )
        key = record["url"].removeprefix("s3://recordings/")
        body = bucket.get_object(Bucket="recordings", Key=key)["Body"].read()
        assert (
            body == emu.recording(202, record["rowId"])
            and hashlib.sha256(body).hexdigest() == record["sha256"]
        )
    listed = bucket.list_objects_v2(Bucket="recordings")["Contents"]
    assert len(listed) == len(records)  # nothing else: no temporary objects left behind
    emu.clear_request_log()
    again = sync(emu, "s3://recordings/infinity", igrps=[202])
    assert {r["status"] for r in again.records["call_recordings"]} == {"kept"}
    assert not [r for r in emu.request_log if "/callRecording/" in r.path]


def test_recordings_download_at_once_and_go_out_in_order(emu: Emulator, tmp_path: Path) -> None:
    """Each recording waits on the API (here 0.2 s to its first byte): `recording_downloads` of
    them at once, the records still in rowId order and the same as one at a time."""
    emu.set_latency(0.2)
    calls = len(recorded_calls(emu, 202))
    config = tap_config(emu, recordings_url=str(tmp_path), igrps=[202])
    catalog = select(discover(config), ["call_recordings"])
    took, results = {}, {}
    for workers in (1, 8):
        started = time.perf_counter()
        folder = str(tmp_path / str(workers))
        results[workers] = run_tap(
            {**config, "recordings_url": folder, "recording_downloads": workers}, catalog
        )
        took[workers] = time.perf_counter() - started
    records = results[8].records["call_recordings"]
    assert [r["rowId"] for r in records] == recorded_calls(emu, 202)
    assert [{**r, "url": None} for r in records] == [
        {**r, "url": None} for r in results[1].records["call_recordings"]
    ]
    assert {r["status"] for r in records} == {"stored"} and calls > 15
    assert took[1] > calls * 0.2  # the waits one after another
    assert took[8] < took[1] / 2, took  # 4x here (5.8 s against 1.4 s)
    assert results[8].final_state == results[1].final_state


def test_a_signal_during_downloads_loses_nothing_and_leaves_no_part_file(
    emu: Emulator, tmp_path: Path
) -> None:
    """SIGTERM while recordings download at once: the tap exits 143 after a STATE covering the
    records it wrote; downloads under way stop or finish whole (kept by the next run); nothing
    is lost, nothing is repeated, and every file is a whole recording."""
    emu.set_latency(0.3)
    root = tmp_path / "audio"
    # A STATE (which flushes the records before it) every 4 records: the test sees them as they go.
    config = tap_config(emu, recordings_url=str(root), igrps=[202], recording_downloads=4, page_size=4)
    catalog = select(discover(config), ["call_recordings"])
    proc = start(config, catalog, tmp_path)
    lines, _ = interrupt_after(proc, 5, signal.SIGTERM)
    assert proc.returncode == 143
    stopped = SyncResult(0, "".join(lines), "")
    parse_messages(stopped.stdout, stopped)
    assert json.loads(lines[-1])["type"] == "STATE"
    for record in stopped.records["call_recordings"]:  # each record's recording stored whole
        assert Path(record["url"].removeprefix("file://")).read_bytes() == emu.recording(202, record["rowId"])
    for path in root.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == emu.recording(202, int(path.name.split(".")[0])), path
    resumed = sync(emu, str(root), stopped.final_state, igrps=[202])
    before, after = stopped.row_ids("call_recordings"), resumed.row_ids("call_recordings")
    assert len(before) >= 5 and before + after == recorded_calls(emu, 202)


def test_a_signal_does_not_wait_for_a_download_sleeping_in_a_retry(emu: Emulator, tmp_path: Path) -> None:
    """Every recording answers 429 with Retry-After 20 s, so each download sleeps in its retry:
    a SIGTERM then ends the tap at once (143, its STATE last), not after the sleeps."""
    config = tap_config(
        emu, recordings_url=str(tmp_path / "audio"), igrps=[202], retry_max_seconds=20, max_retries=3
    )
    catalog = select(discover(config), ["call_recordings"])
    emu.set_faults(rate=0.0, retry_after="20")
    emu.fail_next("429", count=1000, path_contains="/callRecording/")
    proc = start(config, catalog, tmp_path)
    while "/callRecording/" not in str([r.path for r in emu.request_log]):
        time.sleep(0.05)
    time.sleep(0.5)  # the downloads are asleep in their retries
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert time.monotonic() - signalled < 5
    assert proc.stdout is not None
    assert json.loads(proc.stdout.read().splitlines()[-1])["type"] == "STATE"
    assert not list((tmp_path / "audio").rglob("*.*"))  # no recording, whole or half
