"""The warehouse equals the API, not just its inserts: changed triggers and deleted table rows,
through `meltano run tap-infinity target-postgres` into a real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator import Emulator
from scripts.pipeline import MELTANO, ROOT, meltano, pipeline_env
from tests.e2e.pg import query

pytestmark = pytest.mark.e2e

RUN = ["run", "tap-infinity", "target-postgres"]


def values(postgres: dict[str, str], row_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    found = query(
        postgres,
        'SELECT "rowId", "leadScore", notes FROM infinity.triggers_all WHERE igrp = 101 AND "rowId" IN ('
        + ",".join(map(str, row_ids))
        + ")",
    )
    return {row[0]: row[1:] for row in found}


def test_lookback_and_deletions_reach_postgres(
    pipeline_emulator: Emulator, postgres: dict[str, str], tmp_path: Path
) -> None:
    emu = pipeline_emulator
    now = int(datetime.now(timezone.utc).timestamp())
    recent = emu.add_triggers_at(101, [now - 6 * 86400 + 2000 * n for n in range(250)])  # the last 6 days
    env = pipeline_env(emu, tmp_path, **postgres, TAP_INFINITY_LOOKBACK_DAYS="3", TAP_INFINITY_PAGE_SIZE="50")
    meltano(RUN, env)

    # Upstream, triggers change (same rowId) and table rows go away.
    in_lookback = [
        int(r["rowId"])
        for r in recent
        if r["triggerDatetime"] >= (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%d")
    ]
    changed_recent, changed_old = in_lookback[-50:], [int(r["rowId"]) for r in emu.triggers(101)[100:150]]
    before_old = values(postgres, changed_old)
    emu.change_triggers(101, changed_recent + changed_old, leadScore="777", notes='[{"note": "Called back"}]')
    dgrp = emu.installations[101].dgrps[0]["dgrp"]
    number = emu.installations[202].numbers[0]["phoneNumber"]
    numbers_before = {n["phoneNumber"] for n in emu.installations[101].numbers}
    emu.delete_table_rows(101, "dgrps", keys=[dgrp])  # and the DGRP's numbers with it
    gone = [
        ("numbers", 101, n)
        for n in numbers_before - {n["phoneNumber"] for n in emu.installations[101].numbers}
    ]
    emu.delete_table_rows(202, "numbers", keys=[number])
    gone.append(("numbers", 202, number))

    # A first try is killed (SIGKILL, tap, target and Meltano) in the middle of the lookback pass:
    # while it waits for the second page of igrp 101's lookback (lookback_days 3 in London is
    # today and the 3 days before; the tap asks the API for one day more in UTC).
    since = (datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=4)).isoformat()
    first_page = emu.rows(
        "/reports/v2/igrps/101/triggers/all",
        {"sort[]": "rowId-asc", "filter[]": "rowId-gt-value-0", "limit": 50, "startDate": since},
    )
    assert len(first_page) == 50
    second_page = first_page[-1]["rowId"]
    emu.set_faults(rate=0, slow_seconds=60)
    emu.fail_next("slow", count=1, path_contains=f"rowId-gt-value-{second_page}")
    emu.clear_request_log()
    started = subprocess.Popen(
        [str(MELTANO), *RUN], cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not any(r.fault == "slow" for r in emu.request_log):
        assert time.monotonic() < deadline and started.poll() is None, (
            "the lookback never reached its second page"
        )
        time.sleep(0.2)
    os.killpg(started.pid, signal.SIGKILL)
    started.wait(timeout=30)

    # The rerun does the lookback again: nothing is lost. --force, since Meltano still counts
    # the killed run as running (until its heartbeat is 5 minutes stale).
    meltano(["run", "--force", "tap-infinity", "target-postgres"], env)
    after_recent, after_old = values(postgres, changed_recent), values(postgres, changed_old)
    assert all(after_recent[row_id][0] == 777 for row_id in changed_recent)
    assert all("Called back" in after_recent[row_id][1] for row_id in changed_recent)
    assert after_old == before_old  # older than the lookback: not read again
    assert query(
        postgres,
        'SELECT count(*) FROM (SELECT igrp, "rowId" FROM infinity.triggers_all GROUP BY 1, 2 HAVING count(*) > 1) d',
    ) == [(0,)]
    assert query(postgres, "SELECT count(*) FROM infinity.triggers_all")[0][0] == sum(
        len(emu.triggers(igrp)) for igrp in emu.installations
    )

    # Deleted rows are marked deleted (soft delete), and only those.
    deleted = query(
        postgres,
        "SELECT 'dgrps', igrp, dgrp::text FROM infinity.dgrps WHERE _sdc_deleted_at IS NOT NULL "
        "UNION ALL SELECT 'numbers', igrp, \"phoneNumber\" FROM infinity.numbers WHERE _sdc_deleted_at IS NOT NULL",
    )
    assert sorted(deleted) == sorted([("dgrps", 101, str(dgrp)), *gone])
    live = query(postgres, "SELECT count(*) FROM infinity.dgrps WHERE _sdc_deleted_at IS NULL")[0][0]
    assert live == sum(len(inst.dgrps) for inst in emu.installations.values())
