"""`meltano run tap-infinity target-postgres` into a real PostgreSQL, incremental across runs.

Meltano keeps the state between runs (in the test's own system database), as in production.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator import Emulator
from scripts.pipeline import dev_config, expected_counts, meltano, pipeline_env
from tests.e2e.pg import query, table_counts

pytestmark = pytest.mark.e2e

RUN = ["run", "tap-infinity", "target-postgres"]


def newest_batch(postgres: dict[str, str], stream: str) -> Any:
    return query(postgres, f'SELECT max(_sdc_batched_at) FROM infinity."{stream}"')[0][0]


def written_since(postgres: dict[str, str], loaded_at: Any) -> list[tuple[int, int]]:
    """(igrp, rowId) of the trigger rows a run after `loaded_at` wrote."""
    rows = query(
        postgres,
        f"SELECT igrp, \"rowId\" FROM infinity.triggers_all WHERE _sdc_batched_at > '{loaded_at}' "
        'ORDER BY igrp, "rowId"',
    )
    return [(int(igrp), int(row_id)) for igrp, row_id in rows]


def lookback_keys(emu: Emulator, zone: ZoneInfo, days: int) -> list[tuple[int, int]]:
    """(igrp, rowId) of the triggers dated today or in the `days` days before, in `zone`."""
    first = (datetime.now(zone).date() - timedelta(days=days)).isoformat()
    return sorted(
        (igrp, int(row["rowId"]))
        for igrp in emu.installations
        for row in emu.rows(f"/reports/v2/igrps/{igrp}/triggers/all", {"tz": zone.key})
        if row["triggerDatetime"][:10] >= first
    )


def test_incremental_pipeline_into_postgres(
    pipeline_emulator: Emulator, postgres: dict[str, str], tmp_path: Path
) -> None:
    emu = pipeline_emulator
    env = pipeline_env(emu, tmp_path, **postgres)
    expected = expected_counts(emu)

    meltano(RUN, env)
    assert table_counts(postgres, list(expected)) == expected
    assert all(expected.values())
    # The state ID the README names for `meltano state clear`.
    assert "dev:tap-infinity-to-target-postgres" in meltano(["state", "list"], env).stdout

    # Real column types, not text everywhere.
    types = dict(
        query(
            postgres,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'infinity' AND table_name = 'triggers_all'",
        )
    )
    assert types["rowId"] == "bigint" and types["igrp"] == "bigint"
    assert types["txv"] == "numeric"
    # Money exact: every txv the API's decimal, not a float's neighbour.
    money = query(postgres, 'SELECT igrp, "rowId", txv FROM infinity.triggers_all WHERE txv IS NOT NULL')
    api_money = {
        (igrp, int(row["rowId"])): Decimal(row["txv"])
        for igrp in emu.installations
        for row in emu.triggers(igrp)
        if row.get("txv")
    }
    assert {(igrp, row_id): txv for igrp, row_id, txv in money} == api_money
    assert any(txv != txv.to_integral_value() for txv in api_money.values())  # cents, not whole units
    assert types["triggerDatetime"].startswith("timestamp")
    assert types["pageTitle"] in ("text", "character varying")

    # Datetimes keep their instant: the API's local time in the tap's timezone, stored as UTC.
    zone = ZoneInfo(dev_config()["timezone"])
    api_times = {
        int(row["rowId"]): datetime.fromisoformat(row["triggerDatetime"]).replace(tzinfo=zone)
        for row in emu.rows("/reports/v2/igrps/101/triggers/all", {"tz": zone.key})
    }
    stored = query(postgres, 'SELECT "rowId", "triggerDatetime" FROM infinity.triggers_all WHERE igrp = 101')
    assert len(stored) == len(api_times)
    for row_id, stored_time in stored:
        assert stored_time.replace(tzinfo=timezone.utc) == api_times[row_id], row_id

    # A rerun writes again only the rows of dev's lookback (today and the 3 days before, in
    # London), and no other trigger row.
    loaded_at = newest_batch(postgres, "triggers_all")
    meltano(RUN, env)
    assert table_counts(postgres, list(expected)) == expected
    in_lookback = lookback_keys(emu, zone, int(dev_config()["lookback_days"]))
    assert in_lookback  # the emulator holds recent triggers (scripts/pipeline.add_recent_triggers)
    assert written_since(postgres, loaded_at) == in_lookback

    # New triggers (some dated weeks back) arrive: the next run loads exactly those (and the
    # lookback again).
    loaded_at = newest_batch(postgres, "triggers_all")
    appended = emu.append_triggers(101, 700, late_fraction=0.4) + emu.append_triggers(202, 90)
    meltano(RUN, env)
    expected = expected_counts(emu)
    assert table_counts(postgres, list(expected)) == expected
    new_keys = {(int(r["igrp"]), int(r["rowId"])) for r in appended}
    assert written_since(postgres, loaded_at) == sorted(new_keys | set(in_lookback))

    # A full refresh re-emits every trigger: the primary keys keep one row each. (triggers_all
    # alone: the other streams' upserts are the same code in the target.)
    meltano([*RUN[:1], "--full-refresh", *RUN[1:]], {**env, "TAP_INFINITY__SELECT": '["triggers_all.*"]'})
    assert table_counts(postgres, list(expected)) == expected
    duplicates = query(
        postgres,
        'SELECT count(*) FROM (SELECT igrp, "rowId" FROM infinity.triggers_all '
        "GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    assert duplicates == [(0,)]
