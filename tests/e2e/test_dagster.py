"""The Dagster project (orchestration/): two installations' partitions materialised at once by
Dagster's own executor into one PostgreSQL database, each with its own state, as a user's two
`dagster asset materialize` commands (or a backfill) would run them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from scripts.pipeline import ROOT, expected_counts, meltano, pipeline_env
from tests.e2e.pg import table_counts

pytestmark = pytest.mark.e2e

DAGSTER = ROOT / ".venv-dagster" / "bin"
STREAMS = ["triggers_all", "dgrps", "chronicall_reports"]
#: The streams of these jobs (to keep the test short).
SELECT = {"TAP_INFINITY__SELECT": json.dumps([f"{s}.*" for s in STREAMS])}


def materialize(env: dict[str, str], select: str, partition: str | None = None) -> subprocess.Popen[str]:
    args = [str(DAGSTER / "dagster"), "asset", "materialize", "-m", "infinity_dagster.definitions"]
    args += ["--select", select, *(["--partition", partition] if partition else [])]
    return subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str]) -> None:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"{proc.args}: {(out + err)[-4000:]}"


def dagster_runs(env: dict[str, str]) -> list[dict[str, Any]]:
    probe = subprocess.run(
        [str(DAGSTER / "python"), str(Path(__file__).with_name("dagster_runs.py"))],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(probe.stdout))


def test_two_installations_materialised_at_once(
    pipeline_emulator: Emulator, postgres: dict[str, str], tmp_path: Path
) -> None:
    emu = pipeline_emulator
    igrps = [str(igrp) for igrp in emu.installations]
    (tmp_path / "dagster").mkdir()
    env = {
        **pipeline_env(emu, tmp_path, **postgres),
        **SELECT,
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "TAP_INFINITY_IGRPS": json.dumps([int(igrp) for igrp in igrps]),  # the partitions
    }

    # Once: the catalog and the tables, and Chronicall's own job after them.
    finish(materialize(env, "infinity_catalog,infinity_tables,chronicall_reports"))
    # The installations at once, one Dagster run each.
    for proc in [materialize(env, "infinity_installation", igrp) for igrp in igrps]:
        finish(proc)

    expected = expected_counts(emu)
    assert table_counts(postgres, STREAMS) == {s: expected[s] for s in STREAMS}
    runs = {run["partition"]: run for run in dagster_runs(env) if run["partition"]}
    assert sorted(runs) == sorted(igrps)
    assert all(run["status"] == "SUCCESS" for run in runs.values())
    one, two = (runs[igrp] for igrp in igrps)
    assert one["start"] < two["end"] and two["start"] < one["end"], "the two runs did not overlap"
    for igrp in igrps:
        (made,) = runs[igrp]["materialised"]
        assert (made["asset"], made["partition"]) == ("infinity_installation", igrp)
        # Each partition's own state ID, its bookmark at the emulator's last row of its igrp.
        assert made["metadata"]["state_id"] == f"dev:tap-infinity-to-target-postgres:igrp-{igrp}"
        last_row = int(emu.triggers(int(igrp))[-1]["rowId"])
        assert made["metadata"]["bookmarks"]["triggers_all"] == [last_row]
    state_ids = meltano(["state", "list"], env).stdout
    assert "dev:tap-infinity-to-target-postgres:chronicall" in state_ids

    # The schedule asks for one run per installation, each with its own run key.
    evaluate = (
        "import json, dagster as dg; from infinity_dagster.definitions import hourly_installations as s; "
        "requests = s(dg.build_schedule_context(scheduled_execution_time=__import__('datetime').datetime(2026, 12, 2, 8))); "
        "print(json.dumps([[r.partition_key, r.run_key] for r in requests]))"
    )
    tick = subprocess.run(
        [str(DAGSTER / "python"), "-c", evaluate],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(tick.stdout) == [[igrp, f"2026-12-02T08:00:00:{igrp}"] for igrp in igrps]

    # A failing job fails its partition's run with the tap's one line, and no secret.
    failing = materialize(
        {**env, "TAP_INFINITY_PASSWORD": "wrong-secret-1234"}, "infinity_installation", igrps[1]
    )
    out, err = failing.communicate(timeout=600)
    assert failing.returncode != 0
    (failed,) = [run for run in dagster_runs(env) if run["status"] == "FAILURE"]
    assert failed["partition"] == igrps[1]
    (message,) = failed["failures"]
    assert "meltano run exited with 1" in message and "password" in message, message
    assert "wrong-secret-1234" not in out + err + message
