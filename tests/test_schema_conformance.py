"""Every record the tap emits is valid against the SCHEMA message it sent for its stream.

meltano.yml turns the loaders' own per-record validation off (`validate_records: false`: it was
about 70% of target-postgres's time), so this test is what stands behind that: a sync of every
stream against the emulator's default data (mended notes lines, custom fields, recent triggers,
recordings, PBX snapshots, Chronicall reports), each record checked by the SDK's own validator
as a target would run it, with string formats checked too, and exact decimals checked to fit
the precision and scale they declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.sinks.core import JSONSchemaValidator

from emulator import Emulator
from scripts.pipeline import add_recent_triggers
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import BUSY_HOUR
from tests.tap_runner import discover, run_tap, select

CHRONICALL_KEY = "schema-test-key"
REPORTS = [
    {"key": "0b9f4a3e-5c1d-4e8f-a7b2-6d3c9e1f0a48", "name": "agents"},
    {"key": "7d2e6c1a-9f4b-4a3d-b8e5-1c0f2a9d3b52", "name": "groups"},
]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(
        {101: 2500, 202: 600},
        seed=23,
        username=USERNAME,
        password=PASSWORD,
        chronicall_api_key=CHRONICALL_KEY,
    ) as emulator:
        add_recent_triggers(emulator, per_igrp=200, days=5)  # for channel_metrics' recent days
        emulator.set_clock(BUSY_HOUR)  # the PBX snapshots at an hour with calls going on
        yield emulator


def decimal_problems(schema: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """x-singer.decimal strings that are not decimals, or do not fit precision and scale."""
    problems = []
    for name, prop in schema["properties"].items():
        value = record.get(name)
        if prop.get("format") != "x-singer.decimal" or value is None:
            continue
        try:
            number = Decimal(value)
        except ArithmeticError:
            problems.append(f"{name}={value!r} is not a decimal")
            continue
        _, digits, exponent = number.as_tuple()
        assert isinstance(exponent, int)
        scale = max(0, -exponent)
        whole = len(digits) + exponent  # digits before the point
        if scale > prop["scale"] or whole > prop["precision"] - prop["scale"]:
            problems.append(f"{name}={value!r} does not fit ({prop['precision']},{prop['scale']})")
    return problems


def test_every_record_of_every_stream_matches_its_schema(emu: Emulator, tmp_path: Path) -> None:
    config = tap_config(
        emu,
        recordings_url=str(tmp_path / "recordings"),
        chronicall_url=emu.url,
        chronicall_api_key=CHRONICALL_KEY,
        chronicall_reports=REPORTS,
        chronicall_settle="PT0S",
    )
    catalog = discover(config)
    streams = [entry["tap_stream_id"] for entry in catalog["streams"]]
    result = run_tap(config, select(catalog, streams), timeout=600)

    checked = {}
    for stream in streams:
        schema = result.schemas[stream]
        validator = JSONSchemaValidator(schema, validate_formats=True)
        invalid = []
        for record in result.records[stream]:
            try:
                validator.validate(record)
            except Exception as exc:  # the SDK's InvalidRecord, as a target would raise it
                invalid.append(f"{stream}: {exc}")
            invalid += [f"{stream}: {p}" for p in decimal_problems(schema, record)]
        assert not invalid, "\n".join(invalid[:20])
        checked[stream] = len(result.records[stream])
    # Every stream had records to check (the snapshots and Chronicall included).
    assert all(checked.values()), checked
    assert len(checked) == 17
