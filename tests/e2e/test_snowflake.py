"""target-snowflake as meltano.yml ships it, checked without Snowflake.

What is checked: the release `make meltano` installs answers `--about` with the settings
meltano.yml declares; the prod environment's config, as Meltano hands it to the target (key pair
from TARGET_SNOWFLAKE_PRIVATE_KEY and _PASSPHRASE, made with the README's openssl commands), is
accepted by the target, which decodes the key; and every stream's SCHEMA, as the tap emits it
against the emulator, becomes the columns and Snowflake types the README promises, by the target's
own code (scripts/snowflake_types.py, run in the target's virtualenv: config validation, SCHEMA
handling, name conformance, type mapping, CREATE TABLE; the database replaced by a mock engine).

Not checked (it needs a Snowflake account): connecting, PUT/COPY/MERGE of records, ACTIVATE_VERSION,
BATCH messages.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator import Emulator
from scripts.pipeline import MELTANO, ROOT, meltano_dirs

pytestmark = pytest.mark.e2e

PROJECT = yaml.safe_load((ROOT / "meltano.yml").read_text())
LOADER = next(p for p in PROJECT["plugins"]["loaders"] if p["name"] == "target-snowflake")
SETTINGS = {s["name"]: s for s in LOADER["settings"]}
PROD = next(e for e in PROJECT["environments"] if e["name"] == "prod")
PROD_CONFIG = next(
    p["config"] for p in PROD["config"]["plugins"]["loaders"] if p["name"] == "target-snowflake"
)
SHIPPED = {**LOADER["config"], **PROD_CONFIG}
SELECTED = [s.removesuffix(".*") for s in PROJECT["plugins"]["extractors"][0]["select"]]
DEV = next(e for e in PROJECT["environments"] if e["name"] == "dev")
DEV_TAP = next(p["config"] for p in DEV["config"]["plugins"]["extractors"] if p["name"] == "tap-infinity")

VENV = ROOT / ".meltano" / "loaders" / "target-snowflake" / "venv"
HELPER = ROOT / "scripts" / "snowflake_types.py"
AUTH_SETTINGS = {"private_key", "private_key_path", "password", "oauth_access_token"}

#: Snowflake's integer type: NUMBER(38, 0), which the dialect writes DECIMAL (or NUMBER).
INTEGER_TYPES = {"DECIMAL", "NUMBER", "DECIMAL(38, 0)", "NUMBER(38, 0)"}
#: Money (x-singer.decimal strings) must stay exact: 18 digits, 6 after the point. A DECIMAL
#: without them is NUMBER(38, 0) in Snowflake, which rounds money to whole units.
MONEY_TYPE = "DECIMAL(18, 6)"
TIMESTAMP_TYPE = SHIPPED["timestamp_type"]
SNAKE = bool(SHIPPED.get("normalise_casing"))
#: Column names the README names, under the configured casing.
NAMES = {
    "rowId": "row_id" if SNAKE else "rowid",
    "triggerDatetime": "trigger_datetime" if SNAKE else "triggerdatetime",
    "_sdc_unparsed": "_sdc_unparsed",
}
PASSPHRASE = "test-only-passphrase"


def _run(args: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen(args, text=True, **pipes, **kwargs)


def _finish(proc: subprocess.Popen[str], what: str, stdin: str | None = None) -> str:
    out, err = proc.communicate(stdin, timeout=180)
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{err[-4000:]}"
    return out


def _key_pair(directory: Path) -> str:
    """An encrypted key pair made as the README says; returns the public key's fingerprint
    as Snowflake's DESC USER shows it (RSA_PUBLIC_KEY_FP)."""
    key, pub = directory / "rsa_key.p8", directory / "rsa_key.pub"
    genrsa = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, check=True)
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-v2", "aes256", "-inform", "PEM", "-out", str(key),
         "-passout", f"pass:{PASSPHRASE}"],
        input=genrsa.stdout, capture_output=True, check=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-passin", f"pass:{PASSPHRASE}", "-pubout", "-out", str(pub)],
        capture_output=True,
        check=True,
    )
    der = subprocess.run(
        ["openssl", "rsa", "-pubin", "-in", str(pub), "-outform", "DER"], capture_output=True, check=True
    ).stdout
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-binary"], input=der, capture_output=True, check=True
    )
    return "SHA256:" + base64.b64encode(digest.stdout).decode()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """--about, the prod config Meltano passes, and the tables for the tap's SCHEMA messages."""
    if not (VENV / "bin" / "target-snowflake").exists():
        pytest.fail(f"{VENV} is missing: `make meltano` installs target-snowflake")
    tmp = tmp_path_factory.mktemp("snowflake")
    fingerprint = _key_pair(tmp)
    meltano_env = {
        **os.environ,
        "MELTANO_ENVIRONMENT": "prod",
        **meltano_dirs(tmp),
        "TARGET_SNOWFLAKE_PRIVATE_KEY": base64.b64encode((tmp / "rsa_key.p8").read_bytes()).decode(),
        "TARGET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
    }
    for name in ("PASSWORD", "PRIVATE_KEY_PATH", "OAUTH_ACCESS_TOKEN"):
        meltano_env.pop(f"TARGET_SNOWFLAKE_{name}", None)
    # The three slow starts (the target imports in ~5 s) run side by side.
    procs = []
    try:
        about = _run([str(VENV / "bin" / "target-snowflake"), "--about", "--format=json"])
        procs.append(about)
        dump = _run([str(MELTANO), "invoke", "--dump=config", "target-snowflake"], cwd=ROOT, env=meltano_env)
        procs.append(dump)
        with Emulator({101: 50}, seed=5, username="u", password="p", chronicall_api_key="ck") as emu:
            tap_config = {
                "username": "u",
                "password": "p",
                "igrps": [101],
                "api_url": emu.url,
                "timezone": DEV_TAP["timezone"],
                "chronicall_url": emu.url,
                "chronicall_api_key": "ck",
                "chronicall_reports": DEV_TAP["chronicall_reports"],
            }
            (tmp / "tap.json").write_text(json.dumps(tap_config))
            tap = _run(
                [sys.executable, "-m", "tap_infinity", "--config", str(tmp / "tap.json"), "--test=schema"]
            )
            procs.append(tap)
            messages = _finish(tap, "tap-infinity --test=schema")
        config = json.loads(_finish(dump, "meltano invoke --dump=config target-snowflake"))
        (tmp / "target.json").write_text(json.dumps(config))
        helper = _run([str(VENV / "bin" / "python"), str(HELPER), str(tmp / "target.json")])
        procs.append(helper)
        result = {
            "about": json.loads(_finish(about, "target-snowflake --about")),
            "config": config,
            "fingerprint": fingerprint,
            "schemas": {
                m["stream"]: m for m in map(json.loads, messages.splitlines()) if m["type"] == "SCHEMA"
            },
            "tables": json.loads(_finish(helper, "scripts/snowflake_types.py", messages)),
        }
    finally:
        for proc in procs:  # only left running when another failed
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    yield result


