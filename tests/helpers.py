"""Assertions the tests share: ground truth from the emulator, and emitted values judged against it
without the tap's own converter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from emulator import Emulator
from tap_infinity.schemas import UNPARSED
from tests.tap_runner import SyncResult

#: A Monday, 15:00 UTC (2024-06-10): PBX users busy and calls going on, for the real-time reports.
BUSY_HOUR = 1718031600

ROUTES = {
    "triggers_all": "all",
    "calls": "calls",
    "goals": "goals",
    "transactions": "transactions",
    "itemised_calls": "itemisedCalls",
    "call_users": "users",
    "calls_goals_transactions": "callsGoalsTransactions",
    "touch_points": "touchPoints",
    "visits": "visits",
}


def truth(emu: Emulator, stream: str, igrp: int, **params: Any) -> list[dict[str, Any]]:
    """What the API holds for a stream and igrp, in rowId order, as the API's strings."""
    params.setdefault("sort[]", "rowId-asc")
    return emu.rows(f"/reports/v2/igrps/{igrp}/triggers/{ROUTES[stream]}", params)


def assert_same_value(stream: str, key: str, emitted: Any, raw: Any, prop: dict[str, Any]) -> None:
    """An emitted value equals the API's string form (asked for in UTC), judged without the
    tap's converter."""
    where = f"{stream}.{key}: emitted {emitted!r}, API sent {raw!r}"
    if raw == "" or raw is None:
        assert emitted is None, where
    elif prop.get("format") == "date-time":
        instant = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        parsed = datetime.fromisoformat(emitted)
        assert parsed == instant and parsed.utcoffset() == timedelta(0), where
    elif prop.get("format") == "x-singer.decimal":
        assert emitted == raw, where  # the API's own decimal text, exactly
    elif "integer" in prop["type"]:
        assert type(emitted) is int and emitted == int(raw), where
    elif "number" in prop["type"]:
        assert isinstance(emitted, int | float) and emitted == pytest.approx(float(raw)), where
    else:
        assert emitted == raw, where


def assert_stream_matches(
    result: SyncResult,
    emu: Emulator,
    stream: str,
    igrps: list[int] | None = None,
    **params: Any,
) -> int:
    """Every igrp's rows in rowId order, each value the API's own (of the schema's fields)."""
    properties = result.schemas[stream]["properties"]
    total = 0
    for igrp in igrps or emu.installations:
        expected = truth(emu, stream, igrp, **params)
        emitted = [r for r in result.records[stream] if r["igrp"] == igrp]
        assert [r["rowId"] for r in emitted] == [int(r["rowId"]) for r in expected], f"{stream} igrp {igrp}"
        for record, raw in zip(emitted, expected, strict=True):
            assert set(raw) <= set(record), f"{stream} rowId {raw['rowId']} lacks {set(raw) - set(record)}"
            assert UNPARSED not in record, record[UNPARSED]
            for key, raw_value in raw.items():
                assert_same_value(stream, key, record[key], raw_value, properties[key])
        total += len(expected)
    return total
