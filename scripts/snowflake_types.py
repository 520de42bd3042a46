"""The Snowflake tables target-snowflake would create for the tap's streams, without Snowflake.

Run with the python of target-snowflake's own virtualenv (`make meltano` installs it), never the
tap's: it imports the target.

    .meltano/loaders/target-snowflake/venv/bin/python scripts/snowflake_types.py CONFIG.json < messages

CONFIG.json is the target's config (e.g. `meltano invoke --dump=config target-snowflake`); the
Singer messages on stdin are the tap's output (e.g. `tap-infinity --test=schema`), of which only the
SCHEMA messages are used. The target's own code runs: config validation, the key-pair loading, the
SCHEMA message handling, its sinks' setup (name conformance, the `_sdc_*` columns) and its
connector's type mapping and CREATE TABLE. Only the database is replaced: the connector's engine
is SQLAlchemy's mock engine with the Snowflake dialect (as SnowflakeConnector.create_engine builds
it, minus its `SHOW DATABASES` round trip), which hands the DDL here instead of executing it, and
the two questions that need a database (does the schema exist, does the table exist) are answered
"yes" and "no". Nothing is staged, copied or merged.

Prints one JSON object: the target's version, its auth method, the SHA-256 fingerprint of the
public key of the private key it loaded (as Snowflake's DESC USER shows RSA_PUBLIC_KEY_FP), and
per stream the table, its key columns, each property's column name and the table's columns with
their compiled Snowflake types.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import sys
import typing as t
from importlib.metadata import version

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from snowflake.sqlalchemy import URL
from sqlalchemy.sql.compiler import RESERVED_WORDS
from target_snowflake.sinks import SnowflakeSink
from target_snowflake.target import TargetSnowflake


def public_key_fingerprint(der_private_key: bytes) -> str:
    """SHA256:base64(sha256(DER public key)), as Snowflake computes RSA_PUBLIC_KEY_FP."""
    key = serialization.load_der_private_key(der_private_key, password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(public).digest()).decode()


def describe(config: dict[str, t.Any], messages: str) -> dict[str, t.Any]:
    target = TargetSnowflake(config=config, validate_config=True)
    connector = target.target_connector
    tables: list[sa.Table] = []

    def executor(sql: t.Any, *_args: t.Any, **_kwargs: t.Any) -> None:
        if isinstance(sql, sa.schema.CreateTable):
            tables.append(sql.element)

    engine = sa.create_mock_engine(
        URL(account=config["account"], user=config["user"], database=config["database"]), executor
    )
    engine.dialect.identifier_preparer.reserved_words |= RESERVED_WORDS  # as create_engine does
    connector._cached_engine = engine  # type: ignore[attr-defined]
    connector.schema_exists = lambda *_a, **_k: True  # type: ignore[method-assign]
    connector.table_exists = lambda *_a, **_k: False  # type: ignore[method-assign]

    sinks: list[tuple[SnowflakeSink, sa.Table]] = []
    original_setup = SnowflakeSink.setup

    def setup(sink: SnowflakeSink) -> None:
        created = len(tables)
        original_setup(sink)
        (table,) = tables[created:]  # the sink's own CREATE TABLE
        sinks.append((sink, table))

    SnowflakeSink.setup = setup  # type: ignore[method-assign]

    schemas = [
        line for line in messages.splitlines() if line.strip() and json.loads(line)["type"] == "SCHEMA"
    ]
    with contextlib.redirect_stdout(sys.stderr):  # anything the target writes is not our JSON
        target.listen(file_input=io.StringIO("\n".join(schemas) + "\n"))

    preparer = engine.dialect.identifier_preparer
    streams: dict[str, t.Any] = {}
    for sink, table in sinks:
        streams[sink.stream_name] = {
            "table": str(sink.full_table_name),
            "key_columns": [sink.conform_name(k, "column") for k in sink.key_properties],
            "property_columns": {p: sink.conform_name(p, "column") for p in sink.schema["properties"]},
            "columns": {
                column.name: {
                    "type": column.type.compile(dialect=engine.dialect),
                    "as_written": preparer.quote(column.name),
                    "nullable": column.nullable,
                    "primary_key": column.primary_key,
                }
                for column in table.columns
            },
            "ddl": str(sa.schema.CreateTable(table).compile(dialect=engine.dialect)).strip(),
        }
    return {
        "version": version("meltanolabs-target-snowflake"),
        "singer_sdk": version("singer-sdk"),
        "auth_method": connector.auth_method.name,
        "public_key_fp": public_key_fingerprint(connector.get_private_key())
        if connector.auth_method.name == "KEY_PAIR"
        else None,
        "streams": streams,
    }


def main() -> None:
    with open(sys.argv[1]) as file:
        config = json.load(file)
    json.dump(describe(config, sys.stdin.read()), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
