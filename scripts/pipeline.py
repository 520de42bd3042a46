"""Runs the project's Meltano pipelines against the emulator: shared by `make demo` and tests/e2e."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
USERNAME = "demo.user@example.com"  # the dev environment's username in meltano.yml
PASSWORD = "demo-password"
CHRONICALL_KEY = "demo-chronicall-key"

#: Each stream's ground-truth count in Emulator.counts(), by stream name.
COUNTED_ROUTES = {
    "triggers_all": "all",
    "calls": "calls",
    "goals": "goals",
    "transactions": "transactions",
    "call_users": "users",
    "calls_goals_transactions": "callsGoalsTransactions",
    "touch_points": "touchPoints",
    "visits": "visits",
    "itemised_calls": "itemisedCalls",
    "dgrps": "dgrps",
    "numbers": "numbers",
    "organisations": "organisations",
}


def dev_config() -> dict[str, Any]:
    """The tap's config in meltano.yml's dev environment."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    dev = next(env for env in project["environments"] if env["name"] == "dev")
    extractors = dev["config"]["plugins"]["extractors"]
    return next(p["config"] for p in extractors if p["name"] == "tap-infinity")  # type: ignore[no-any-return]


def start_emulator(rows_per_igrp: int) -> Emulator:
    """The emulator holding the dev environment's igrps, with its credentials."""
    igrps = {igrp: rows_per_igrp // (n + 1) for n, igrp in enumerate(dev_config()["igrps"])}
    emu = Emulator(igrps, seed=1, username=USERNAME, password=PASSWORD, chronicall_api_key=CHRONICALL_KEY)
    add_recent_triggers(emu)
    return emu.start()


def add_recent_triggers(emu: Emulator, per_igrp: int = 400, days: int = 10) -> None:
    """Triggers over the last `days` days up to now, after the emulator's history (which ends in
    2024): the recent days that channel metrics and the lookback read on a real installation;
    and a Chronicall call just ended, so today's window has a row even just after midnight."""
    now = int(time.time())
    step = days * 86400 // per_igrp
    for igrp in emu.installations:
        emu.add_triggers_at(igrp, range(now - days * 86400, now, step))
    if emu.chronicall is not None:  # and a call that has ended in Chronicall's today, at any hour
        ended = datetime.fromtimestamp(now - 60, timezone.utc)
        emu.chronicall.add_call("Agent1(200)", ended, talking_ms=20_000)


def meltano(
    args: list[str], env: dict[str, str], timeout: float = 600, project: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`meltano ARGS` in `project` (this one), output captured; raises with its stderr's tail on failure."""
    if not MELTANO.exists():
        raise RuntimeError(f"{MELTANO} is missing: `make meltano` installs Meltano and the plugins")
    proc = subprocess.run(
        [str(MELTANO), *args],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"meltano {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    return proc


def meltano_dirs(state_dir: Path) -> dict[str, str]:
    """A system database and a `.meltano` of their own for the runs of one test or demo: the
    installed plugins are shared (links), the run directories are not. Meltano keeps each
    plugin's catalog, state and config files in one run directory, which runs at once (tests on
    two pytest-xdist workers) would otherwise overwrite for each other."""
    sys_dir = state_dir / "meltano-sys"
    sys_dir.mkdir(parents=True, exist_ok=True)
    for kind in ("extractors", "loaders"):
        if not (sys_dir / kind).exists():
            (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    return {
        "MELTANO_DATABASE_URI": f"sqlite:///{state_dir / 'meltano.db'}",
        "MELTANO_SYS_DIR_ROOT": str(sys_dir),
    }


def pipeline_env(emu: Emulator, state_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for `meltano run` in dev: the emulator's address and secrets, and Meltano
    directories and a recordings folder of its own (state lives there), so runs never share
    bookmarks, files or recordings by accident."""
    return {
        "MELTANO_ENVIRONMENT": "dev",
        **meltano_dirs(state_dir),
        "TAP_INFINITY_RECORDINGS_URL": str(state_dir / "recordings"),
        "TAP_INFINITY_API_URL": emu.url,
        "TAP_INFINITY_PASSWORD": PASSWORD,
        "TAP_INFINITY_CHRONICALL_URL": emu.url,
        "TAP_INFINITY_CHRONICALL_API_KEY": CHRONICALL_KEY,
        **extra,
    }


def expected_counts(emu: Emulator) -> dict[str, int]:
    """Rows per stream the emulator holds (its own count, not the tap's), for the dev config."""
    counts = emu.counts()
    expected = {
        stream: sum(per_igrp[route] for per_igrp in counts.values())
        for stream, route in COUNTED_ROUTES.items()
    }
    expected["chronicall_reports"] = chronicall_rows_today(emu)
    return expected


def chronicall_rows_today(emu: Emulator) -> int:
    """Rows of each dev report in today's window: a first sync without start_date reads just it."""
    assert emu.chronicall is not None
    config = dev_config()
    zone = ZoneInfo(config["chronicall_timezone"])
    midnight = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = (midnight + timedelta(days=1)).replace(tzinfo=None).replace(tzinfo=zone)
    return sum(
        len(emu.chronicall.expected(report["key"], midnight, end - timedelta(milliseconds=1))["rows"])
        for report in config["chronicall_reports"]
    )
