"""Every environment meltano.yml ships runs: a full sync of all its selected streams.

The first release's `prod` failed on its first run (a filter sent to a route without that field).
Here each environment's own config is used as Meltano resolves it, with only what must point at
the emulator overridden from the environment (URLs, secrets), and installations and users the
emulator serves under that environment's own igrps and username.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator import Emulator
from scripts.pipeline import ROOT, add_recent_triggers, meltano, meltano_dirs
from tests.helpers import BUSY_HOUR
from tests.tap_runner import SyncResult, parse_messages

pytestmark = pytest.mark.e2e

PROJECT = yaml.safe_load((ROOT / "meltano.yml").read_text())
SELECTED = [s.removesuffix(".*") for s in PROJECT["plugins"]["extractors"][0]["select"]]


def environment_config(name: str) -> dict[str, Any]:
    environment = next(e for e in PROJECT["environments"] if e["name"] == name)
    extractors = environment["config"]["plugins"]["extractors"]
    return next(p["config"] for p in extractors if p["name"] == "tap-infinity")  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", [e["name"] for e in PROJECT["environments"]])
def test_every_environment_syncs_every_selected_stream(name: str, tmp_path: Path) -> None:
    config = environment_config(name)
    igrps = {int(igrp): 1500 for igrp in config["igrps"]}
    with Emulator(
        igrps, seed=17, username=config["username"], password="env-test-password", clock=lambda: BUSY_HOUR
    ) as emu:
        add_recent_triggers(emu)  # channel metrics read the last days
        env = {
            "MELTANO_ENVIRONMENT": name,
            **meltano_dirs(tmp_path),
            "TAP_INFINITY_API_URL": emu.url,
            "TAP_INFINITY_PASSWORD": "env-test-password",
            "TAP_INFINITY_CHRONICALL_URL": emu.url,
            "TAP_INFINITY_CHRONICALL_API_KEY": "chron-key",
        }
        proc = meltano(["invoke", "tap-infinity"], env, timeout=300)
    result = SyncResult(proc.returncode, proc.stdout, proc.stderr)
    parse_messages(proc.stdout, result)
    assert set(result.schemas) == set(SELECTED)
    needs = {"chronicall_reports": "chronicall_reports", "call_recordings": "recordings_url"}
    for stream in SELECTED:
        if stream in needs and not config.get(needs[stream]):
            assert not result.records[stream], f"{name}: {stream} read without {needs[stream]}"
        else:
            assert result.records[stream], f"{name}: no {stream} records"
    if "outcomeType-ne-value-V" in config.get("filters", []):  # prod: voids left out where they can be
        calls = result.records["calls"]
        assert calls and all(r["outcomeType"] != "V" for r in calls)
