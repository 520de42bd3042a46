"""Query evaluation: which rows a request returns, in which order, as NDJSON/CSV lines.

Triggers are evaluated over the store's index columns first (rowId range by bisection, route
position lists, date window and org subtree on the epoch/orgId columns). Only filters or sorts
on other fields parse stored lines, and only rendering requests (tz, display[], PII, CSV)
rebuild rows; the common batched read is a slice of pre-serialized lines.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from . import schema
from .documented import unescape_notes
from .jsonio import dumps_line, loads
from .query import COMPARISONS, Filter, Query, Renderer, field_kind, row_matches, sort_key
from .store import TriggerStore

_FAR = 2**62


def _row_id_bounds(row_ids: list[int], f: Filter, n: int) -> tuple[int, int]:
    """Position range [lo, hi) of rows satisfying a rowId comparison (rowIds are integers)."""
    v = f.typed
    if f.op == "gt":
        return bisect.bisect_right(row_ids, math.floor(v), 0, n), n
    if f.op == "gte":
        return bisect.bisect_left(row_ids, math.ceil(v), 0, n), n
    if f.op == "lt":
        return 0, bisect.bisect_left(row_ids, math.ceil(v), 0, n)
    if f.op == "lte":
        return 0, bisect.bisect_right(row_ids, math.floor(v), 0, n)
    if v != int(v):  # eq with a fractional value
        return 0, 0
    return bisect.bisect_left(row_ids, int(v), 0, n), bisect.bisect_right(row_ids, int(v), 0, n)


class TriggerSelection:
    """Evaluates one parsed query against one store, for a trigger or itemised-calls route."""

    def __init__(self, store: TriggerStore, route: str, q: Query, subtree: frozenset[int] | None) -> None:
        self.store = store
        self.q = q
        self.itemised = route == schema.ITEMISED_ROUTE
        self.positions_name = "calls" if self.itemised else (route if schema.TRIGGER_ROUTES[route] else None)
        self.subtree = subtree
        self.loaded: dict[int, dict[str, Any]] = {}
        # Filters answered by index columns vs. ones needing the parsed row.
        self.row_id_filters = [
            f for f in q.filters if f.field == "rowId" and f.op in COMPARISONS and f.op != "ne"
        ]
        self.epoch_filters = [f for f in q.filters if f.field == "triggerDatetime" and f.op in COMPARISONS]
        self.row_filters = [
            f for f in q.filters if f not in self.row_id_filters and f not in self.epoch_filters
        ]

    def load(self, pos: int) -> dict[str, Any]:
        """The stored row at `pos`, parsed once per request and kept until taken."""
        row = self.loaded.get(pos)
        if row is None:
            row = self.loaded[pos] = self._parse(pos)
        return row

    def take(self, pos: int) -> dict[str, Any]:
        """The parsed row at `pos`, handed over for rendering (no longer cached)."""
        row = self.loaded.pop(pos, None)
        return row if row is not None else self._parse(pos)

    def _parse(self, pos: int) -> dict[str, Any]:
        return loads(self.store.itemised[pos] if self.itemised else self.store.lines[pos])

    def candidates(self) -> Sequence[int]:
        """Positions in rowId order, restricted by rowId filters and route membership."""
        snap = self.store.snapshot()
        lo, hi = 0, snap.count
        for f in self.row_id_filters:
            a, b = _row_id_bounds(self.store.row_ids, f, snap.count)
            lo, hi = max(lo, a), min(hi, b)
        if hi <= lo:
            return range(0)
        if self.positions_name is None:
            return range(lo, hi)
        plist = snap.routes[self.positions_name]
        m = snap.route_counts[self.positions_name]
        return plist[bisect.bisect_left(plist, lo, 0, m) : bisect.bisect_left(plist, hi, 0, m)]

    def index_predicate(self) -> Callable[[int], bool] | None:
        """Checks on the epoch/orgId columns, or None when there are none."""
        lo, hi = self.q.window
        if lo is None and hi is None and self.subtree is None and not self.epoch_filters:
            return None
        lo = -_FAR if lo is None else lo
        hi = _FAR if hi is None else hi
        epochs, org_ids, subtree, dt_filters = (
            self.store.epochs,
            self.store.org_ids,
            self.subtree,
            self.epoch_filters,
        )

        def check(pos: int) -> bool:
            e = epochs[pos]
            if not lo <= e < hi:
                return False
            if subtree is not None and org_ids[pos] not in subtree:
                return False
            return all(f.matches(e, e) for f in dt_filters)

        return check

    def select(self) -> list[int]:
        """Positions of the returned rows, in response order, after offset/limit."""
        q = self.q
        cands = self.candidates()
        pred = self.index_predicate()
        end = None if q.limit is None else q.offset + q.limit
        if q.sorts and q.sorts[0].field != "rowId":
            return self._sorted(cands, pred)[q.offset : end]
        ordered = cands[::-1] if q.sorts and q.sorts[0].desc else cands
        if pred is None and not self.row_filters:
            return list(ordered[q.offset : end])
        chosen: list[int] = []
        for pos in ordered:
            if pred is not None and not pred(pos):
                continue
            if self.row_filters and not row_matches(self.load(pos), self.row_filters):
                self.loaded.pop(pos, None)
                continue
            chosen.append(pos)
            if end is not None and len(chosen) >= end:
                break
        return chosen[q.offset :]

    def _sorted(self, cands: Sequence[int], pred: Callable[[int], bool] | None) -> list[int]:
        """Full evaluation for sorts on other fields: keys are extracted, rows not kept."""
        sorts = self.q.sorts
        columns = {
            "rowId": self.store.row_ids,
            "triggerDatetime": self.store.epochs,
            "orgId": self.store.org_ids,
        }
        keyed: list[tuple[int, list[Any]]] = []
        for pos in cands:
            if pred is not None and not pred(pos):
                continue
            row = self.load(pos) if self.row_filters else None
            if row is not None and not row_matches(row, self.row_filters):
                self.loaded.pop(pos, None)
                continue
            keys = []
            for s in sorts:
                column = columns.get(s.field)
                if column is not None:
                    keys.append(column[pos])
                else:
                    row = row or self.load(pos)
                    keys.append(sort_key(field_kind(s.field), row.get(s.field, "")))
            self.loaded.pop(pos, None)
            keyed.append((pos, keys))
        for i in range(len(sorts) - 1, -1, -1):
            keyed.sort(key=lambda item: item[1][i], reverse=sorts[i].desc)
        return [pos for pos, _ in keyed]

    def lines(self, as_served: bool) -> list[bytes]:
        """The response's lines; `as_served` False gives the clean JSON (ground truth), without
        doc-style notes, documented example bytes or a test's corrupt lines."""
        selected = self.select()
        store = self.store
        source = store.itemised if self.itemised else store.lines
        if as_served:
            corrupt = {} if self.itemised else store.corrupt
            served = store.served_itemised if self.itemised else store.served
        else:
            corrupt = served = {}
        if not self.q.renders:
            if not corrupt and not served:
                return [source[pos] for pos in selected]
            return [corrupt.get(pos) or served.get(pos) or source[pos] for pos in selected]
        renderer = Renderer(self.q)
        if renderer.retimes_only:
            epochs = store.epochs
            return [
                corrupt.get(pos) or renderer.retime(served.get(pos) or source[pos], epochs[pos])
                for pos in selected
            ]
        doc_style = store.doc_style if as_served and self.q.fmt == "json" and not self.itemised else ()
        out = renderer.header()
        for pos in selected:
            bad = corrupt.get(pos)
            if bad is not None:
                out.append(bad)
                continue
            row = self.take(pos)
            notes = row.get("notes")
            line = renderer.line(row)
            out.append(unescape_notes(line, notes) if pos in doc_style and notes else line)
        return out + renderer.footer()


def select_table(rows: list[dict[str, Any]], q: Query, subtree: frozenset[int] | None) -> list[bytes]:
    """Config/organisation routes: small in-memory tables in their natural order."""
    matched = [
        r for r in rows if (subtree is None or int(r["orgId"]) in subtree) and row_matches(r, q.filters)
    ]
    for s in reversed(q.sorts):
        kind = field_kind(s.field)
        matched.sort(key=lambda r: sort_key(kind, r.get(s.field, "")), reverse=s.desc)
    end = None if q.limit is None else q.offset + q.limit
    selected = matched[q.offset : end]
    if not q.renders:
        return [dumps_line(r) for r in selected]
    renderer = Renderer(q)
    return renderer.header() + [renderer.line(dict(r)) for r in selected] + renderer.footer()
