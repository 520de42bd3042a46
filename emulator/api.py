"""Routing of Infinity Reports/Config API v2 GET requests to the data model (auth is the server's).

`InfinityApi.get` is shared by the HTTP server and by `Emulator.rows()`, so the ground truth a
test compares against is computed by exactly the code that serves the requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import schema
from .engine import TriggerSelection, select_table
from .installation import Installation
from .metrics import REPORTS, ChannelMetrics
from .query import ApiError, Query, normalize_params, parse_query
from .realtime import PbxModel
from .recordings import Recordings
from .store import TriggerStore

_IGRP = r"(?P<igrp>[^/]+)"
_ROUTES = (
    ("triggers", re.compile(rf"/reports/v2/igrps/{_IGRP}/triggers/(?P<route>[^/]+)/?")),
    ("triggers", re.compile(r"/reports/v2/triggers/(?P<route>[^/]+)/?")),  # legacy ?igrp=N form
    ("organisations", re.compile(rf"/reports/v2/igrps/{_IGRP}/organisations/?")),
    ("dgrps", re.compile(rf"/config/v2/igrps/{_IGRP}/dgrps/?")),
    ("dgrps", re.compile(rf"/reports/v2/igrps/{_IGRP}/dgrps/?")),  # doc 000's CSV example
    ("numbers", re.compile(rf"/config/v2/igrps/{_IGRP}/dgrps/(?P<dgrp>[^/]+)/numbers/?")),
    ("metrics", re.compile(r"/reports/v2/metrics/(?P<report>[^/]+)/?")),  # doc 001's ?igrp=N form
    ("metrics", re.compile(rf"/reports/v2/igrps/{_IGRP}/metrics/(?P<report>[^/]+)/?")),
    ("recording", re.compile(rf"/reports/v2/igrps/{_IGRP}/callRecording/(?P<row_id>[^/]+)/?")),
    ("realtime", re.compile(rf"/reports/v2/igrps/{_IGRP}/(?P<report>pbxUserStatus|pbxActiveCalls)/?")),
)
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "debug": "text/plain; charset=utf-8",
}


def _route(path: str) -> tuple[str, dict[str, str]]:
    """The route kind and path parameters of `path` (404 when no route matches)."""
    for kind, pattern in _ROUTES:
        m = pattern.fullmatch(path)
        if m:
            return kind, m.groupdict()
    raise ApiError(404, "Resource not found")


@dataclass
class ApiResult:
    content_type: str
    lines: list[bytes]  # the body, one element per output line (parts of a binary body)
    headers: dict[str, str] = field(default_factory=dict)


class InfinityApi:
    def __init__(
        self,
        installations: dict[int, Installation],
        stores: dict[int, TriggerStore],
        forbidden: frozenset[int],
        max_limit: int,
        limit_only: frozenset[str] = frozenset(),
        recordings: Recordings | None = None,
        pbx: PbxModel | None = None,
    ) -> None:
        self.installations = installations
        self.recordings = recordings
        self.pbx = pbx
        self.stores = stores
        self.forbidden = forbidden
        self.max_limit = max_limit
        #: Tables ("organisations", "dgrps", "numbers") that ignore offset: "Some reports will
        #: only support limit" (doc 001), and the docs do not say which.
        self.limit_only = limit_only

    def get(
        self, path: str, params: dict[str, list[str]], *, capped: bool = True, as_served: bool = True
    ) -> ApiResult:
        """Answer GET `path`; `capped` False drops the default/maximum limit and `as_served`
        False gives clean JSON lines (ground truth: no doc-style notes, no corrupt_row). Raises
        ApiError."""
        kind, groups = _route(path)
        igrp = self._igrp(groups.get("igrp") or self._igrp_param(params))
        inst = self.installations[igrp]
        max_limit = self.max_limit if capped else None

        if kind == "triggers":
            route = groups["route"]
            if route not in schema.TRIGGER_ROUTES and route != schema.ITEMISED_ROUTE:
                raise ApiError(404, "Resource not found")
            fields = schema.ITEMISED_FIELDSET if route == schema.ITEMISED_ROUTE else schema.TRIGGER_FIELDSET
            q = parse_query(params, fields, max_limit=max_limit, dated=True)
            selection = TriggerSelection(self.stores[igrp], route, q, self._subtree(inst, q))
            return ApiResult(CONTENT_TYPES[q.fmt], selection.lines(as_served=as_served))

        if kind == "metrics":
            if groups["report"] not in REPORTS:
                raise ApiError(404, "Resource not found")
            report = ChannelMetrics(params, max_limit)
            return ApiResult(
                CONTENT_TYPES[report.q.fmt], report.lines(self.stores[igrp], self._subtree(inst, report.q))
            )
        if kind == "recording" and self.recordings is not None:
            content_type, parts, headers = self.recordings.answer(igrp, groups["row_id"])
            return ApiResult(content_type, parts, headers)
        if kind == "realtime" and self.pbx is not None:
            fmt, lines = self.pbx.answer(igrp, groups["report"], params, max_limit)
            return ApiResult(CONTENT_TYPES[fmt], lines)
        if kind in ("recording", "realtime"):
            raise ApiError(404, "Resource not found")

        if kind == "organisations":
            rows, fields = inst.orgs, schema.ORG_FIELDSET
        elif kind == "dgrps":
            rows, fields = inst.dgrps, schema.DGRP_FIELDSET
        else:
            kind, rows, fields = "numbers", inst.numbers, schema.NUMBER_FIELDSET
            if groups["dgrp"] != "all":
                rows = [n for n in rows if n["dgrp"] == groups["dgrp"]]
                if not rows:
                    raise ApiError(404, "Resource not found")
        q = parse_query(params, fields, max_limit=max_limit, dated=False)
        if kind in self.limit_only:
            q.offset = 0
        return ApiResult(CONTENT_TYPES[q.fmt], select_table(rows, q, self._subtree(inst, q)))

    @staticmethod
    def _igrp_param(params: dict[str, list[str]]) -> str:
        values = normalize_params(params).get("igrp")
        if not values or not values[-1]:
            raise ApiError(400, "Missing required parameter 'igrp'")
        return values[-1]

    def _igrp(self, text: str) -> int:
        """The installation id, checked for access (403) and existence (404)."""
        if not text.isdigit():
            raise ApiError(404, "Resource not found")
        igrp = int(text)
        if igrp in self.forbidden:
            raise ApiError(403, "You do not have permission to access this installation")
        if igrp not in self.installations:
            raise ApiError(404, "Resource not found")
        return igrp

    @staticmethod
    def _subtree(inst: Installation, q: Query) -> frozenset[int] | None:
        return None if q.root_org is None else inst.org_subtree(q.root_org)