def test_the_pinned_release_declares_what_meltano_yml_does(shipped: dict[str, Any]) -> None:
    about = shipped["about"]
    properties = about["settings"]["properties"]
    assert about["name"] == "target-snowflake"
    assert LOADER["pip_url"] == f"meltanolabs-target-snowflake=={about['version']}"
    assert set(SETTINGS) <= set(properties), set(SETTINGS) - set(properties)
    assert set(SHIPPED) <= set(SETTINGS), set(SHIPPED) - set(SETTINGS)
    kinds = {"string": {"string", "options"}, "boolean": {"boolean"}, "integer": {"integer"}}
    for name, setting in SETTINGS.items():
        prop = properties[name]
        json_type = next(t for t in prop["type"] if t != "null")
        assert setting["kind"] in kinds[json_type], name
        if setting["kind"] == "options":
            assert {o["value"] for o in setting["options"]} == {v for v in prop["enum"] if v}, name
        if prop.get("secret") or name in AUTH_SETTINGS - {"private_key_path"} or "passphrase" in name:
            assert setting.get("sensitive") is True, name
    assert about["settings"]["required"] and set(about["settings"]["required"]) <= set(SHIPPED)


def test_prod_authenticates_with_the_key_from_the_environment(shipped: dict[str, Any]) -> None:
    config, tables = shipped["config"], shipped["tables"]
    secrets = {"private_key", "private_key_passphrase"}
    assert {k: v for k, v in config.items() if k not in secrets} == SHIPPED
    assert set(config) & AUTH_SETTINGS == {"private_key"}  # the target takes exactly one method
    assert tables["auth_method"] == "KEY_PAIR"
    # The target decoded the base64, decrypted it with the passphrase, and holds the private half
    # of the public key the README has you register.
    assert tables["public_key_fp"] == shipped["fingerprint"]


