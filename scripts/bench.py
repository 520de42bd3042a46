"""Benchmark: tap-infinity's triggers_all sync against the raw extractor, on the same emulator.

Starts the emulator with N triggers in one igrp, runs scripts/raw_extractor.py, tap-infinity,
and tap-infinity with the SDK's flattening on (each a separate process, stdout read and RECORD
lines counted here), and prints records/s, the tap's share of the raw speed, and each process's
peak RSS (VmHWM) as the OS reports it.

    python -m scripts.bench [--rows 200000] [--runs 1] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.procstats import run_and_measure

ROOT = Path(__file__).resolve().parent.parent

USERNAME, PASSWORD, IGRP = "bench.user@example.com", "bench-password", 101


def start_emulator(igrps: dict[int, int], *flags: str) -> tuple[subprocess.Popen[str], str]:
    """The emulator as its own process serving `igrps` (igrp: triggers); its URL."""
    counts = ",".join(f"{igrp}:{rows}" for igrp, rows in igrps.items())
    args = ["--port", "0", "--igrps", counts, "--username", USERNAME, "--password", PASSWORD, *flags]
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY "):
        raise SystemExit(f"emulator did not start: {line!r}")
    return proc, line.split()[1]


def write_config(directory: Path, name: str, url: str, igrps: list[int], **extra: Any) -> Path:
    config = directory / name
    settings = {"username": USERNAME, "password": PASSWORD, "igrps": igrps, "api_url": url, **extra}
    config.write_text(json.dumps(settings))
    return config


def triggers_all_catalog(url: str, igrp: int, directory: Path) -> Path:
    """The discovered catalog with only triggers_all selected (discovery is not measured)."""
    config = write_config(directory, "discover.json", url, [igrp])
    discovered = subprocess.run(
        [sys.executable, "-m", "tap_infinity", "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = entry["tap_stream_id"] == "triggers_all"
    path = directory / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def tap_command(url: str, directory: Path, profile: str | None, **extra: Any) -> list[str]:
    config = write_config(directory, f"config-{len(extra)}.json", url, [IGRP], **extra)
    catalog = triggers_all_catalog(url, IGRP, directory)
    runner = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    return [*runner, "-m", "tap_infinity", "--config", str(config), "--catalog", str(catalog)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1, help="alternate raw and tap runs this many times")
    parser.add_argument("--profile", help="write a cProfile of the (last) tap run to this file")
    args = parser.parse_args()

    emulator, url = start_emulator({IGRP: args.rows})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tap = tap_command(url, Path(tmp), args.profile)
            # The SDK's flattening on: free where there is nothing to flatten (direct_write.py).
            flat = tap_command(url, Path(tmp), None, flattening_enabled=True, flattening_max_depth=1)
            raw = [sys.executable, "scripts/raw_extractor.py", url, str(IGRP), USERNAME, PASSWORD]
            runs = [
                run_and_measure(name, cmd, cwd=ROOT)
                for _ in range(args.runs)
                for name, cmd in (("raw", raw), ("tap", tap), ("flat", flat))
            ]
    finally:
        emulator.terminate()
        emulator.wait()

    for run in runs:
        print(
            f"{run.name:4} {run.records:>9} records {run.seconds:7.2f} s (CPU {run.cpu_seconds:6.2f} s) "
            f"{run.rate:>9.0f} records/s  peak RSS {run.peak_rss_mb:6.1f} MB"
        )
    best = {name: max(r.rate for r in runs if r.name == name) for name in ("raw", "tap", "flat")}
    counts = {r.records for r in runs}
    if counts != {args.rows}:
        raise SystemExit(f"record counts differ from the {args.rows} triggers served: {sorted(counts)}")
    print(f"ratio (best tap / best raw records/s): {best['tap'] / best['raw']:.0%}")
    print(f"with flattening_enabled (best flat / best tap records/s): {best['flat'] / best['tap']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
