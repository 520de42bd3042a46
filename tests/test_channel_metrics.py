"""channel_metrics over real HTTP: one record per igrp, day and channel, equal to counts made from
the emulator's own triggers for the same local days."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator import Emulator
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import discover, run_tap, select

ZONE = "Europe/London"
DAYS = [date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1)]  # across the start of BST
CUSTOM = {"goals246": "goalCount_goal_246", "ppcCalls": "callCount_chType_ppc,seo"}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator({101: 20000, 202: 1500}, seed=29, username=USERNAME, password=PASSWORD) as emu:
        yield emu


def config(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    return tap_config(
        emu,
        timezone=ZONE,
        start_date=DAYS[0].isoformat(),
        end_date=DAYS[-1].isoformat(),
        channel_metrics_custom_metrics=CUSTOM,
        **overrides,
    )


def counted(emu: Emulator, igrp: int) -> dict[tuple[str, str], Counter[str]]:
    """(day, ch) -> metric counts, made from the stored triggers as doc 001 names the metrics."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in emu.triggers(igrp):
        moment = datetime.fromisoformat(row["triggerDatetime"]).replace(tzinfo=timezone.utc)
        day = moment.astimezone(ZoneInfo(ZONE)).date()
        if day not in DAYS:
            continue
        cell = out[day.isoformat(), row["ch"]]
        call, goal = row["act"] == "call", row.get("goal", "0") not in ("", "0")
        cell["visitCount"] += row["act"] == "land"
        cell["callCount"] += call
        cell["goalCount"] += goal and not call
        cell["goalCountTotal"] += goal
        cell["goals246"] += goal and not call and row["goal"] == "246"
        cell["ppcCalls"] += call and row.get("chType") in ("ppc", "seo")
    return out


def test_metrics_per_day_and_channel_equal_counts_of_the_triggers(emu: Emulator) -> None:
    catalog = select(discover(config(emu)), ["channel_metrics"])
    properties = next(s for s in catalog["streams"] if s["tap_stream_id"] == "channel_metrics")["schema"][
        "properties"
    ]
    assert {"visitCount", "callCount", "goalCount", "goalCountTotal", "goalValue", *CUSTOM} <= set(properties)
    assert properties["goalValue"]["format"] == "x-singer.decimal" and properties["date"]["format"] == "date"
    emu.clear_request_log()
    result = run_tap(config(emu), catalog)
    records = result.records["channel_metrics"]
    for igrp in emu.installations:
        expected = counted(emu, igrp)
        emitted = {(r["date"], str(r["ch"])): r for r in records if r["igrp"] == igrp}
        assert set(emitted) == {key for key, cell in expected.items()}
        for key, cell in expected.items():
            for metric in ("visitCount", "callCount", "goalCount", "goalCountTotal", *CUSTOM):
                assert Decimal(emitted[key][metric]) == cell[metric], (igrp, key, metric)
    # One request per igrp and day, the day in the tap's timezone, with the custom metrics.
    asked = [r.query for r in emu.request_log if r.path == "/reports/v2/metrics/channels"]
    assert sorted((q["igrp"][0], q["startDate"][0], q["endDate"][0]) for q in asked) == sorted(
        (str(igrp), day.isoformat(), day.isoformat()) for igrp in emu.installations for day in DAYS
    )
    assert all(q["tz"] == [ZONE] and q["group[]"] == ["ch"] for q in asked)
    assert all(q["customMetrics[goals246]"] == ["goalCount_goal_246"] for q in asked)
    marks = {
        p["context"]["igrp"]: p["replication_key_value"]
        for p in result.final_state["bookmarks"]["channel_metrics"]["partitions"]
    }
    assert marks == {igrp: DAYS[-1].isoformat() for igrp in emu.installations}


def test_attribution_models_credit_channels_differently_but_count_the_same(emu: Emulator) -> None:
    catalog = select(discover(config(emu)), ["channel_metrics"])
    totals = {}
    for model in (1003, 1001):
        records = run_tap(config(emu, attribution_model_id=model, igrps=[101]), catalog).records[
            "channel_metrics"
        ]
        totals[model] = {
            "per_channel": {(r["date"], r["ch"]): Decimal(r["goalCountTotal"]) for r in records},
            "sum": sum(Decimal(r["goalCountTotal"]) for r in records),
        }
    assert totals[1001]["sum"] == totals[1003]["sum"] > 0
    assert totals[1001]["per_channel"] != totals[1003]["per_channel"]


def test_every_run_reads_the_last_days_again_from_its_bookmark(emu: Emulator) -> None:
    """Without dates: from the lookback's first day to today; the next run again from there."""
    now = int(datetime.now(timezone.utc).timestamp())
    emu.add_triggers_at(202, [now - hours * 3600 for hours in range(60, 0, -3)])
    settings = tap_config(emu, igrps=[202], timezone=ZONE, channel_metrics_lookback_days=2)
    catalog = select(discover(settings), ["channel_metrics"])
    today = datetime.now(ZoneInfo(ZONE)).date()
    expected_days = [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    state = None
    for _ in range(2):
        emu.clear_request_log()
        result = run_tap(settings, catalog, state)
        state = result.final_state
        days = [r.query["startDate"][0] for r in emu.request_log if "metrics" in r.path]
        assert days == expected_days
        assert {r["date"] for r in result.records["channel_metrics"]} <= set(expected_days)
        assert (
            sum(Decimal(r["visitCount"]) + Decimal(r["callCount"]) for r in result.records["channel_metrics"])
            > 0
        )


def test_a_catalog_without_channel_metrics_asks_nothing_of_it(emu: Emulator) -> None:
    """Learning the metric columns costs a request per igrp (seconds on the real API): only when
    channel_metrics is in the catalog, never for a catalog that leaves it out."""
    catalog = select(discover(config(emu)), ["dgrps"])
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] == "dgrps"]
    emu.clear_request_log()
    result = run_tap(config(emu), catalog)
    assert result.records["dgrps"]
    assert {r.path for r in emu.request_log} == {
        f"/config/v2/igrps/{igrp}/dgrps" for igrp in emu.installations
    }
