"""The fast record path writes exactly what the SDK's own record loop writes.

Each sync runs in process twice, through `DirectWriteMixin` and with it switched off (every
override deferring to the SDK), and the RECORD, STATE and ACTIVATE_VERSION messages must be
identical, in order, apart from `time_extracted` and the tables' run-dependent version numbers.
An SDK upgrade must pass this before it lands.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from singer_sdk.exceptions import FatalAPIError

from emulator import Emulator
from tap_infinity.direct_write import DirectWriteMixin
from tap_infinity.tap import TapInfinity
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import discover, select, sync_in_process


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator({101: 2300, 202: 700, 303: 50}, seed=21, username=USERNAME, password=PASSWORD) as emu:
        emu.api.forbidden = frozenset()
        yield emu


@pytest.fixture(scope="module")
def catalog(emu: Emulator) -> dict[str, Any]:
    return discover(tap_config(emu))


def sync_messages(
    config: dict[str, Any], catalog: dict[str, Any], state: dict[str, Any] | None, direct: bool
) -> list[dict[str, Any]]:
    """RECORD and STATE messages of one in-process sync, time_extracted dropped."""
    with mock.patch.object(DirectWriteMixin, "direct_write", direct):
        tap = TapInfinity(config=config, catalog=copy.deepcopy(catalog), state=copy.deepcopy(state))
        # A refused partition fails the run at its end.
        written = sync_in_process(tap, tolerate=(FatalAPIError,))
    messages = []
    versions: dict[int, int] = {}  # a table's version is the run's own: numbered in order of use
    for message in written:
        if message["type"] in ("RECORD", "STATE", "ACTIVATE_VERSION"):
            message.pop("time_extracted", None)
            if "version" in message:
                message["version"] = versions.setdefault(message["version"], len(versions))
            messages.append(message)
    return messages


def assert_same_messages(config: dict[str, Any], catalog: dict[str, Any], state: Any = None) -> list[Any]:
    direct = sync_messages(config, catalog, state, direct=True)
    sdk = sync_messages(config, catalog, state, direct=False)
    assert len(direct) == len(sdk)
    for number, (ours, theirs) in enumerate(zip(direct, sdk, strict=True)):
        assert ours == theirs, f"message {number} differs"
    return direct


def test_fresh_sync_of_several_igrps(emu: Emulator, catalog: dict[str, Any]) -> None:
    messages = assert_same_messages(
        tap_config(emu, page_size=500), select(copy.deepcopy(catalog), ["triggers_all", "calls"])
    )
    assert sum(m["type"] == "RECORD" for m in messages) > 3000
    assert sum(m["type"] == "STATE" for m in messages) > 6


def test_resumed_sync(emu: Emulator, catalog: dict[str, Any]) -> None:
    rows = [int(r["rowId"]) for r in emu.triggers(101)]
    partitions = [{"context": {"igrp": 101}, "replication_key": "rowId", "replication_key_value": rows[-900]}]
    state = {"bookmarks": {"triggers_all": {"partitions": partitions}}}
    messages = assert_same_messages(
        tap_config(emu, page_size=400), select(copy.deepcopy(catalog), ["triggers_all"]), state
    )
    assert [m["record"]["rowId"] for m in messages if m["type"] == "RECORD"][:899] == rows[-899:]


def test_a_refused_partition(emu: Emulator, catalog: dict[str, Any]) -> None:
    emu.api.forbidden = frozenset({202})
    try:
        messages = assert_same_messages(
            tap_config(emu, page_size=300), select(copy.deepcopy(catalog), ["goals", "itemised_calls"])
        )
    finally:
        emu.api.forbidden = frozenset()
    assert {m["record"]["igrp"] for m in messages if m["type"] == "RECORD"} == {101, 303}


def test_stream_maps_and_tables(emu: Emulator, catalog: dict[str, Any]) -> None:
    config = tap_config(
        emu,
        page_size=250,
        stream_maps={
            "calls": {"ip": "__NULL__", "caller": "srcPhoneNumber"},
            "numbers": {"usage": "usageType"},
        },
    )
    messages = assert_same_messages(config, select(copy.deepcopy(catalog), ["calls", "numbers", "dgrps"]))
    assert all("caller" in m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "calls")
    activations = [m["stream"] for m in messages if m["type"] == "ACTIVATE_VERSION"]
    assert activations == ["dgrps", "numbers"]


def test_flattening_of_flat_streams() -> None:
    """Flattening changes only `_sdc_unparsed` here (every other field is flat): the fast path
    writes what the SDK's flattening writes, values kept unparsed included."""
    with Emulator({101: 900}, seed=23, username=USERNAME, password=PASSWORD) as emu:
        for row in emu.triggers(101)[100:700:60]:
            emu.corrupt_row(101, int(row["rowId"]), json.dumps({**row, "ch": "12.5", "leadScore": "n/a"}))
        config = tap_config(emu, page_size=300, flattening_enabled=True, flattening_max_depth=1)
        catalog = select(discover(tap_config(emu)), ["triggers_all", "calls"])
        tap = TapInfinity(config=config, catalog=copy.deepcopy(catalog))
        assert all(stream.records_as_structs for stream in tap.streams.values() if stream.selected)
        messages = assert_same_messages(config, catalog)
    kept = [m["record"]["_sdc_unparsed"] for m in messages if "_sdc_unparsed" in m.get("record", {})]
    assert len(kept) >= 10  # in triggers_all, and in calls for the calls among them
    assert all(json.loads(text) == {"ch": "12.5", "leadScore": "n/a"} for text in kept)
