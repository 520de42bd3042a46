"""dgrps, numbers and organisations against the emulator over HTTP: full table per igrp."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator import Emulator
from emulator.chronicall import AGENT_TALKING_SUMMARY_KEY
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.helpers import assert_same_value
from tests.tap_runner import SyncResult, discover, run_tap, select

TABLES = {
    "dgrps": ("/config/v2/igrps/{igrp}/dgrps", ["igrp", "dgrp"]),
    "numbers": ("/config/v2/igrps/{igrp}/dgrps/all/numbers", ["igrp", "dgrp", "phoneNumber"]),
    "organisations": ("/reports/v2/igrps/{igrp}/organisations", ["igrp", "orgId"]),
}


@pytest.fixture(scope="module")
def catalog(emulator: Emulator) -> dict[str, Any]:
    return select(discover(tap_config(emulator)), list(TABLES))


def assert_table_matches(result: SyncResult, emu: Emulator, stream: str, **params: Any) -> int:
    """Every igrp's rows, in the API's order, each documented field equal to the API's own."""
    route, keys = TABLES[stream]
    properties = result.schemas[stream]["properties"]
    order = [f"{key}-asc" for key in keys if key != "igrp"]
    total = 0
    for igrp in emu.installations:
        expected = emu.rows(route.format(igrp=igrp), {"sort[]": order, **params})
        emitted = [r for r in result.records[stream] if r["igrp"] == igrp]
        assert len(emitted) == len(expected), f"{stream} igrp {igrp}"
        for record, raw in zip(emitted, expected, strict=True):
            for key in set(raw) & set(properties):
                assert_same_value(stream, key, record[key], raw[key], properties[key])
        total += len(expected)
    return total


def test_discovery_lists_the_tables_with_keys_and_full_table(catalog: dict[str, Any]) -> None:
    entries = {e["tap_stream_id"]: e for e in catalog["streams"] if e["tap_stream_id"] in TABLES}
    assert set(entries) == set(TABLES)
    for stream, (_, keys) in TABLES.items():
        entry = entries[stream]
        assert entry["key_properties"] == keys
        assert not entry.get("replication_key")
        top = next(m["metadata"] for m in entry["metadata"] if not m["breadcrumb"])
        assert top.get("forced-replication-method", "FULL_TABLE") == "FULL_TABLE"
        assert not top.get("valid-replication-keys")
    org = entries["organisations"]["schema"]["properties"]
    assert org["orgId"]["type"] == ["integer", "null"]
    assert org["orgCreated"]["format"] == "date-time"
    # Only the fields the documents show for each route (the emulator sends more: see below).
    assert "parentOrgId" not in org
    assert {"dgrpRef", "orgId", "callRatingId"}.isdisjoint(entries["dgrps"]["schema"]["properties"])
    assert {"numType", "telcoCode"}.isdisjoint(entries["numbers"]["schema"]["properties"])
    assert entries["dgrps"]["schema"]["properties"]["startDate"]["format"] == "date-time"
    assert entries["numbers"]["schema"]["properties"]["phoneNumber"]["type"] == ["string", "null"]


def test_full_sync_equals_ground_truth_across_pages(emulator: Emulator, catalog: dict[str, Any]) -> None:
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, page_size=7, timezone="America/New_York"), catalog)
    for stream in TABLES:
        assert assert_table_matches(result, emulator, stream) > 7
    # Fields beyond the documented ones are not loaded, and not silently: the run says which.
    assert (
        "dgrps: the API sent fields the schema does not have, not loaded: callRatingId, dgrpRef, orgId"
        in (result.stderr)
    )
    # limit/offset paging, until a short page.
    numbers = [r.query for r in emulator.request_log if r.path == "/config/v2/igrps/202/dgrps/all/numbers"]
    assert [q["offset"] for q in numbers] == [[str(7 * i)] for i in range(len(numbers))]
    assert all(q["limit"] == ["7"] and q["sort[]"] == ["dgrp-asc", "phoneNumber-asc"] for q in numbers)
    assert len(numbers) == len(emulator.rows(TABLES["numbers"][0].format(igrp=202))) // 7 + 1


