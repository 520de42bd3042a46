"""HTTP emulator of the Infinity Reports API v2 (and the Chronicall historic-data API).

The real APIs cannot be reached from the project's tests, demo and benchmark, so this package
models them from the vendor documents in shared/api-docs (000-004). Choices made where the
documents are silent or ambiguous:

Responses and errors
- format=json (default) is NDJSON, every line ending in "\\n"; values are JSON strings except
  the quirks the docs show: ``"lands":0`` (a number) on call-shaped triggers and ``orgId`` /
  ``parentOrgId`` as numbers on the organisations route (doc 001 "Output Format"; 0 = root).
- format=csv needs display[] (400 otherwise) and has a header row of the output names;
  format=xml (<rows><row><field>..) and format=debug (`field=value` pairs, doc 000 uses it) are
  served too; any other format is a 400. Content-Type application/json, text/csv,
  application/xml or text/plain.
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
  default to rowId ascending, tables to their id order. group[] is a 400 except on metrics.
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
- Visitors return: ~12% of a known visitor's page views are a new land (new "0") from another
  channel, and its later triggers and matched calls carry that channel (see attribution).

Channel metrics (doc 001 "Custom Metrics", "Channel Type", "Grouping"; emulator/metrics.py)
- GET /reports/v2/metrics/channels?igrp=N and /reports/v2/igrps/N/metrics/channels; any other
  report name under metrics/ is a 404. Auth, igrp checks, format, display[], limit/offset,
  tz, startDate/endDate and rootOrgId work as on trigger routes: the rows aggregate the igrp's
  stored triggers whose triggerDatetime falls in the inclusive local days (all when no dates).
- Dimensions (group[], filter[], custom metric conditions): ch chName chType src goal segment
  segmentName segmentGroupId segmentGroupName dgrp dgrpName orgId act pub campaign adGroup
  network matchType matchRef callDirection callState operatorRef outcomeType goalCurrency txc
  country city visitorType new. A value is the trigger's own string ("" where it lacks the key).
- Base metric columns, always all of them in this order, each a JSON string, per trigger T
  (goal(T) = T.goal not in ("", "0"); call(T) = T.act == "call"; tx(T) = T.txc != "" and
  T.act != "callRate"):
  visitCount = #act land; pageCount = #act land or page; callCount = #call;
  callDuration = sum int(callDuration) over calls; goalCount = #goal and not call (online);
  callGoalCount = #goal and call; goalCountTotal = #goal; goalValue = sum goalValue over
  goal(T), whatever goalCurrency, "%.2f"; txCount = #tx; txValue = sum txv over tx(T), "%.2f".
  (Doc 001 names goalCount, callCount and goalCountTotal and speaks of "call goal count, online
  goal count": hence the online/call/total split. Sums are strings as every value elsewhere.)
- Rows: group[] fields first (request order, repeats dropped), then the base metrics, then
  custom metrics in request order. One row per distinct combination present in the selection
  (rows whose metrics are all zero included); without group[] exactly one totals row, zeros
  when nothing matches (an aggregate without grouping is one row, as in SQL). Default order:
  the group fields ascending (numeric ones numerically), so pages are stable without sort[].
- customMetrics[REF]={metric}_{field}_{values}[_{field}_{values}...]: REF is letters, digits
  or _ and must not name a dimension or base metric (400). The definition is split on "_"
  into parts and each part on "," into values; "\\_" and "\\," are literal, four backslashes
  are one backslash, any other backslash is itself. metric must be a base metric and each
  field a dimension (400 naming it, so a typo does not silently count zero; doc 001's
  queueName belongs to the operational call report, not modelled). Conditions are ANDed, the
  values of one condition ORed; a value equals the field as a string, or as a number on
  numeric fields ("246" = "246.0"). No conditions = the base metric. The column sums that
  base metric over the triggers matching the conditions.
- chType=X keeps triggers whose credited chType is exactly X (any string; unknown ones select
  nothing). Credited, because doc 001's example pairs chType=direct with attributionModelId.
- attributionModelId: absent/empty or 1003 = last touch, the trigger's own channel (what the
  trigger routes show, so both agree when no model is asked); 1001 = first touch; 1002 = last
  non-direct touch; anything else 400 (the documents list no ids; an unknown one is a mistake).
  Only conversions (call(T) or goal(T) or tx(T)) with a vid are re-credited, and only their
  channel fields ch, src, chName, chType (other dimensions stay the trigger's). 1001 takes them
  from the visitor's first land: the stored act=land trigger with that vid and the lowest rowId,
  whatever its date. 1002 re-credits a conversion whose own chType is "direct" to the last
  land of that vid with a lower rowId whose chType is not "direct". Without such a land the
  trigger keeps its own channel. Lands and pages are never re-credited, so totals never change.
  The generator makes returning visitors (visitors.py), so the models do differ per channel.
- filter[] on a dimension selects triggers before aggregation (on the credited channel); on a
  base metric it selects output rows (numeric). group[]/filter[] on a custom metric REF is a
  400 "not supported" (doc 001). Custom metric conditions, too, see the credited channel.
  sort[] takes dimensions, base metrics and REFs (metrics numerically), ties broken by the
  group fields ascending; a dimension not grouped is "" in the output (display[] may name it).

Call recordings (doc 002, doc 000; emulator/recordings.py)
- GET /reports/v2/igrps/{igrp}/callRecording/{rowId}: for a trigger with act call or callUser
  and rec "1", 200 with audio bytes, a pure function of (seed, igrp, rowId), 20-300 KB: MP3
  (ID3v2.4 tag then MPEG-1 Layer III frames, audio/mpeg) for most, WAV (RIFF PCM 8 kHz mono,
  audio/wav) for about one in five; Content-Disposition: attachment; filename="{rowId}.mp3|wav"
  and Content-Length. rec "0", another act, an unknown or non-numeric rowId: 404 "Resource not
  found". Faults apply as anywhere (body cuts cut between 8 KB parts).
- Emulator.recording(igrp, rowId) -> bytes | None is the ground truth; delete_recording() makes
  it 404 while the trigger keeps rec "1" (recordings can expire before their triggers, and a
  tap must survive that); hostile_recordings(igrp, rowId|None, content_type,
  content_disposition) serves other headers (None keeps one, "" drops Content-Disposition).

Real-time PBX (doc 003; emulator/realtime.py)
- GET /reports/v2/igrps/{igrp}/pbxUserStatus and .../pbxActiveCalls, read at the emulator's
  clock (Emulator(clock=callable), set_clock(), advance_clock(); time.time by default). Both
  accept tz (datetimes rendered in it), sort[] (doc 003 lists stateStartDatetime; any field of
  the route is accepted), display[], filter[], format, limit/offset, excludePiiData
  (srcPhoneNumber redacted as elsewhere); startDate/endDate/rootOrgId are ignored.
- Installations differ: "pbx" (odd igrps) have a roster; "idle" (igrp % 4 == 2) have a PBX
  product and nobody on it: 200 with an empty body on both routes; "none" (igrp % 4 == 0) have
  no PBX: 404 "Resource not found" on both routes. Doc 003 says only "(if you have a PBX
  Installation)"; both answers are plausible, so a tap meets both. Emulator(pbx=...), set_pbx().
- pbxUserStatus rows, key userId, in roster order: userId ("{igrp}{extension}"), igrp,
  userRef (e.g. jane.smith, the operatorRefs of the generated calls), userName, extension
  ("200".."213"), state ("available"|"unavailable"), stateStartDatetime (when the state last
  changed, at most 48 h back), dashboard ("1"|"0", fixed per user).
- pbxActiveCalls rows, key callRef (UUID-shaped hex), by start time: callRef, igrp, callState
  ("queueing" (inbound only), then "ringing", then "bridged"), callDirection (in|out|internal),
  startDatetime, stateStartDatetime (when the current state began), duration (seconds since
  start at the clock), srcPhoneNumber (caller, or the user's extension), dialledPhoneNumber
  (a number of the igrp, an outside number or an extension), dgrp/dgrpName (inbound; "0"/""
  otherwise), queueName (inbound), userId/userRef/extension (the user; "" while queueing).
- Users' states and calls are seeded per UTC hour (busier 07-18 UTC on weekdays) and are
  independent of each other and of the stored triggers; calls last under an hour.

Changing served data (tap features that re-read recent triggers and mirror deletions)
- Emulator.change_trigger(igrp, rowId, changes) / change_triggers(igrp, rowIds, **changes)
  rewrite stored triggers in place: same rowId and position. Any field the row already has
  may change (custom fields the installation uses may be added); rowId and igrp may not
  (ValueError), nor may a field the row's shape lacks (key sets follow doc 002's examples).
  triggerDatetime may change (the date window follows: dates are indexed per row, unsorted).
  Route membership (act, goal, txc, goalCurrency), the itemised line of a call (fields copied,
  charge recomputed from callDuration at the same per-minute rate), visitor lands (attribution)
  and served notes follow. A notes list/dict is written as JSON text.
- Emulator.delete_table_rows(igrp, table, keys=... | predicate=...): organisations by orgId (with
  their subtree), dgrps by dgrp (with their numbers), numbers by phoneNumber; keys compare as
  text. Triggers keep their dgrp/orgId values (history is not rewritten).
- Control routes (loopback, JSON bodies; see emulator/control.py): POST /_emulator/change,
  /_emulator/delete, /_emulator/recordings, /_emulator/clock, /_emulator/pbx.

Test controls
- Emulator.rows() serves the row routes (triggers, tables, metrics, PBX); recording() the audio.
- Emulator.rows() ignores the limit cap, faults and corrupt_row (CSV is read back to dicts);
  corrupt_row applies to trigger routes (not itemisedCalls). Control routes /_emulator/* are
  loopback-only, never faulted and not in request_log. A "truncate" fault on a body under 2
  bytes resets instead.
- set_latency(first_byte_seconds, bytes_per_second) (flags --first-byte, --bandwidth): every API
  answer waits before its status line and sends its body at that rate, as a distant API does
  (the benchmark's latency-bound runs); control routes answer at once.
"""

from .emulator import Emulator
from .query import ApiError
from .server import LoggedRequest

__all__ = ["ApiError", "Emulator", "LoggedRequest"]
