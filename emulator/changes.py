"""Test controls that change data already served: rewrite stored triggers in place.

A tap that re-reads recent triggers (notes added, lead scores or outcomes set after the call)
needs rows that change under the same rowId; `rewrite_trigger` makes such a change and keeps the
store's indexes consistent (store.TriggerStore.rewrite). Table rows are deleted by
installation.Installation.delete_rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import schema
from .installation import Installation
from .jsonio import loads
from .store import TriggerStore
from .timefmt import parse_utc

#: A trigger's identity: never changed.
IMMUTABLE = ("rowId", "igrp")
#: Itemised-call fields that are not copied from the trigger: the charge.
CHARGE_FIELDS = ("callCharge", "chargeCurrencyCode", "perMinuteCharge")


def _value(name: str, value: Any) -> Any:
    """A change as the API string form: lists/dicts for notes become JSON text, None is ""."""
    if name == "lands":
        return int(value)
    if value is None:
        return ""
    if name == "notes" and not isinstance(value, str):
        return json.dumps(value)  # default separators, as the generator writes notes
    return str(value)


def changed_row(
    old: dict[str, Any], changes: Mapping[str, Any], custom_fields: tuple[str, ...]
) -> dict[str, Any]:
    """`old` with `changes` applied; ValueError for an immutable field, a field the row does
    not have (custom fields the installation uses may be added) or a malformed datetime."""
    fixed = [name for name in changes if name in IMMUTABLE]
    if fixed:
        raise ValueError(f"{fixed} cannot be changed (a trigger keeps its identity)")
    unknown = [name for name in changes if name not in old and name not in custom_fields]
    if unknown:
        raise ValueError(f"trigger {old['rowId']} has no field {unknown}")
    row = dict(old)
    for name, value in changes.items():
        row[name] = _value(name, value)
    for name in schema.DATETIME_FIELDS & set(changes):
        if row[name] or name == "triggerDatetime":
            try:
                parse_utc(row[name])
            except ValueError:
                raise ValueError(f"{name} {row[name]!r} is not 'YYYY-MM-DD HH:MM:SS' (UTC)") from None
    return row


def itemised_line(row: dict[str, Any], old: bytes | None) -> dict[str, Any] | None:
    """The itemised-calls row of a call trigger: its fields copied from the trigger, the charge
    per minute kept (0 for a row that just became a call) and the charge recomputed from the
    duration, as the generator does. None for a trigger that is not a call."""
    if row["act"] != "call":
        return None
    before = loads(old) if old is not None else {}
    per_minute = float(before.get("perMinuteCharge") or 0)
    minutes = -(-int(row.get("callDuration") or 0) // 60)
    charge = {
        "callCharge": f"{per_minute * minutes:.6f}",
        "chargeCurrencyCode": before.get("chargeCurrencyCode", ""),
        "perMinuteCharge": f"{per_minute:.6f}",
    }
    return {name: charge[name] if name in charge else row.get(name, "") for name in schema.ITEMISED_FIELDS}


def rewrite_trigger(
    store: TriggerStore, inst: Installation, row_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply `changes` to the stored trigger `row_id` (KeyError when absent); returns the new row."""
    pos = store.position(int(row_id))
    row = changed_row(store.row(pos), changes, inst.custom_fields)
    store.rewrite(pos, row, itemised_line(row, store.itemised.get(pos)))
    return row