def test_a_table_route_that_ignores_offset_stops_the_sync_instead_of_looping() -> None:
    with Emulator(
        {101: 10}, seed=2, username=USERNAME, password=PASSWORD, limit_only_tables=["numbers"]
    ) as emu:
        numbers = len(emu.rows(TABLES["numbers"][0].format(igrp=101)))
        config = tap_config(emu, page_size=numbers // 3)
        result = run_tap(config, select(discover(config), ["numbers"]), check=False, timeout=60)
        big_page = run_tap(tap_config(emu, page_size=numbers + 1), select(discover(config), ["numbers"]))
    assert result.returncode == 1
    assert "numbers (igrp 101): the row {'dgrp': " in result.stderr
    assert f"came again at offset {numbers // 3}, so the route ignores offset" in result.stderr
    assert len(big_page.records["numbers"]) == numbers


def test_keys_are_unique_and_organisations_get_their_igrp(
    emulator: Emulator, catalog: dict[str, Any]
) -> None:
    result = run_tap(tap_config(emulator), catalog)
    for stream, (_, keys) in TABLES.items():
        values = [tuple(r[k] for k in keys) for r in result.records[stream]]
        assert len(values) == len(set(values)) > 0, stream
        assert None not in {v for key in values for v in key}, stream
    assert {r["igrp"] for r in result.records["organisations"]} == set(emulator.installations)


def test_rerun_reads_the_whole_table_again(emulator: Emulator, catalog: dict[str, Any]) -> None:
    first = run_tap(tap_config(emulator), catalog)
    second = run_tap(tap_config(emulator), catalog, state=first.final_state)
    for stream in TABLES:
        assert second.records[stream] == first.records[stream]
        assert assert_table_matches(second, emulator, stream) > 0


def test_root_org_id_and_display_pushdown(emulator: Emulator, catalog: dict[str, Any]) -> None:
    root = emulator.installations[101].orgs[1]["orgId"]
    narrowed = select(
        catalog, list(TABLES), deselect={"organisations": ["orgTitle"], "dgrps": ["autoDiscoveryNumber"]}
    )
    emulator.clear_request_log()
    result = run_tap(tap_config(emulator, igrps=[101], root_org_id=root), narrowed)
    expected = emulator.rows("/reports/v2/igrps/101/organisations", {"rootOrgId": root})
    assert 0 < len(expected) < len(emulator.installations[101].orgs)
    assert [r["orgId"] for r in result.records["organisations"]] == [o["orgId"] for o in expected]
    assert all("orgTitle" not in r for r in result.records["organisations"])
    org_request = next(r for r in emulator.request_log if r.path.endswith("/organisations"))
    assert org_request.query["rootOrgId"] == [str(root)]
    assert "igrp" not in org_request.query["display[]"] and "orgTitle" not in org_request.query["display[]"]
    dgrp_request = next(r for r in emulator.request_log if r.path.endswith("/dgrps"))
    assert set(dgrp_request.query["display[]"]) == {"dgrp", "dgrpName", "startDate"}
    assert {r["igrp"] for r in result.records["dgrps"]} == {101}


def test_a_selected_infinity_stream_without_its_settings_fails_clearly(
    emulator: Emulator, catalog: dict[str, Any]
) -> None:
    """A Chronicall-only config may leave out the Infinity settings, until an Infinity stream is selected."""
    config = tap_config(
        emulator,
        chronicall_url=emulator.url,
        chronicall_api_key="chron-key",
        chronicall_reports=[{"key": AGENT_TALKING_SUMMARY_KEY}],
    )
    del config["password"], config["igrps"]
    result = run_tap(config, catalog, check=False)
    assert result.returncode == 1
    assert "the Infinity streams need the settings username, password, igrps; missing: password, igrps" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_config_for_neither_api_fails_at_start_up(emulator: Emulator, catalog: dict[str, Any]) -> None:
    config = tap_config(emulator)
    del config["password"], config["igrps"]
    emulator.clear_request_log()
    result = run_tap(config, catalog, check=False)
    assert result.returncode != 0
    assert "Settings password, igrps: needed to read Infinity (or list chronicall_reports" in result.stderr
    assert not emulator.request_log


def messages_of(result: SyncResult) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_each_run_is_a_table_version_activated_after_its_records(
    emulator: Emulator, catalog: dict[str, Any]
) -> None:
    """Every record of a table carries its run's version; ACTIVATE_VERSION follows the last of
    them (and a STATE), never precedes them; the next run's version is higher."""
    versions = []
    for _ in range(2):
        messages = messages_of(run_tap(tap_config(emulator), catalog))
        for stream in TABLES:
            own = [m for m in messages if m.get("stream") == stream]
            kinds = [m["type"] for m in own]
            assert (
                kinds[0] == "SCHEMA"
                and kinds[-1] == "ACTIVATE_VERSION"
                and kinds.count("ACTIVATE_VERSION") == 1
            )
            version = own[-1]["version"]
            assert {m["version"] for m in own if m["type"] == "RECORD"} == {version}
            last_record = max(
                i for i, m in enumerate(messages) if m.get("stream") == stream and m["type"] == "RECORD"
            )
            activation = messages.index(own[-1])
            assert any(m["type"] == "STATE" for m in messages[last_record:activation])
            versions.append(version)
    assert all(later > earlier for earlier, later in zip(versions[:3], versions[3:], strict=True))


def test_no_version_is_activated_when_a_partition_was_skipped_or_the_setting_is_off(
    catalog: dict[str, Any],
) -> None:
    with Emulator(
        {101: 10, 202: 10}, seed=4, username=USERNAME, password=PASSWORD, forbidden_igrps=(202,)
    ) as emu:
        skipped = run_tap(tap_config(emu), catalog, check=False)
        assert skipped.returncode == 1
        assert not [m for m in messages_of(skipped) if m["type"] == "ACTIVATE_VERSION"]
        assert "dgrps: version not activated, since a partition was skipped" in skipped.stderr
        assert skipped.records["dgrps"]  # igrp 101's rows still go out
        off = run_tap(tap_config(emu, igrps=[101], activate_version=False), catalog)
        messages = messages_of(off)
        assert not [m for m in messages if m["type"] == "ACTIVATE_VERSION"]
        assert all("version" not in m for m in messages if m["type"] == "RECORD")
