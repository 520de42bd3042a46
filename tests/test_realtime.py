"""pbx_user_status and pbx_active_calls over real HTTP: snapshots stamped with the time they were
read, equal to the API's answer at that moment; installations without a PBX emit nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import BUSY_HOUR, assert_same_value
from tests.tap_runner import SyncResult, discover, run_tap, select

STREAMS = {"pbx_user_status": ("pbxUserStatus", "userId"), "pbx_active_calls": ("pbxActiveCalls", "callRef")}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    # 101 has a PBX, 102 the product with nobody on it (an empty answer), 104 none (HTTP 404).
    with Emulator({101: 200, 102: 50, 104: 50}, seed=31, username=USERNAME, password=PASSWORD) as emu:
        emu.set_clock(BUSY_HOUR)
        yield emu


def test_a_snapshot_equals_the_api_at_that_moment(emu: Emulator) -> None:
    config = tap_config(emu)
    catalog = select(discover(config), list(STREAMS))
    before = datetime.now(timezone.utc)
    result = run_tap(config, catalog)  # exit 0: installations without a PBX are no failure
    after = datetime.now(timezone.utc)
    for stream, (route, key) in STREAMS.items():
        records = result.records[stream]
        properties = result.schemas[stream]["properties"]
        truth = emu.rows(f"/reports/v2/igrps/101/{route}")
        assert len(truth) > 0 and [r[key] for r in records] == [r[key] for r in truth]
        for record, raw in zip(records, truth, strict=True):
            for name, value in raw.items():
                assert_same_value(stream, name, record[name], value, properties[name])
        stamps = {r["snapshot_datetime"] for r in records}
        assert len(stamps) == 1  # one snapshot per installation and run
        assert before <= datetime.fromisoformat(stamps.pop()) <= after
        assert {r["igrp"] for r in records} == {101}
        assert result.schemas[stream]["properties"]["snapshot_datetime"]["format"] == "date-time"
    assert "(igrp 104): no PBX here (HTTP 404)" in result.stderr
    assert '"ACTIVATE_VERSION"' not in result.stdout  # a snapshot adds to the history, replaces nothing


def test_snapshots_taken_minutes_apart_build_a_history(emu: Emulator) -> None:
    config = tap_config(emu, igrps=[101])
    catalog = select(discover(config), list(STREAMS))
    first = run_tap(config, catalog)
    emu.advance_clock(20 * 60)
    second = run_tap(config, catalog, first.final_state)
    for stream in STREAMS:
        stamps = {r["snapshot_datetime"] for r in first.records[stream]}
        stamps |= {r["snapshot_datetime"] for r in second.records[stream]}
        assert len(stamps) == 2  # a new snapshot on each run, never a replacement of the last

    def states(result: SyncResult) -> set[tuple]:
        return {(r["userId"], r["state"], r["stateStartDatetime"]) for r in result.records["pbx_user_status"]}

    def calls(result: SyncResult) -> set[str]:
        return {r["callRef"] for r in result.records["pbx_active_calls"]}

    assert states(first) != states(second)
    assert calls(first) != calls(second)
