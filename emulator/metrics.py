"""The Channel Metrics report (doc 001 "Custom Metrics", "Channel Type", "Grouping"):
``GET /reports/v2/metrics/channels?igrp=N`` (also ``/reports/v2/igrps/N/metrics/channels``).

It aggregates the installation's stored triggers whose triggerDatetime falls in the request's
inclusive local days; every definition below is spelt out in the package docstring so a test
can recompute any cell from ``Emulator.triggers(igrp)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import schema
from .jsonio import dumps_line, loads
from .query import ApiError, Filter, Renderer, field_kind, parse_query, row_matches, sort_key
from .store import TriggerStore

REPORTS = ("channels",)
#: Fields a row can be grouped, filtered and conditioned on (custom metric conditions).
DIMENSIONS = (
    "ch",
    "chName",
    "chType",
    "src",
    "goal",
    "segment",
    "segmentName",
    "segmentGroupId",
    "segmentGroupName",
    "dgrp",
    "dgrpName",
    "orgId",
    "act",
    "pub",
    "campaign",
    "adGroup",
    "network",
    "matchType",
    "matchRef",
    "callDirection",
    "callState",
    "operatorRef",
    "outcomeType",
    "goalCurrency",
    "txc",
    "country",
    "city",
    "visitorType",
    "new",
)
#: The base metric columns, in output order.
METRICS = (
    "visitCount",
    "pageCount",
    "callCount",
    "callDuration",
    "goalCount",
    "callGoalCount",
    "goalCountTotal",
    "goalValue",
    "txCount",
    "txValue",
)
DECIMAL_METRICS = frozenset({"goalValue", "txValue"})
#: What attribution re-credits: the channel of a conversion.
CHANNEL_FIELDS = ("ch", "src", "chName", "chType")
#: attributionModelId -> model; absent/empty is the trigger's own channel, as 1003.
MODELS = {"": "last", "1001": "first", "1002": "lastNonDirect", "1003": "last"}
_ZERO = Decimal("0.00")
_REF = re.compile(r"[A-Za-z0-9_]+")
_CUSTOM_KEY = re.compile(r"customMetrics\[(.*)\]")


def _int(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _dec(text: Any) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return _ZERO
    return value if value.is_finite() else _ZERO


def contributions(row: dict[str, Any]) -> tuple[Any, ...]:
    """What one trigger adds to each base metric, in METRICS order."""
    act = row.get("act", "")
    goal = row.get("goal", "") not in ("", "0")
    call = act == "call"
    tx = bool(row.get("txc")) and act != "callRate"
    return (
        int(act == "land"),
        int(act in ("land", "page")),
        int(call),
        _int(row.get("callDuration")) if call else 0,
        int(goal and not call),
        int(goal and call),
        int(goal),
        _dec(row.get("goalValue")) if goal else _ZERO,
        int(tx),
        _dec(row.get("txv")) if tx else _ZERO,
    )


def is_conversion(row: dict[str, Any]) -> bool:
    """A call, a goal or a transaction: what an attribution model credits to a channel."""
    act = row.get("act", "")
    return (
        act == "call" or row.get("goal", "") not in ("", "0") or (bool(row.get("txc")) and act != "callRate")
    )


def split_definition(text: str) -> list[list[str]]:
    """A custom metric definition as parts (split on "_") of values (split on ","), honouring
    the escapes of doc 001: ``\\_`` and ``\\,`` are literal, four backslashes are one; any
    other backslash is itself."""
    parts: list[list[str]] = [[""]]
    i = 0
    while i < len(text):
        if text.startswith("\\\\\\\\", i):
            parts[-1][-1] += "\\"
            i += 4
            continue
        c = text[i]
        if c == "\\" and text[i + 1 : i + 2] in ("_", ","):
            parts[-1][-1] += text[i + 1]
            i += 2
            continue
        if c == "_":
            parts.append([""])
        elif c == ",":
            parts[-1].append("")
        else:
            parts[-1][-1] += c
        i += 1
    return parts


def _same(raw: Any, wanted: str, numeric: bool) -> bool:
    value = "" if raw is None else str(raw)
    if value == wanted:
        return True
    if numeric:
        try:
            return float(value) == float(wanted)
        except ValueError:
            return False
    return False


@dataclass(frozen=True)
class CustomMetric:
    ref: str
    metric: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]  # ANDed; each field matches any value

    @property
    def index(self) -> int:
        return METRICS.index(self.metric)

    def matches(self, row: dict[str, Any]) -> bool:
        for name, values in self.conditions:
            numeric = name in schema.NUMERIC_FIELDS
            if not any(_same(row.get(name, ""), v, numeric) for v in values):
                return False
        return True


def parse_custom_metric(ref: str, text: str) -> CustomMetric:
    if not _REF.fullmatch(ref) or ref in METRICS or ref in DIMENSIONS:
        raise ApiError(
            400,
            f"Invalid custom metric reference '{ref}': expected letters, digits or _ "
            "not naming a field of the report",
        )
    parts = split_definition(text)
    metric = parts[0]
    if len(metric) != 1 or metric[0] not in METRICS:
        raise ApiError(
            400,
            f"Invalid custom metric '{ref}': unknown metric field '{','.join(metric)}'. "
            f"Supported: {', '.join(METRICS)}",
        )
    rest = parts[1:]
    if len(rest) % 2:
        raise ApiError(
            400,
            f"Invalid custom metric '{ref}': expected "
            "{metricField}_{conditionField}_{conditionValue}[_{conditionField}_{conditionValue}...]",
        )
    conditions = []
    for field_values, values in zip(rest[::2], rest[1::2], strict=True):
        if len(field_values) != 1 or field_values[0] not in DIMENSIONS:
            raise ApiError(
                400, f"Invalid custom metric '{ref}': unknown condition field '{','.join(field_values)}'"
            )
        conditions.append((field_values[0], tuple(values)))
    return CustomMetric(ref, metric[0], tuple(conditions))


def custom_metrics(params: dict[str, list[str]]) -> list[CustomMetric]:
    """`customMetrics[REF]=...` parameters, in request order (the last of a repeated REF wins)."""
    found: dict[str, str] = {}
    for key, values in params.items():
        m = _CUSTOM_KEY.fullmatch(key.strip())
        if m:
            found[m.group(1)] = values[-1]
    return [parse_custom_metric(ref, text) for ref, text in found.items()]


class ChannelMetrics:
    """One request's evaluation: parse, select, credit, aggregate, order, render."""

    def __init__(self, params: dict[str, list[str]], max_limit: int | None) -> None:
        self.customs = custom_metrics(params)
        refs = tuple(c.ref for c in self.customs)
        fields = schema.FieldSet(DIMENSIONS + METRICS + refs)
        q = parse_query(params, fields, max_limit=max_limit, dated=True)
        group = []
        for name in q.group:
            if name in refs:
                raise ApiError(400, f"Grouping by custom metrics is not supported: '{name}'")
            if name not in DIMENSIONS:
                raise ApiError(400, f"Invalid group field '{name}'. Groupable: {', '.join(DIMENSIONS)}")
            if name not in group:
                group.append(name)
        self.where: list[Filter] = []
        self.having: list[Filter] = []
        for f in q.filters:
            if f.field in refs:
                raise ApiError(400, f"Filtering by custom metrics is not supported: '{f.field}'")
            if f.field in METRICS:
                self.having.append(_numeric(f))
            else:
                self.where.append(f)
        self.q, self.group, self.refs = q, group, refs
        self.numeric_columns = frozenset(METRICS + refs)
        ch_type = normalized_scalar(params, "chType")
        self.ch_type = ch_type or None
        model_id = normalized_scalar(params, "attributionModelId") or ""
        if model_id not in MODELS:
            raise ApiError(
                400,
                f"Invalid attributionModelId '{model_id}'. Supported: 1001 (first touch), "
                "1002 (last non-direct touch), 1003 (last touch)",
            )
        self.model = MODELS[model_id]

    def rows(self, store: TriggerStore, subtree: frozenset[int] | None) -> list[dict[str, Any]]:
        """The report's rows in response order, before offset/limit."""
        snap = store.snapshot()
        lo, hi = self.q.window
        lo = -(2**62) if lo is None else lo
        hi = 2**62 if hi is None else hi
        epochs, org_ids, lines = store.epochs, store.org_ids, store.lines
        credit = _Crediting(store, self.model)
        width = len(METRICS)
        totals: dict[tuple[str, ...], list[Any]] = {}
        if not self.group:
            totals[()] = _blank(len(self.customs))
        for pos in range(snap.count):
            if not lo <= epochs[pos] < hi or (subtree is not None and org_ids[pos] not in subtree):
                continue
            row = loads(lines[pos])
            view = credit(row)
            if self.ch_type is not None and view.get("chType", "") != self.ch_type:
                continue
            if self.where and not row_matches(view, self.where):
                continue
            key = tuple(str(view.get(name, "")) for name in self.group)
            acc = totals.get(key)
            if acc is None:
                acc = totals[key] = _blank(len(self.customs))
            parts = contributions(row)
            for i, value in enumerate(parts):
                acc[i] += value
            for j, custom in enumerate(self.customs):
                if custom.matches(view):
                    acc[width + j] += parts[custom.index]
        out = []
        for key, acc in totals.items():
            row = dict(zip(self.group, key, strict=True))
            for name, value in zip(METRICS + self.refs, acc, strict=True):
                metric = name if name in METRICS else self.customs[self.refs.index(name)].metric
                row[name] = f"{value:.2f}" if metric in DECIMAL_METRICS else str(value)
            if row_matches(row, self.having):
                out.append(row)
        return self._ordered(out)

    def _ordered(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sorts = [(s.field, s.desc) for s in self.q.sorts]
        sorts += [(name, False) for name in self.group if name not in {f for f, _ in sorts}]  # ties
        for name, desc in reversed(sorts):
            rows.sort(key=self._sort_key(name), reverse=desc)
        return rows

    def _sort_key(self, name: str) -> Callable[[dict[str, Any]], Any]:
        if name in self.numeric_columns:
            return lambda row: float(row.get(name) or 0)
        kind = field_kind(name)
        return lambda row: sort_key(kind, row.get(name, ""))

    def lines(self, store: TriggerStore, subtree: frozenset[int] | None) -> list[bytes]:
        q = self.q
        end = None if q.limit is None else q.offset + q.limit
        selected = self.rows(store, subtree)[q.offset : end]
        if not q.renders:
            return [dumps_line(r) for r in selected]
        renderer = Renderer(q)
        return renderer.header() + [renderer.line(r) for r in selected] + renderer.footer()


def _blank(customs: int) -> list[Any]:
    """Zeroed accumulators: the base metrics, then one per custom metric."""
    return [_ZERO if name in DECIMAL_METRICS else 0 for name in METRICS] + [0] * customs


def _numeric(f: Filter) -> Filter:
    """A filter on a metric column, compared as a number (HAVING)."""
    if f.op in ("contains", "ncontains"):
        return f
    try:
        return Filter(f.field, f.op, f.value, "num", float(f.value))
    except ValueError:
        raise ApiError(400, f"Invalid filter value '{f.value}' for '{f.field}': expected a number") from None


def normalized_scalar(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1].strip() if values else None


class _Crediting:
    """Which channel a trigger's metrics go to under one attribution model."""

    def __init__(self, store: TriggerStore, model: str) -> None:
        self.store, self.model = store, model
        self.lands = store.lands
        self._land_rows: dict[int, dict[str, Any]] = {}

    def _land(self, pos: int) -> dict[str, Any]:
        land = self._land_rows.get(pos)
        if land is None:
            row = loads(self.store.lines[pos])
            land = self._land_rows[pos] = {name: row.get(name, "") for name in ("rowId", *CHANNEL_FIELDS)}
        return land

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.model == "last" or not row.get("vid") or not is_conversion(row):
            return row
        positions = self.lands.get(row["vid"])
        if not positions:
            return row
        source: dict[str, Any] | None
        if self.model == "first":
            source = self._land(positions[0])
        else:  # last non-direct: only a direct conversion is re-credited
            if row.get("chType") != "direct":
                return row
            row_id = int(row["rowId"])
            source = None
            for pos in positions:
                land = self._land(pos)
                if int(land["rowId"]) >= row_id:
                    break
                if land["chType"] != "direct":
                    source = land
            if source is None:
                return row
        view = dict(row)
        view.update({name: source[name] for name in CHANNEL_FIELDS})
        return view
