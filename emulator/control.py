"""Loopback control routes, ``/_emulator/*``: the Emulator's test controls for another process
(the demo, out-of-process tests). No auth, no faults, not in the request log; the server only
lets loopback clients in. Arguments are query parameters (counts, append) or a JSON body.

- GET  counts                                    -> Emulator.counts()
- POST append?igrp=N&count=100&late_fraction=0.3 -> {"appended", "max_row_id"}
- POST faults      {"rate", "kinds", "retry_after", "slow_seconds", "seed"}
- POST fail_next   {"kind", "count", "path_contains"}
- POST change      {"igrp", "row_ids": [...] | "row_id", "changes": {field: value}} -> {"changed": [rows]}
- POST delete      {"igrp", "table": organisations|dgrps|numbers, "keys": [...] | "where": {field: value}}
                   -> {"deleted": [rows]}
- POST recordings  {"igrp", "row_id", "delete": true} or {"igrp", "row_id"?, "content_type"?,
                   "content_disposition"?} -> {"ok": true}
- POST clock       {"set": epoch | "YYYY-MM-DD HH:MM:SS" (UTC) | null} or {"advance": seconds}
                   -> {"now": epoch}
- POST pbx         {"igrp", "kind": pbx|idle|none} -> {"ok": true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .jsonio import loads
from .timefmt import parse_utc

if TYPE_CHECKING:
    from .emulator import Emulator

PREFIX = "/_emulator/"


def _pick(body: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return {k: v for k, v in body.items() if k in names}


def _object(body: bytes) -> dict[str, Any]:
    parsed = loads(body or b"{}")
    if not isinstance(parsed, dict):
        raise ValueError("the body must be a JSON object")
    return parsed


def handle(emu: Emulator, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Any | None:
    """The JSON payload answering a control request; None for an unknown route. KeyError,
    ValueError and TypeError mean a bad request."""
    name = path[len(PREFIX) :]
    arg = {k: v[-1] for k, v in query.items()}
    if (name, method) == ("counts", "GET"):
        return emu.counts()
    if method != "POST":
        return None
    if name == "append":
        igrp = int(arg["igrp"])
        appended = emu.append_triggers(
            igrp, int(arg.get("count", "100")), float(arg.get("late_fraction", "0.3"))
        )
        return {"appended": len(appended), "max_row_id": emu.stores[igrp].max_row_id()}
    if name == "faults":
        emu.set_faults(
            **_pick(loads(body or b"{}"), ("rate", "kinds", "retry_after", "slow_seconds", "seed"))
        )
        return {"ok": True}
    if name == "fail_next":
        emu.fail_next(**_pick(loads(body or b"{}"), ("kind", "count", "path_contains")))
        return {"ok": True}
    req = _object(body)
    if name == "change":
        igrp, changes = int(req["igrp"]), req["changes"]
        row_ids = req["row_ids"] if "row_ids" in req else [req["row_id"]]
        if not isinstance(changes, dict):
            raise ValueError("changes must be an object")
        if igrp not in emu.stores:
            raise ValueError(f"unknown igrp {igrp}")
        try:
            return {"changed": emu.change_triggers(igrp, row_ids, **changes)}
        except KeyError as exc:
            raise ValueError(f"igrp {igrp} has no trigger with rowId {exc.args[0]}") from None
    if name == "delete":
        where = req.get("where")
        if where is not None:
            if not isinstance(where, dict):
                raise ValueError("where must be an object")
            match: Any = lambda row: all(str(row.get(k, "")) == str(v) for k, v in where.items())  # noqa: E731
        else:
            match = req["keys"]
        return {"deleted": emu.delete_table_rows(int(req["igrp"]), req["table"], match)}
    if name == "recordings":
        igrp, row_id = int(req["igrp"]), req.get("row_id")
        if req.get("delete"):
            emu.delete_recording(igrp, int(row_id))  # type: ignore[arg-type]
        else:
            emu.hostile_recordings(
                igrp,
                None if row_id is None else int(row_id),
                req.get("content_type"),
                req.get("content_disposition"),
            )
        return {"ok": True}
    if name == "clock":
        if "advance" in req:
            emu.advance_clock(float(req["advance"]))
        elif "set" in req:
            value = req["set"]
            emu.set_clock(parse_utc(value) if isinstance(value, str) else value)
        else:
            raise ValueError('expected "set" or "advance"')
        return {"now": emu.clock.now()}
    if name == "pbx":
        emu.set_pbx(int(req["igrp"]), str(req["kind"]))
        return {"ok": True}
    return None
