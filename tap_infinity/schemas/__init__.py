"""Field definitions, declared once and shared by every route that returns the same fields.

A field is ``(name, kind, description)``; `build_schema` turns a list of them into a JSON schema.
Kinds are the JSON types the tap emits after conversion (see `tap_infinity.conversion`); every
field is nullable because the API sends ``""`` for a missing value.
"""

from __future__ import annotations

import typing as t

INTEGER = "integer"
NUMBER = "number"
STRING = "string"
DATETIME = "date-time"

Field = tuple[str, str, str]

_JSON_TYPES: dict[str, dict[str, t.Any]] = {
    INTEGER: {"type": ["integer", "null"]},
    NUMBER: {"type": ["number", "null"]},
    STRING: {"type": ["string", "null"]},
    DATETIME: {"type": ["string", "null"], "format": "date-time"},
}


def build_schema(fields: t.Iterable[Field]) -> dict[str, t.Any]:
    """A JSON schema object with one nullable property per field."""
    properties: dict[str, t.Any] = {}
    for name, kind, description in fields:
        prop = dict(_JSON_TYPES[kind])
        if description:
            prop["description"] = description
        properties[name] = prop
    return {"type": "object", "properties": properties}


def field_kinds(schema: dict[str, t.Any]) -> dict[str, str]:
    """Each property's kind, read back from a JSON schema (possibly edited in a catalog)."""
    kinds = {}
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if prop.get("format") == "date-time":
            kinds[name] = DATETIME
        elif "integer" in types:
            kinds[name] = INTEGER
        elif "number" in types:
            kinds[name] = NUMBER
        else:
            kinds[name] = STRING
    return kinds
