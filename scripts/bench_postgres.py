"""End-to-end benchmark: `meltano run tap-infinity target-postgres` in rows/s, Meltano's start-up
included, beside the tap's own rate through Meltano, on 2 igrps x 50,000 triggers (triggers_all).

Each load goes into a schema of its own on an empty, throwaway PostgreSQL server, and is checked
against the emulator: every row once, and every `txv` (money) exactly the API's decimal.

    python -m scripts.bench_postgres [--rows 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from emulator import Emulator
from scripts.pg_server import connect, postgres_server
from scripts.pipeline import CHRONICALL_KEY, MELTANO, PASSWORD, ROOT, USERNAME, meltano_dirs, pipeline_env

IGRPS = (101, 202)


def timed(args: list[str], env: dict[str, str], stdout: int | None = subprocess.DEVNULL) -> float:
    """Seconds `meltano ARGS` took; stops the benchmark with its stderr's tail if it failed."""
    started = time.perf_counter()
    proc = subprocess.run(
        [str(MELTANO), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"meltano {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def check_load(pg: dict[str, str], schema: str, emu: Emulator) -> None:
    """Every trigger once, with its money exact: or the benchmark stops."""
    truth = {
        (igrp, int(row["rowId"])): row["txv"]
        for igrp in IGRPS
        for row in emu.triggers(igrp)
        if row.get("txv")
    }
    rows = sum(len(emu.triggers(igrp)) for igrp in IGRPS)
    with connect(pg) as conn:
        table = f'"{schema}".triggers_all'
        count, keys = conn.execute(
            f'SELECT count(*), count(DISTINCT (igrp, "rowId")) FROM {table}'
        ).fetchone()  # type: ignore[misc]
        money = dict(
            ((int(igrp), int(row_id)), txv)
            for igrp, row_id, txv in conn.execute(
                f'SELECT igrp, "rowId", txv FROM {table} WHERE txv IS NOT NULL'
            )
        )
    if count != rows or keys != rows:
        raise SystemExit(f"{schema}: {count} rows ({keys} keys), not the {rows} triggers served")
    wrong = [key for key, txv in truth.items() if money.get(key) != Decimal(txv)]
    if wrong or len(money) != len(truth):
        raise SystemExit(f"{schema}: txv not exact for {len(wrong)} triggers, e.g. {wrong[:3]}")


def parallel_jobs(env: dict[str, str], tmp: Path) -> float:
    """The README's recipe: the catalog and the tables once (not timed: done once, not per run),
    then one job per igrp at once, each in its own slot with its own state ID."""
    catalog = tmp / "catalog.json"
    catalog.write_text(
        subprocess.run(
            [str(MELTANO), "invoke", "--dump=catalog", "tap-infinity"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    env = {**env, "TAP_INFINITY__CATALOG": str(catalog), "TAP_INFINITY_ACTIVATE_VERSION": "false"}
    subprocess.run(
        f"{MELTANO} invoke tap-infinity --test=schema | {MELTANO} invoke target-postgres",
        shell=True,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        check=True,
    )
    started = time.perf_counter()
    jobs = [
        subprocess.Popen(
            [
                str(MELTANO),
                "run",
                "--state-id-suffix",
                f"igrp-{igrp}",
                f"tap-infinity--job-{slot}",
                f"target-postgres--job-{slot}",
            ],
            cwd=ROOT,
            env={**os.environ, **env, "TAP_INFINITY_IGRPS": f"[{igrp}]"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for slot, igrp in enumerate(IGRPS, start=1)
    ]
    for job in jobs:
        _, err = job.communicate()
        if job.returncode != 0:
            raise SystemExit(f"{job.args}: {err[-3000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="triggers per igrp")
    args = parser.parse_args()
    rows = len(IGRPS) * args.rows
    emu = Emulator(
        dict.fromkeys(IGRPS, args.rows),
        seed=3,
        username=USERNAME,
        password=PASSWORD,
        chronicall_api_key=CHRONICALL_KEY,
    ).start()
    try:
        with postgres_server() as pg, tempfile.TemporaryDirectory() as tmp:
            base = {
                **pipeline_env(emu, Path(tmp), **pg),
                "TAP_INFINITY__SELECT": '["triggers_all.*"]',
                "TAP_INFINITY_LOOKBACK_DAYS": "0",
            }
            results: list[tuple[str, float]] = []

            def load(label: str, schema: str, run: Callable[[dict[str, str]], float]) -> None:
                env = {
                    **base,
                    **meltano_dirs(Path(tmp) / schema),
                    "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
                }
                seconds = run(env)
                check_load(pg, schema, emu)
                results.append((label, seconds))

            batch = json.dumps(
                {
                    "encoding": {"format": "jsonl", "compression": "gzip"},
                    "storage": {"root": f"file://{tmp}/batches", "prefix": "bench-"},
                }
            )
            tap_alone = timed(["invoke", "tap-infinity"], base)
            load("2 parallel jobs, shipped", "parallel", lambda env: parallel_jobs(env, Path(tmp)))
            load(
                "2 parallel jobs, shipped + BATCH",
                "parallel_batch",
                lambda env: parallel_jobs({**env, "TAP_INFINITY_BATCH_CONFIG": batch}, Path(tmp)),
            )
            load(
                "meltano run, shipped (COPY)",
                "shipped",
                lambda env: timed(["run", "tap-infinity", "target-postgres"], env),
            )
            load(
                "meltano run, shipped + BATCH files",
                "batch",
                lambda env: timed(
                    ["run", "tap-infinity", "target-postgres"], {**env, "TAP_INFINITY_BATCH_CONFIG": batch}
                ),
            )
            load(
                "meltano run, INSERT (use_copy: false)",
                "insert",
                lambda env: timed(
                    ["run", "tap-infinity", "target-postgres"], {**env, "TARGET_POSTGRES_USE_COPY": "false"}
                ),
            )
    finally:
        emu.stop()

    print(f"{len(IGRPS)} igrps x {args.rows} triggers (triggers_all), Meltano's start-up included:")
    print(f"  {'tap alone (meltano invoke)':36} {tap_alone:6.1f} s {rows / tap_alone:8.0f} rows/s")
    for label, seconds in results:
        print(f"  {label:36} {seconds:6.1f} s {rows / seconds:8.0f} rows/s  (every row once, money exact)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
