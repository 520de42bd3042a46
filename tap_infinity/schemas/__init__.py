"""Field definitions, declared once and shared by every route that returns the same fields.

A field is ``(name, kind, description)``; `build_schema` turns a list of them into a JSON schema.
Kinds are the JSON types the tap emits after conversion (see `tap_infinity.conversion`); every
field is nullable because the API sends ``""`` for a missing value, and every schema has the
``_sdc_unparsed`` object that keeps values which did not fit their field's type.
"""

from __future__ import annotations

import typing as t

INTEGER = "integer"
NUMBER = "number"
#: Money: the API's exact decimal text, which SQL targets load as DECIMAL(18, 6), not as a float.
DECIMAL = "decimal"
STRING = "string"
DATETIME = "date-time"
#: A day ('YYYY-MM-DD'), filled in by the tap (channel_metrics' date).
DATE = "date"
OBJECT = "object"
UNPARSED = "_sdc_unparsed"

Field = tuple[str, str, str]

#: Money's size in SQL targets: DECIMAL(18, 6).
DECIMAL_SIZE = {"precision": 18, "scale": 6}
_JSON_TYPES: dict[str, dict[str, t.Any]] = {
    INTEGER: {"type": ["integer", "null"]},
    NUMBER: {"type": ["number", "null"]},
    DECIMAL: {"type": ["string", "null"], "format": "x-singer.decimal", **DECIMAL_SIZE},
    STRING: {"type": ["string", "null"]},
    DATETIME: {"type": ["string", "null"], "format": "date-time"},
    DATE: {"type": ["string", "null"], "format": "date"},
}
UNPARSED_PROPERTY: dict[str, t.Any] = {
    "type": ["object", "null"],
    "additionalProperties": {"type": "string"},
    "description": "Values that did not fit their field's type, verbatim, by field name "
    "(their columns are null); absent when every value fitted",
}


def build_schema(fields: t.Iterable[Field]) -> dict[str, t.Any]:
    """A JSON schema object with one nullable property per field, and _sdc_unparsed."""
    properties: dict[str, t.Any] = {}
    for name, kind, description in fields:
        prop = dict(_JSON_TYPES[kind])
        if description:
            prop["description"] = description
        properties[name] = prop
    properties[UNPARSED] = UNPARSED_PROPERTY
    return {"type": "object", "properties": properties}


def field_kinds(schema: dict[str, t.Any]) -> dict[str, str]:
    """Each property's kind, read back from a JSON schema (possibly edited in a catalog)."""
    kinds = {}
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if prop.get("format") == "date-time":
            kinds[name] = DATETIME
        elif prop.get("format") == "date":
            kinds[name] = DATE
        elif prop.get("format") == "x-singer.decimal":
            kinds[name] = DECIMAL
        elif "integer" in types:
            kinds[name] = INTEGER
        elif "number" in types:
            kinds[name] = NUMBER
        elif "object" in types:
            kinds[name] = OBJECT
        else:
            kinds[name] = STRING
    return kinds


def sized_decimals(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """`schema` with every x-singer.decimal property's precision and scale (put back where the
    SDK's catalog dropped them)."""
    properties = {
        name: {**DECIMAL_SIZE, **prop} if prop.get("format") == "x-singer.decimal" else prop
        for name, prop in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}
