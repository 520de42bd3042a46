"""Another Meltano project adds the tap from hub/tap-infinity.yml, without Meltano Hub, and runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scripts.pipeline import ROOT, meltano

pytestmark = pytest.mark.e2e

OFFLINE = {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "MELTANO_ENVIRONMENT": ""}


def test_add_from_ref_then_install_and_invoke(tmp_path: Path) -> None:
    meltano(["init", "elsewhere", "--no_usage_stats"], OFFLINE, project=tmp_path)
    project = tmp_path / "elsewhere"
    hub_file = ROOT / "hub" / "tap-infinity.yml"
    meltano(
        ["add", "--plugin-type", "extractor", "tap-infinity", "--from-ref", str(hub_file), "--no-install"],
        OFFLINE,
        project=project,
    )

    config = yaml.safe_load((project / "meltano.yml").read_text())
    added = next(p for p in config["plugins"]["extractors"] if p["name"] == "tap-infinity")
    ours = yaml.safe_load((ROOT / "meltano.yml").read_text())
    extractor = next(p for p in ours["plugins"]["extractors"] if p["name"] == "tap-infinity")
    assert added["settings"] == extractor["settings"]
    assert added["capabilities"] == extractor["capabilities"]
    assert added["settings_group_validation"] == extractor["settings_group_validation"]

    # Not published here: install from this checkout instead, as the hub file's comment says.
    added["pip_url"] = str(ROOT)
    (project / "meltano.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    meltano(["install", "--plugin-type", "extractor", "tap-infinity"], OFFLINE, project=project)
    about = json.loads(
        meltano(["invoke", "tap-infinity", "--about", "--format=json"], OFFLINE, project=project).stdout
    )
    assert about["name"] == "tap-infinity"
    assert about["settings"]["properties"]["password"]["secret"] is True

    meltano(["config", "set", "tap-infinity", "password", "hub-secret-123"], OFFLINE, project=project)
    listing = meltano(["config", "list", "tap-infinity"], OFFLINE, project=project)
    assert "hub-secret-123" not in listing.stdout + listing.stderr
