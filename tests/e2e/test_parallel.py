"""The README's recipe for parallel jobs: one `meltano run` per installation at once, into one
PostgreSQL database, each with its own state; first on an empty database, then incremental."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from emulator import Emulator
from scripts.pipeline import MELTANO, ROOT, expected_counts, meltano, pipeline_env
from tests.e2e.pg import table_counts

pytestmark = pytest.mark.e2e

STREAMS = ["triggers_all", "calls", "dgrps", "numbers"]
#: The streams of these jobs (to keep the test short), chosen when the catalog is made.
SELECT = {"TAP_INFINITY__SELECT": json.dumps([f"{s}.*" for s in STREAMS])}


def job_env(base: dict[str, str], igrp: int, catalog: Path) -> dict[str, str]:
    """One installation's job, as the README gives it."""
    return {
        **base,
        # The catalog discovered once: jobs discovering at once overwrite each other's file.
        "TAP_INFINITY__CATALOG": str(catalog),
        "TAP_INFINITY_IGRPS": f"[{igrp}]",
        # A job reads only its igrp's rows of each table: it must not retire the others'.
        "TAP_INFINITY_ACTIVATE_VERSION": "false",
        **SELECT,
    }


def job_args(slot: int, igrp: int) -> list[str]:
    """The job's command: a slot of meltano.yml's own, and a state ID of the igrp's."""
    return [
        "run",
        "--state-id-suffix",
        f"igrp-{igrp}",
        f"tap-infinity--job-{slot}",
        f"target-postgres--job-{slot}",
    ]


def run_at_once(jobs: list[tuple[list[str], dict[str, str]]]) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [str(MELTANO), *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args, env in jobs
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def selected_counts(emu: Emulator) -> dict[str, int]:
    return {s: n for s, n in expected_counts(emu).items() if s in STREAMS}


def test_one_job_per_installation_at_once(
    pipeline_emulator: Emulator, postgres: dict[str, str], tmp_path: Path
) -> None:
    emu = pipeline_emulator
    base = pipeline_env(emu, tmp_path, **postgres)
    igrps = list(emu.installations)
    # Once, before the jobs: the catalog of every igrp (which also makes Meltano's system database).
    catalog = tmp_path / "catalog.json"
    catalog.write_text(meltano(["invoke", "--dump=catalog", "tap-infinity"], {**base, **SELECT}).stdout)
    # Once, before the first jobs: the tables, from the streams' SCHEMA messages alone (jobs
    # creating the same table at once can collide in PostgreSQL's catalog).
    prepare = subprocess.run(
        f"{MELTANO} invoke tap-infinity --test=schema | {MELTANO} invoke target-postgres",
        shell=True,
        cwd=ROOT,
        env={**os.environ, **base, "TAP_INFINITY__CATALOG": str(catalog)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert prepare.returncode == 0, prepare.stderr[-3000:]
    assert table_counts(postgres, STREAMS) == dict.fromkeys(STREAMS, 0)  # the tables, empty
    jobs = [(job_args(slot, igrp), job_env(base, igrp, catalog)) for slot, igrp in enumerate(igrps, start=1)]

    for result, igrp in zip(run_at_once(jobs), igrps, strict=True):
        assert result.returncode == 0, f"igrp {igrp}: {result.stderr[-3000:]}"
    assert table_counts(postgres, STREAMS) == selected_counts(emu)
    state_ids = meltano(["state", "list"], base).stdout
    for slot, igrp in enumerate(igrps, start=1):
        assert f"dev:tap-infinity--job-{slot}-to-target-postgres--job-{slot}:igrp-{igrp}" in state_ids

    # New triggers in both; the jobs again, at once: each goes on from its own bookmark.
    bookmarks = {igrp: int(emu.triggers(igrp)[-1]["rowId"]) for igrp in igrps}
    for igrp in igrps:
        emu.append_triggers(igrp, 300, late_fraction=0.3)
    emu.clear_request_log()
    for result, igrp in zip(run_at_once(jobs), igrps, strict=True):
        assert result.returncode == 0, f"igrp {igrp}: {result.stderr[-3000:]}"
    assert table_counts(postgres, STREAMS) == selected_counts(emu)
    for igrp in igrps:
        asked = [r.query for r in emu.request_log if r.path == f"/reports/v2/igrps/{igrp}/triggers/all"]
        cursors = [next(f for f in q["filter[]"] if f.startswith("rowId-gt")) for q in asked]
        assert f"rowId-gt-value-{bookmarks[igrp]}" in cursors, igrp  # on from its own bookmark
        # Only dev's lookback starts below it, and only over its last days (startDate).
        assert all("startDate" in q for q, c in zip(asked, cursors, strict=True) if c == "rowId-gt-value-0")
