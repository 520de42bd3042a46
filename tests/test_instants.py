"""Every instant exact: UTC from the API, local days only where a user means a day.

The API sends local times without an offset, so the tap always asks for UTC; `timezone` then
says what `start_date`/`end_date` mean. Its days are asked for one day wider in UTC and the rows
outside them dropped by the tap. Checked at both 2024 Europe/London changes (a 23-hour and a
25-hour day, the repeated 01:00-02:00) and in zones 30 minutes off the hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import discover, run_tap, select


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Instants (UTC) around each day's edges, and whether each falls on the day in that zone.
DAYS = {
    # 2024-03-31 in London: 00:00 GMT to 00:00 BST, 23 hours.
    ("Europe/London", "2024-03-31"): {
        "2024-03-30 23:59:59": False,
        "2024-03-31 00:00:00": True,
        "2024-03-31 00:59:59": True,  # 00:59:59 GMT
        "2024-03-31 01:00:00": True,  # 02:00:00 BST: the skipped hour is gone
        "2024-03-31 22:59:59": True,
        "2024-03-31 23:00:00": False,
    },
    # 2024-10-27 in London: 00:00 BST to 00:00 GMT, 25 hours; 01:30 happens twice.
    ("Europe/London", "2024-10-27"): {
        "2024-10-26 22:59:59": False,
        "2024-10-26 23:00:00": True,
        "2024-10-27 00:30:00": True,  # 01:30 BST
        "2024-10-27 01:30:00": True,  # 01:30 GMT, the repeated hour
        "2024-10-27 23:59:59": True,
        "2024-10-28 00:00:00": False,
    },
    # Kolkata, +05:30 all year.
    ("Asia/Kolkata", "2024-10-27"): {
        "2024-10-26 18:29:59": False,
        "2024-10-26 18:30:00": True,
        "2024-10-27 18:29:59": True,
        "2024-10-27 18:30:00": False,
    },
    # Adelaide leaves summer time (+10:30 to +09:30) on 2024-04-07: a 25-hour day, half hours off.
    ("Australia/Adelaide", "2024-04-07"): {
        "2024-04-06 13:29:59": False,
        "2024-04-06 13:30:00": True,
        "2024-04-07 14:29:59": True,
        "2024-04-07 14:30:00": False,
    },
}


@pytest.fixture(scope="module")
def emu() -> Iterator[tuple[Emulator, dict[str, dict[str, Any]]]]:
    """An installation with triggers at exactly those instants (and its own in March-May)."""
    with Emulator({101: 200}, seed=13, username=USERNAME, password=PASSWORD) as emu:
        instants = sorted({text for edges in DAYS.values() for text in edges})
        rows = emu.add_triggers_at(101, [utc(text) for text in instants])
        yield emu, {text: row for text, row in zip(instants, rows, strict=True)}


@pytest.fixture(scope="module")
def catalog(emu: tuple[Emulator, Any]) -> dict[str, Any]:
    return select(discover(tap_config(emu[0])), ["triggers_all"])


def test_the_repeated_autumn_hour_keeps_both_instants(
    emu: tuple[Emulator, Any], catalog: dict[str, Any]
) -> None:
    emulator, rows = emu
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, timezone="Europe/London"), catalog)
    emitted = {r["rowId"]: r["triggerDatetime"] for r in result.records["triggers_all"]}
    for text, row in rows.items():
        assert emitted[int(row["rowId"])] == iso(utc(text))
    first, second = (emitted[int(rows[t]["rowId"])] for t in ("2024-10-27 00:30:00", "2024-10-27 01:30:00"))
    assert (first, second) == ("2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z")
    assert {r.query["tz"][0] for r in emulator.request_log} == {"UTC"}


@pytest.mark.parametrize(("zone", "day"), list(DAYS))
def test_a_local_day_selects_exactly_its_instants(
    emu: tuple[Emulator, Any], catalog: dict[str, Any], zone: str, day: str
) -> None:
    emulator, rows = emu
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, timezone=zone, start_date=day, end_date=day), catalog)
    emitted = set(result.row_ids("triggers_all"))
    expected = {int(rows[text]["rowId"]) for text, inside in DAYS[zone, day].items() if inside}
    outside = {int(rows[text]["rowId"]) for text, inside in DAYS[zone, day].items() if not inside}
    assert expected <= emitted and not outside & emitted
    # Nothing else from the day either: every emitted row is on it, by the API's own UTC times.
    inside = [utc(text) for text, on_day in DAYS[zone, day].items() if on_day]
    low, high = min(inside), max(inside)
    assert all(
        low <= utc(r["triggerDatetime"][:19].replace("T", " ")) <= high
        for r in result.records["triggers_all"]
    )
    # Asked one day wider, in UTC.
    query = emulator.request_log[0].query
    assert (query["tz"], query["startDate"][0] < day < query["endDate"][0]) == (["UTC"], True)


def test_utc_days_are_asked_for_exactly(emu: tuple[Emulator, Any], catalog: dict[str, Any]) -> None:
    emulator, rows = emu
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, start_date="2024-10-27", end_date="2024-10-27"), catalog)
    query = emulator.request_log[0].query
    assert (query["startDate"], query["endDate"]) == (["2024-10-27"], ["2024-10-27"])
    assert set(result.row_ids("triggers_all")) == {
        int(row["rowId"]) for text, row in rows.items() if text.startswith("2024-10-27")
    }
