"""Peak memory of a sync stays flat as the data grows: pages stream, nothing accumulates."""

from __future__ import annotations

from pathlib import Path

from emulator import Emulator
from scripts.procstats import run_and_measure
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import TAP, discover, select, write_json


def test_peak_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    peaks = {}
    for rows in (20_000, 80_000):
        with Emulator({101: rows}, seed=5, username=USERNAME, password=PASSWORD) as emu:
            config = tap_config(emu, page_size=10000)
            catalog = select(discover(config), ["triggers_all"])
            args = [
                *TAP,
                "--config",
                str(write_json(tmp_path, "c.json", config)),
                "--catalog",
                str(write_json(tmp_path, "cat.json", catalog)),
            ]
            run = run_and_measure("tap", args)
        assert run.records == rows
        peaks[rows] = run.peak_rss_mb
    assert peaks[80_000] < 150, peaks
    assert peaks[80_000] - peaks[20_000] < 15, peaks
