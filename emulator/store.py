"""Append-only columnar storage of one installation's triggers.

Each trigger is serialized once, at insertion, to its exact NDJSON line. Cheap index columns
(rowId, UTC epoch, orgId, route flags, per-route position lists) let the common batched query
(rowId order, rowId-gt filter, date window) be answered by slicing without touching JSON.
Readers take a snapshot under the lock and then read lock-free: columns only grow, and a
rewrite (Emulator.change_trigger) replaces a row's cells in place and a route's position list by
a new list, so a snapshot keeps the lists it was taken with.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import schema
from .datagen import GeneratedTrigger
from .documented import unescape_notes
from .jsonio import dumps_line, loads
from .timefmt import parse_utc


@dataclass(frozen=True)
class Snapshot:
    """Lengths of the store's columns at one moment: what a single request sees."""

    count: int
    route_counts: dict[str, int]
    routes: dict[str, list[int]]  # the per-route position lists as of this snapshot


class TriggerStore:
    def __init__(self, documented_notes: bool = True) -> None:
        #: Whether half the notes are served as doc 002 writes them (unescaped).
        self.documented_notes = documented_notes
        self._lock = threading.Lock()
        self.row_ids: list[int] = []
        self.epochs = array("q")
        self.org_ids = array("q")
        self.lines: list[bytes] = []
        self.route_positions: dict[str, list[int]] = {
            name: [] for name, bits in schema.TRIGGER_ROUTES.items() if bits
        }
        self.itemised: dict[int, bytes] = {}  # position of a call trigger -> its itemised line
        #: position -> the line served instead of the compact JSON: notes written as doc 002
        #: writes them (unescaped), or a document's example verbatim.
        self.served: dict[int, bytes] = {}
        self.served_itemised: dict[int, bytes] = {}
        self.doc_style: set[int] = set()  # positions whose notes are served unescaped
        self.corrupt: dict[int, bytes] = {}  # position -> replacement line (a test's)
        #: vid -> positions of its land triggers, in rowId order (attribution in metrics.py).
        self.lands: dict[str, list[int]] = {}

    def add(self, triggers: Iterable[GeneratedTrigger]) -> None:
        """Serialize and index new triggers; their rowIds must exceed every stored one.

        Rows are serialized as they arrive (a lazy iterable never holds many row dicts), then
        published under the lock in one step.
        """
        prepared = []
        for t in triggers:
            flags = schema.route_flags(t.row)
            itemised = dumps_line(t.itemised) if t.itemised is not None else None
            line = dumps_line(t.row)
            served = t.served
            if (
                served is None
                and self.documented_notes
                and t.row.get("notes")
                and int(t.row["rowId"]) % 2 == 0
            ):
                served = unescape_notes(line, t.row["notes"])  # half the notes, as doc 002 shows them
            prepared.append(
                (int(t.row["rowId"]), t.epoch, int(t.row["orgId"] or 0), flags, line, itemised, served, t)
            )
        with self._lock:
            for row_id, epoch, org_id, flags, line, itemised, served, t in prepared:
                if self.row_ids and row_id <= self.row_ids[-1]:
                    raise ValueError(f"rowId {row_id} is not above the last stored rowId")
                pos = len(self.row_ids)
                for name, positions in self.route_positions.items():
                    if flags & schema.TRIGGER_ROUTES[name]:
                        positions.append(pos)
                if itemised is not None:
                    self.itemised[pos] = itemised
                if served is not None:
                    self.served[pos] = served
                    self.doc_style.add(pos)
                if t.served_itemised is not None:
                    self.served_itemised[pos] = t.served_itemised
                if flags & schema.F_LAND and t.row.get("vid"):
                    self.lands.setdefault(t.row["vid"], []).append(pos)
                self.epochs.append(epoch)
                self.org_ids.append(org_id)
                self.lines.append(line)
                self.row_ids.append(row_id)  # last: a reader's count never exceeds the columns

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                len(self.row_ids),
                {k: len(v) for k, v in self.route_positions.items()},
                dict(self.route_positions),
            )

    def position(self, row_id: int) -> int:
        """Position of a stored rowId (KeyError when absent)."""
        with self._lock:
            pos = bisect.bisect_left(self.row_ids, row_id)
            if pos == len(self.row_ids) or self.row_ids[pos] != row_id:
                raise KeyError(row_id)
            return pos

    def rewrite(self, pos: int, row: dict[str, Any], itemised: dict[str, Any] | None) -> None:
        """Replace the trigger at `pos` by `row` (same rowId), keeping every index consistent:
        epoch and orgId columns, route lists, the itemised line, served notes and visitor lands.
        A call's itemised line is replaced when `itemised` is given; a row that stops being a
        call keeps its old one, unreachable (it leaves the calls list)."""
        old = loads(self.lines[pos])
        if int(row["rowId"]) != self.row_ids[pos]:
            raise ValueError("a rewrite keeps the rowId")
        line = dumps_line(row)
        old_flags, flags = schema.route_flags(old), schema.route_flags(row)
        with self._lock:
            self.lines[pos] = line
            self.epochs[pos] = parse_utc(row["triggerDatetime"])
            self.org_ids[pos] = int(row["orgId"] or 0)
            for name, bits in schema.TRIGGER_ROUTES.items():
                if bits and bool(old_flags & bits) != bool(flags & bits):
                    positions = list(self.route_positions[name])
                    if flags & bits:
                        bisect.insort(positions, pos)
                    else:
                        positions.remove(pos)
                    self.route_positions[name] = positions
            if itemised is not None:
                self.itemised[pos] = dumps_line(itemised)
            self.served.pop(pos, None)
            self.served_itemised.pop(pos, None)
            self.doc_style.discard(pos)
            if self.documented_notes and row.get("notes") and int(row["rowId"]) % 2 == 0:
                self.served[pos] = unescape_notes(line, row["notes"])
                self.doc_style.add(pos)
            if (old["act"], old.get("vid")) != (row["act"], row.get("vid")):
                lands = dict(self.lands)  # copied, as the route lists, for readers in flight
                if old["act"] == "land" and old.get("vid"):
                    lands[old["vid"]] = [p for p in lands.get(old["vid"], ()) if p != pos]
                if row["act"] == "land" and row.get("vid"):
                    positions = list(lands.get(row["vid"], ()))
                    bisect.insort(positions, pos)
                    lands[row["vid"]] = positions
                self.lands = {vid: positions for vid, positions in lands.items() if positions}

    def corrupt_line(self, row_id: int, raw_line: bytes) -> None:
        self.corrupt[self.position(row_id)] = raw_line

    def row(self, pos: int) -> dict[str, Any]:
        """The stored trigger at `pos` as a fresh dict (corruption never applies here)."""
        return loads(self.lines[pos])

    def max_row_id(self) -> int:
        with self._lock:
            return self.row_ids[-1] if self.row_ids else 0
