"""BATCH files: the tap's writer gives the same rows, manifests and STATE as the SDK's batcher
and loop (the tap's bookmarks each file's last row, the SDK's every row).

Each sync runs in process twice, with `BatchFilesMixin` on and off (the SDK's JSONLinesBatcher),
and the rows in the files each BATCH message names, the message sequence and the STATE
messages must be the same; the files must hold the emulator's rows exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from singer_sdk.exceptions import FatalAPIError

from emulator import Emulator
from tap_infinity.batch_files import BatchFilesMixin
from tap_infinity.tap import TapInfinity
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import truth
from tests.tap_runner import batch_rows, discover, select, sync_in_process


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator({101: 1800, 202: 400}, seed=31, username=USERNAME, password=PASSWORD) as emu:
        yield emu


def batch_sync(
    config: dict[str, Any],
    catalog: dict[str, Any],
    fast: bool,
    tolerate: tuple[type[BaseException], ...] = (),
) -> list[dict[str, Any]]:
    """The BATCH (with their files' rows) and STATE messages of one in-process sync (ended by
    an error of `tolerate`, or not)."""
    with mock.patch.object(BatchFilesMixin, "fast_batches", fast):
        tap = TapInfinity(config=config, catalog=copy.deepcopy(catalog))
        # The tap's files take records as they are decoded (Structs), past the SDK's per-record
        # loop; the SDK's take dicts, through it.
        selected = [s for s in tap.streams.values() if s.selected]
        assert {(s.records_as_structs, s.skips_sdk_loop) for s in selected} == {(fast, fast)}
        written = sync_in_process(tap, tolerate)
    messages = []
    for message in written:
        if message["type"] == "BATCH":
            assert len(message["manifest"]) == 1  # one file a message
            messages.append({"BATCH": message["stream"], "rows": batch_rows(message)})
        elif message["type"] == "STATE":
            messages.append(message)
    return messages


def batch_config(root: Path, compression: str) -> dict[str, Any]:
    root.mkdir()
    return {
        "encoding": {"format": "jsonl", "compression": compression},
        "storage": {"root": f"file://{root}", "prefix": "b-"},
        "batch_size": 700,
    }


@pytest.fixture(scope="module")
def catalog(emu: Emulator) -> dict[str, Any]:
    return select(discover(tap_config(emu)), ["triggers_all", "transactions", "dgrps"])


def test_the_tap_writes_what_the_sdks_batcher_writes(
    emu: Emulator, catalog: dict[str, Any], tmp_path: Path
) -> None:
    outcomes = {
        fast: batch_sync(
            tap_config(emu, batch_config=batch_config(tmp_path / str(fast), "gzip")), catalog, fast
        )
        for fast in (True, False)
    }
    assert outcomes[True] == outcomes[False]
    batches = [m for m in outcomes[True] if "BATCH" in m]
    rows = [row for m in batches if m["BATCH"] == "triggers_all" for row in m["rows"]]
    expected = [int(r["rowId"]) for igrp in (101, 202) for r in truth(emu, "triggers_all", igrp)]
    assert [row["rowId"] for row in rows] == expected
    assert max(len(m["rows"]) for m in batches) == 700  # batch_size rows a file
    money = [row["txv"] for m in batches if m["BATCH"] == "transactions" for row in m["rows"]]
    assert money == [r["txv"] or None for igrp in (101, 202) for r in truth(emu, "transactions", igrp)]


def test_uncompressed_files_are_plain_lines(emu: Emulator, catalog: dict[str, Any], tmp_path: Path) -> None:
    """`compression: none` gives plain JSON lines with the same rows. (The SDK's batcher gzips
    them anyway, under a BATCH message that says none, so a target would read gzip as text.)"""
    gzipped = batch_sync(tap_config(emu, batch_config=batch_config(tmp_path / "gz", "gzip")), catalog, True)
    plain = batch_sync(tap_config(emu, batch_config=batch_config(tmp_path / "plain", "none")), catalog, True)
    assert plain == gzipped
    assert all(path.read_bytes().startswith(b'{"') for path in (tmp_path / "plain").iterdir())
    sdk = tap_config(emu, batch_config=batch_config(tmp_path / "sdk", "none"))
    with pytest.raises(UnicodeDecodeError):
        batch_sync(sdk, catalog, False)
    assert all(path.read_bytes()[:2] == b"\x1f\x8b" for path in (tmp_path / "sdk").iterdir())


@pytest.mark.parametrize("last_igrp", ["empty", "refused"])
def test_a_last_igrp_without_rows_gets_no_bookmark(tmp_path: Path, last_igrp: str) -> None:
    """The last file ends with igrp 101's last row and igrp 202 has none (no triggers, or a 403
    that skips it): 202 must get no bookmark, else its rows would never be read once it has
    some (or is allowed again). The same STATE as the SDK's loop."""
    refused = last_igrp == "refused"
    with Emulator(
        {101: 1000, 202: 400 if refused else 0},
        seed=31,
        username=USERNAME,
        password=PASSWORD,
        forbidden_igrps=[202] if refused else [],
    ) as emu:
        catalog = select(discover(tap_config(emu, igrps=[101])), ["triggers_all"])
        config = tap_config(emu, batch_config=batch_config(tmp_path / "files", "gzip"))
        outcomes = {
            fast: batch_sync(config, catalog, fast, tolerate=(FatalAPIError,) if refused else ())
            for fast in (True, False)
        }
    assert outcomes[True] == outcomes[False]
    state = [m["value"] for m in outcomes[True] if m.get("type") == "STATE"][-1]
    marks = {
        p["context"]["igrp"]: p.get("replication_key_value")
        for p in state["bookmarks"]["triggers_all"]["partitions"]
    }
    assert marks.get(101) == int(truth(emu, "triggers_all", 101)[-1]["rowId"]) and marks.get(202) is None


def test_day_bookmarks_wait_for_the_file_that_holds_the_days(emu: Emulator, tmp_path: Path) -> None:
    """channel_metrics bookmarks each finished day. With BATCH its STATE must wait for the BATCH
    message of the file holding that day's rows: a STATE before it, and a stop before the file
    is sent, would skip those days next time. Every STATE comes after a BATCH message whose
    files hold the days it bookmarks."""
    config = tap_config(emu, start_date="2024-03-01", end_date="2024-03-20", timezone="UTC")
    catalog = select(discover(config), ["channel_metrics"])
    files = {**batch_config(tmp_path / "files", "gzip"), "batch_size": 50}
    messages = batch_sync({**config, "batch_config": files}, catalog, True)
    assert [m for m in messages if "BATCH" in m] and "BATCH" in messages[0]
    sent: dict[int, str] = {}
    for message in messages:
        if "BATCH" in message:
            for row in message["rows"]:
                sent[row["igrp"]] = max(sent.get(row["igrp"], ""), row["date"])
            continue
        for part in message["value"]["bookmarks"]["channel_metrics"].get("partitions", []):
            if part.get("replication_key_value"):
                assert part["replication_key_value"] <= sent[part["context"]["igrp"]], part
