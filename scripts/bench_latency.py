"""Latency-bound benchmark: one tap job over 8 installations against 4 parallel jobs of 2 each.

The real API answers a 10,000-row page in seconds, not milliseconds, so a sync of many
installations spends most of its time waiting. The emulator waits `--first-byte` seconds before
every answer; one job reads the igrps one after another, four jobs (one process each, as four
`meltano run` jobs with their own state ids would) read them at once. Prints each run's wall
time, records and the CPU it used.

    python -m scripts.bench_latency [--igrps 8] [--rows 15000] [--jobs 4] [--first-byte 1.0]
                                    [--bandwidth BYTES_PER_SECOND]

`make bench` runs it twice: with the first byte's wait alone (the parallel jobs' CPU cannot hide
behind it: four processes start and parse at the same moments on two cores), and with a 10 MB/s
cap as well, which makes a 10,000-row page of triggers (about 20 MB) take 3 s, as the real API's
"seconds" do; there the jobs parse each page while it arrives.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.bench import ROOT, start_emulator, triggers_all_catalog, write_config
from scripts.procstats import ProcessRun, cpu_seconds, run_and_measure


def tap_job(url: str, igrps: list[int], catalog: Path, directory: Path) -> list[str]:
    config = write_config(directory, f"config-{igrps[0]}.json", url, igrps)
    return [sys.executable, "-m", "tap_infinity", "--config", str(config), "--catalog", str(catalog)]


def run_jobs(commands: list[list[str]]) -> tuple[float, list[ProcessRun]]:
    """Runs the commands at once; the wall time of them all, and each one's measures."""
    started = time.perf_counter()
    with ThreadPoolExecutor(len(commands)) as pool:
        runs = list(pool.map(lambda cmd: run_and_measure("tap", cmd, cwd=ROOT), commands))
    return time.perf_counter() - started, runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--igrps", type=int, default=8)
    parser.add_argument("--rows", type=int, default=15_000, help="triggers per igrp")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--first-byte", type=float, default=1.0, help="seconds before each answer")
    parser.add_argument("--bandwidth", type=float, default=0.0, help="bytes/s of each answer (0: no cap)")
    args = parser.parse_args()

    igrps = [101 + n for n in range(args.igrps)]
    emulator, url = start_emulator(
        dict.fromkeys(igrps, args.rows),
        "--first-byte",
        str(args.first_byte),
        "--bandwidth",
        str(args.bandwidth),
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            catalog = triggers_all_catalog(url, igrps[0], directory)
            # The emulator's CPU too: it generates the rows on the same two cores as the jobs.
            before = cpu_seconds(emulator.pid)
            one_wall, one = run_jobs([tap_job(url, igrps, catalog, directory)])
            between = cpu_seconds(emulator.pid)
            shares = [igrps[n :: args.jobs] for n in range(args.jobs)]
            par_wall, par = run_jobs([tap_job(url, share, catalog, directory) for share in shares])
            emulator_cpu = {
                "1 job": between - before,
                f"{args.jobs} jobs": cpu_seconds(emulator.pid) - between,
            }
    finally:
        emulator.terminate()
        emulator.wait()

    expected = args.igrps * args.rows
    latency = f"{args.first_byte:g} s to first byte" + (
        f", {args.bandwidth / 1e6:g} MB/s" if args.bandwidth else ", no bandwidth cap"
    )
    for label, wall, runs in (("1 job", one_wall, one), (f"{args.jobs} jobs", par_wall, par)):
        records = sum(r.records for r in runs)
        if records != expected:
            raise SystemExit(f"{label}: {records} records, not the {expected} triggers served")
        cpu = sum(r.cpu_seconds for r in runs)
        print(
            f"{label:7} {args.igrps} igrps x {args.rows} triggers, {latency}: "
            f"{wall:6.2f} s wall, {records / wall:8.0f} records/s, CPU {cpu:5.2f} s "
            f"(the emulator's {emulator_cpu[label]:5.2f} s)"
        )
    print(f"speed-up of {args.jobs} parallel jobs: {one_wall / par_wall:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
