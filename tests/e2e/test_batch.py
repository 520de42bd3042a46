"""BATCH messages through Meltano into PostgreSQL: gzip JSONL files in a folder and on S3 (a real
S3-compatible server, moto's), loaded by target-postgres's own BATCH support, incremental."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from emulator import Emulator
from scripts.pipeline import expected_counts, meltano, pipeline_env
from tests.e2e.pg import query, table_counts

pytestmark = pytest.mark.e2e

STREAMS = ["triggers_all", "transactions", "numbers"]
SELECT = json.dumps([f"{s}.*" for s in STREAMS])


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_batch_files_load_into_postgres(
    pipeline_emulator: Emulator,
    postgres: dict[str, str],
    tmp_path: Path,
    where: str,
    request: pytest.FixtureRequest,
) -> None:
    emu = pipeline_emulator
    if where == "s3":
        endpoint = request.getfixturevalue("s3")  # the AWS_* environment points at it
        root = "s3://batches/infinity"
    else:
        root = f"file://{tmp_path}/batches"
    batch_config = {"encoding": {"format": "jsonl", "compression": "gzip"}, "storage": {"root": root}}
    env = pipeline_env(
        emu,
        tmp_path,
        **postgres,
        TAP_INFINITY_BATCH_CONFIG=json.dumps(batch_config),
        TAP_INFINITY__SELECT=SELECT,
    )

    def assert_equal_to_the_api() -> None:
        counts = table_counts(postgres, STREAMS)
        assert counts == {s: n for s, n in expected_counts(emu).items() if s in STREAMS}
        # Money exact: the sum of the API's decimal text, to the cent.
        (loaded,) = query(postgres, "SELECT coalesce(sum(txv), 0) FROM infinity.transactions")[0]
        api = sum(
            Decimal(r["txv"])
            for igrp in emu.installations
            for r in emu.rows(f"/reports/v2/igrps/{igrp}/triggers/transactions")
            if r["txv"]
        )
        assert Decimal(str(loaded)) == api
        # No table row marked deleted: BATCH rows carry no table version, so none is activated.
        assert query(postgres, "SELECT count(*) FROM infinity.numbers WHERE _sdc_deleted_at IS NOT NULL") == [
            (0,)
        ]

    meltano(["run", "tap-infinity", "target-postgres"], env)
    assert_equal_to_the_api()
    if where == "s3":  # the files went through the bucket
        import boto3

        listed = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket="batches")
        files = [item["Key"] for item in listed.get("Contents", [])]
    else:
        files = [path.name for path in (tmp_path / "batches").iterdir()]
    assert files and all(name.endswith(".json.gz") for name in files)

    for igrp in emu.installations:
        emu.append_triggers(igrp, 250, late_fraction=0.3)
    meltano(["run", "tap-infinity", "target-postgres"], env)
    assert_equal_to_the_api()
    duplicates = query(
        postgres,
        'SELECT count(*) FROM (SELECT 1 FROM infinity.triggers_all GROUP BY igrp, "rowId" HAVING count(*) > 1) d',
    )
    assert duplicates == [(0,)]
