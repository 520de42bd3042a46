"""SIGTERM and SIGINT: the tap stops after its last whole message, with a STATE covering exactly
what it emitted, and exits 143 or 130; a resumed sync then loses nothing and repeats nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from tap_infinity import interrupt
from tap_infinity.streams.recordings import finished
from tests.conftest import tap_config
from tests.tap_runner import (
    SyncResult,
    batch_rows,
    discover,
    interrupt_after,
    parse_messages,
    run_tap,
    select,
    start,
)


@pytest.mark.parametrize(
    ("signum", "seed", "maps"),
    [
        (signal.SIGTERM, 1, False),
        (signal.SIGINT, 2, False),
        (signal.SIGTERM, 3, True),
        (signal.SIGINT, 4, True),
    ],
)
def test_a_signal_at_any_point_loses_nothing_and_repeats_nothing(
    fresh_emulator: Emulator, tmp_path: Path, signum: int, seed: int, maps: bool
) -> None:
    emu = fresh_emulator
    config = tap_config(emu, page_size=150)
    if maps:  # the SDK's own record loop
        config["stream_maps"] = {"triggers_all": {"channel": "ch"}}
    catalog = select(discover(tap_config(emu)), ["triggers_all"])
    everything = {igrp: [int(r["rowId"]) for r in emu.triggers(igrp)] for igrp in emu.installations}
    total = sum(map(len, everything.values()))
    at = random.Random(seed).randint(1, total - 1)

    lines, stderr = interrupt_after(start(config, catalog, tmp_path), at, signum)
    stopped = SyncResult(0, "".join(lines), stderr)
    parse_messages(stopped.stdout, stopped)  # every line is whole JSON, or this raises
    assert json.loads(lines[-1])["type"] == "STATE"
    assert "stopping after the last whole record" in stderr
    assert "Traceback" not in stderr

    resumed = run_tap(config, catalog, stopped.final_state)
    for igrp, row_ids in everything.items():
        before, after = stopped.row_ids("triggers_all", igrp), resumed.row_ids("triggers_all", igrp)
        assert before + after == row_ids, f"igrp {igrp}: lost or repeated rows"


def test_the_exit_code_says_which_signal(fresh_emulator: Emulator, tmp_path: Path) -> None:
    catalog = select(discover(tap_config(fresh_emulator)), ["triggers_all"])
    for signum, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        proc = start(tap_config(fresh_emulator, page_size=100), catalog, tmp_path)
        interrupt_after(proc, 50, signum)
        assert proc.returncode == code


def test_a_signal_while_waiting_on_the_api_stops_at_once(fresh_emulator: Emulator, tmp_path: Path) -> None:
    emu = fresh_emulator
    catalog = select(discover(tap_config(emu)), ["triggers_all"])
    emu.set_faults(rate=0, slow_seconds=30)
    emu.fail_next("slow", count=5, path_contains="/igrps/202/")  # igrp 101 reads, then 202 hangs
    first = [int(r["rowId"]) for r in emu.triggers(101)]
    proc = start(tap_config(emu, request_timeout=60), catalog, tmp_path)
    lines, seen = [], 0
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        seen += line.startswith('{"type":"RECORD"')
        if seen == len(first):
            break
    time.sleep(1)  # now waiting for igrp 202's first page
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    lines += proc.stdout.readlines()
    proc.wait(timeout=20)
    assert time.monotonic() - started < 5
    assert proc.returncode == 143
    state = json.loads(lines[-1])["value"]
    bookmarks = {
        p["context"]["igrp"]: p.get("replication_key_value")
        for p in state["bookmarks"]["triggers_all"]["partitions"]
    }
    assert bookmarks[101] == first[-1] and bookmarks.get(202) is None


@pytest.mark.parametrize("seed", [5, 6])
def test_a_signal_during_batch_files_loses_nothing_and_repeats_nothing(
    fresh_emulator: Emulator, tmp_path: Path, seed: int
) -> None:
    """With BATCH the bookmark moves per file: a stop leaves the file being written unannounced,
    and the last STATE covers exactly the files sent, so a resumed sync reads the rest."""
    emu = fresh_emulator
    root = tmp_path / "batches"
    batch = {
        "encoding": {"format": "jsonl", "compression": "none"},
        "storage": {"root": f"file://{root}"},
        "batch_size": 400,
    }
    config = tap_config(emu, page_size=150, batch_config=batch)
    catalog = select(discover(tap_config(emu)), ["triggers_all"])
    everything = {igrp: [int(r["rowId"]) for r in emu.triggers(igrp)] for igrp in emu.installations}
    files = sum(map(len, everything.values())) // 400
    at = random.Random(seed).randint(1, files - 1)
    proc = start(config, catalog, tmp_path)
    lines, _ = interrupt_after(proc, at, signal.SIGTERM, kind="BATCH")
    assert proc.returncode == 143
    messages = [json.loads(line) for line in lines]
    assert messages[-1]["type"] == "STATE"
    sent = [row for message in messages if message["type"] == "BATCH" for row in batch_rows(message)]
    resumed = run_tap(tap_config(emu), catalog, messages[-1]["value"])
    for igrp, row_ids in everything.items():
        before = [row["rowId"] for row in sent if row["igrp"] == igrp]
        assert before + resumed.row_ids("triggers_all", igrp) == row_ids, (
            f"igrp {igrp}: lost or repeated rows"
        )


@pytest.fixture
def stop_handler() -> Iterator[None]:
    """The tap's SIGTERM handler in this process, and the stop it records undone afterwards."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: interrupt.request_stop(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        interrupt.requested = None


def test_a_worker_thread_waiting_never_stops_the_main_thread_mid_write(stop_handler: None) -> None:
    """Recording downloads wait in worker threads. A SIGTERM while the main thread writes (held)
    must not stop it there, nor anywhere it is not waiting itself: the worker does not take the
    signal, and its waiting does not count as the main thread's. The next wait of either stops."""
    in_wait, release = threading.Event(), threading.Event()

    def download() -> None:
        with interrupt.waiting():
            in_wait.set()
            release.wait(10)
        with interrupt.waiting():  # the worker's next wait: it stops there
            pass

    with ThreadPoolExecutor(1, initializer=interrupt.block_in_worker) as pool:
        worker = pool.submit(download)
        assert in_wait.wait(10)
        try:
            with interrupt.held():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.2)  # a worker that took the signal would have the handler run here
            written = sum(range(100_000))  # the main thread, after its write, not waiting
        except interrupt.Interrupted:
            pytest.fail("the main thread was stopped outside a wait of its own")
        assert written and interrupt.requested == signal.SIGTERM
        release.set()
        with pytest.raises(interrupt.Interrupted):
            worker.result(timeout=10)
    with pytest.raises(interrupt.Interrupted), interrupt.waiting():
        pass


def test_waiting_on_a_download_stops_at_once(stop_handler: None) -> None:
    """The main thread waits for each recording's download before writing its record: a SIGTERM
    stops that wait at once (the download itself would have ended it only after 5 s)."""
    download: Future[Any] = Future()
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    threading.Timer(5, download.set_result, (("missing", None, None, None, None),)).start()
    started = time.monotonic()
    with pytest.raises(interrupt.Interrupted):
        finished({}, download, None)
    assert time.monotonic() - started < 3
