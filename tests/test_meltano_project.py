"""meltano.yml describes the tap as the tap describes itself, so Meltano users see the same settings."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from scripts.pipeline import ROOT
from tap_infinity.tap import TapInfinity

#: Meltano's setting kinds for the JSON schema types the tap uses.
KINDS = {
    "string": {"string", "date_iso8601"},
    "integer": {"integer"},
    "number": {"decimal"},
    "boolean": {"boolean"},
    "array": {"array"},
    "object": {"object"},
}


def _extractor() -> dict[str, Any]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    return next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-infinity")  # type: ignore[no-any-return]


def _json_type(prop: dict[str, Any]) -> str:
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    return next(t for t in types if t != "null")  # type: ignore[no-any-return]


def _own_properties() -> dict[str, Any]:
    """The tap's settings without the SDK's built-in ones (stream_maps, ...), which a tap
    instance adds to the class's schema and Meltano knows by itself."""
    builtin: dict[str, Any] = {"type": "object", "properties": {}}
    TapInfinity.append_builtin_config(builtin)
    properties = TapInfinity.config_jsonschema["properties"]
    return {name: prop for name, prop in properties.items() if name not in builtin["properties"]}


SETTINGS = {s["name"]: s for s in _extractor()["settings"]}
PROPERTIES = _own_properties()


def test_same_settings_in_the_same_order() -> None:
    """The tap's own, then some of the SDK's (so that environment variables reach them)."""
    builtin: dict[str, Any] = {"type": "object", "properties": {}}
    TapInfinity.append_builtin_config(builtin)
    assert list(SETTINGS)[: len(PROPERTIES)] == list(PROPERTIES)
    assert set(list(SETTINGS)[len(PROPERTIES) :]) <= set(builtin["properties"])
    assert "batch_config" in SETTINGS and "stream_maps" in SETTINGS


@pytest.mark.parametrize("name", list(PROPERTIES))
def test_setting_matches_the_tap(name: str) -> None:
    setting, prop = SETTINGS[name], PROPERTIES[name]
    assert setting.get("sensitive", False) == prop.get("secret", False)
    assert setting["label"] == prop["title"]
    assert setting["description"] == prop["description"]
    assert setting["kind"] in KINDS[_json_type(prop)]


def test_capabilities_match_the_tap() -> None:
    assert sorted(_extractor()["capabilities"]) == sorted(str(c) for c in TapInfinity.capabilities)


def test_every_stream_is_selected() -> None:
    streams = TapInfinity(config={}, validate_config=False).discover_streams()
    assert sorted(_extractor()["select"]) == sorted(f"{s.name}.*" for s in streams)


def test_hub_definition_matches_meltano_yml() -> None:
    hub = yaml.safe_load((ROOT / "hub" / "tap-infinity.yml").read_text())
    extractor = _extractor()
    for key in ("namespace", "executable", "capabilities", "settings_group_validation", "settings"):
        assert hub[key] == extractor[key], key


@pytest.mark.parametrize("path", ["meltano.yml", "hub/tap-infinity.yml"])
def test_no_key_is_given_twice(path: str) -> None:
    """Meltano's YAML reader refuses a mapping with a key twice; PyYAML keeps the last quietly."""

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
            repeated = {key for key in keys if keys.count(key) > 1}
            assert not repeated, f"{path} line {node.start_mark.line + 1}: {repeated} given twice"
            return super().construct_mapping(node, deep=deep)

    yaml.load((ROOT / path).read_text(), Loader=StrictLoader)