def test_every_stream_gets_a_table(shipped: dict[str, Any]) -> None:
    tables = shipped["tables"]["streams"]
    assert set(SELECTED) <= set(shipped["schemas"]) == set(tables)
    database, schema = SHIPPED["database"].upper(), SHIPPED["default_target_schema"].upper()
    for stream, table in tables.items():
        assert table["table"] == f'"{database}"."{schema}"."{stream.upper()}"'
        keys = shipped["schemas"][stream]["key_properties"]
        assert table["key_columns"] == [table["property_columns"][k] for k in keys]
        assert all(table["columns"][k]["primary_key"] for k in table["key_columns"]), stream


def _expected_type(prop: dict[str, Any]) -> tuple[str, set[str]]:
    """The kind of a property, and the Snowflake types that are right for it."""
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    if prop.get("format") == "x-singer.decimal":
        return "x-singer.decimal", {MONEY_TYPE}
    if prop.get("format") == "date-time":
        return "date-time", {TIMESTAMP_TYPE}
    if prop.get("format") == "date":
        return "date", {"DATE"}
    if "integer" in types:
        return "integer", INTEGER_TYPES
    if "number" in types:
        return "number", {"FLOAT"}
    if "object" in types or "array" in types:
        return "object", {"VARIANT"}
    return "string", {"VARCHAR"}


def test_every_property_gets_its_snowflake_type(shipped: dict[str, Any]) -> None:
    wrong: list[str] = []
    seen: set[str] = set()
    for stream, message in shipped["schemas"].items():
        table = shipped["tables"]["streams"][stream]
        for name, prop in message["schema"]["properties"].items():
            column = table["property_columns"][name]
            actual = table["columns"][column]["type"]
            kind, expected = _expected_type(prop)
            seen.add(kind)
            if actual not in expected:
                wrong.append(
                    f"{stream}.{name} ({kind}): {column} {actual}, not {' or '.join(sorted(expected))}"
                )
        # add_record_metadata: when rows were loaded and, for ACTIVATE_VERSION, soft-deleted
        assert table["columns"]["_sdc_deleted_at"]["type"] == TIMESTAMP_TYPE
        assert table["columns"]["_sdc_table_version"]["type"] in INTEGER_TYPES
    assert not wrong, f"{len(wrong)} columns with the wrong type:\n" + "\n".join(wrong)
    assert {
        "x-singer.decimal",
        "date-time",
        "integer",
        "number",
        "object",
        "string",
    } <= seen  # each kind was met


def test_column_names_under_the_configured_casing(shipped: dict[str, Any]) -> None:
    for stream, table in shipped["tables"]["streams"].items():
        columns = table["property_columns"]
        for name, expected in NAMES.items():
            if name in columns:
                assert columns[name] == expected, (stream, name)
        # No two properties land in one column.
        assert len(set(columns.values())) == len(columns), stream
        for column, described in table["columns"].items():
            # Unquoted, or (a reserved word: NEW, VALUES) quoted as its upper-case self: never a
            # mixed-case quoted name that every query would have to quote exactly.
            assert described["as_written"] in (column, f'"{column}"'), (stream, column)
            assert described["as_written"] == column or column.isupper(), (stream, column)
    assert shipped["tables"]["streams"]["triggers_all"]["property_columns"].keys() >= NAMES.keys()
