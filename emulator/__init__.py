"""HTTP emulator of the Infinity Reports API v2 (and the Chronicall historic-data API).

The real APIs cannot be reached from the project's tests, demo and benchmark, so this package
models them from the vendor documents in shared/api-docs (000-004). Choices made where the
documents are silent or ambiguous:

Responses and errors
- format=json (default) is NDJSON, every line ending in "\\n"; values are JSON strings except
  the quirks the docs show: ``"lands":0`` (a number) on call-shaped triggers and ``orgId`` /
  ``parentOrgId`` as numbers on the organisations route (doc 001 "Output Format"; 0 = root).
- format=csv needs display[] (400 otherwise) and has a header row of the output names; any
  other format (xml, debug, ...) is a 400. Content-Type application/json or text/csv.
- Errors: the status with a JSON string body. Missing/wrong Basic auth: 401 "Unauthorized";
  forbidden igrp: 403; unknown igrp/route/dgrp: 404 "Resource not found"; non-GET: 405.
  Every malformed parameter is a 400 naming the parameter and what was expected.
- Bodies carry Content-Length and are written in 256 KB chunks over keep-alive HTTP/1.1.

Query parameters
- limit defaults to max_limit (10,000) when absent; a larger one is a 400 naming the maximum;
  limit=0 is a 400. offset is supported everywhere. Keys may be `x[]`, `x[N]` or bare `x`.
- filter[] `{field}-{op}-value-{value}` splits on the first "-value-"; ops eq, ne, gt, gte, lt,
  lte (numeric for numeric fields, epoch for datetimes, else case-sensitive string) plus
  contains / ncontains (substring). Empty numbers/datetimes only satisfy `ne`. Datetime filter
  values are 'YYYY-MM-DD[ HH:MM:SS]' in the request tz. Filtering or sorting on pt_* / c_*
  fields is a 400 (doc 002); displaying them is allowed on any igrp ("" where absent).
- sort[] `{field}-asc|desc`, several allowed, stable; empty numbers sort first. Triggers
  default to rowId ascending, tables to their id order. group[] is a 400 (not supported).
- startDate/endDate (YYYY-MM-DD) select triggerDatetime on [startDate 00:00, endDate+1 00:00)
  local to tz; start after end gives no rows. They are ignored on config/organisation routes.
- tz (IANA, default UTC, unknown -> 400) renders every datetime as local 'YYYY-MM-DD HH:MM:SS'.
- rootOrgId keeps rows whose orgId is that organisation or a descendant (triggers, itemised
  calls, organisations, dgrps, numbers); an organisation outside the igrp gives no rows.
- excludePiiData=1 (any value but 0/false) redacts as doc 001 (ip .X, srcPhoneNumber last
  four digits XXXX when they are digits, host and whois ""); the user has the piiData permission.

Routes and data
- Trigger routes all, calls (act call), users (act callUser), goals (goal != "0"),
  transactions ((txc or goalCurrency) and act != callRate), callsGoalsTransactions (union),
  touchPoints (land/call/goal, no retention limit), visits (act land) and itemisedCalls (one
  row per call trigger, same rowId), under /reports/v2/igrps/{igrp}/triggers/ and the legacy
  /reports/v2/triggers/{route}?igrp=N. Organisations, dgrps and dgrps/{all|dgrp}/numbers.
- Key sets follow the doc 002 examples: web rows (land/page) lack the transaction, dgrp and
  lands fields; call-shaped rows (call, callUser, callRate, callBlegStart) lack the web
  marketing and visitor fields; online goal/trans rows are web rows plus transaction fields.
  Odd igrps use custom fields pt_campaignSource / c_gua_cid, present only on rows that have a
  value; even igrps have none. `notes` is "" or a properly escaped JSON-in-a-string value.
- rowIds start near 141247288 with random gaps; triggerDatetime jitters around a clock that
  spans ~90 days from 2024-03-01 UTC (crossing DST), and ~2% of rows are dated hours to weeks
  early, so it is not in rowId order.

Test controls
- Emulator.rows() ignores the limit cap, faults and corrupt_row (CSV is read back to dicts);
  corrupt_row applies to trigger routes (not itemisedCalls). Control routes /_emulator/* are
  loopback-only, never faulted and not in request_log. A "truncate" fault on a body under 2
  bytes resets instead.
"""

from .emulator import Emulator
from .query import ApiError
from .server import LoggedRequest

__all__ = ["ApiError", "Emulator", "LoggedRequest"]
