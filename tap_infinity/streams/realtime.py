"""Real-time PBX reports (doc 003): who is available, which calls are on, read as snapshots.

Each run reads the installation's current PBX user states and active calls once and stamps every
row with `snapshot_datetime`, so running these streams every few minutes builds a history of
agent availability. Doc 003 names the reports but not their fields: the schemas below are the
fields its prose describes (state, stateStartDatetime, dashboard flag; calls ringing, queueing or
bridged), and a field the API sends beyond them is reported at the end of the run, not lost
unseen. Installations without a PBX (HTTP 404, or an empty answer) emit nothing.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from tap_infinity.client import InfinityStream
from tap_infinity.http import PartitionSkipped
from tap_infinity.schemas import DATETIME, INTEGER, NUMBER, STRING, Field
from tap_infinity.schemas.triggers import DGRP, IGRP

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Row
    from tap_infinity.paging import Paging

SNAPSHOT: Field = ("snapshot_datetime", DATETIME, "When the tap read this snapshot (UTC)")
STATE_START: Field = ("stateStartDatetime", DATETIME, "When the state last changed (UTC)")
USER: list[Field] = [
    ("userId", STRING, "The PBX user's id"),
    ("userRef", STRING, "The PBX user's login"),
    ("extension", STRING, "The user's extension"),
]
USER_STATUS_FIELDS: list[Field] = [
    IGRP,
    *USER,
    ("userName", STRING, "The PBX user's name"),
    ("state", STRING, "available or unavailable"),
    STATE_START,
    ("dashboard", INTEGER, "1 when the user is shown on the real-time dashboard"),
    SNAPSHOT,
]
ACTIVE_CALL_FIELDS: list[Field] = [
    IGRP,
    ("callRef", STRING, "The call's reference"),
    ("callState", STRING, "ringing, queueing or bridged"),
    ("callDirection", STRING, "in or out"),
    ("startDatetime", DATETIME, "When the call started (UTC)"),
    STATE_START,
    ("duration", NUMBER, "Seconds since the call started"),
    ("srcPhoneNumber", STRING, "Caller ID (PII; redacted with exclude_pii_data)"),
    ("dialledPhoneNumber", STRING, "Dialled number"),
    DGRP,
    ("dgrpName", STRING, "The DGRP's name"),
    ("queueName", STRING, "The queue the call is in"),
    *USER,
    SNAPSHOT,
]


class SnapshotPaging:
    """A real-time report: one request, the whole snapshot (doc 003 documents no paging)."""

    cursor = 0
    keeps: t.Callable[[Row], bool] | None = None

    def params(self, limit: int) -> dict[str, t.Any]:
        return {}

    def advance(self, record: Row) -> None:
        """Nothing moves: the pass ends after its one response."""


class SnapshotStream(InfinityStream):
    """A real-time report per igrp, stamped with the time it was read. Not a table version:
    each run appends a snapshot, and activating it would mark the history deleted."""

    paging = SnapshotPaging
    tap_fields = ("snapshot_datetime",)

    def request_records(self, context: Context | None) -> t.Iterator[t.Any]:
        yield from self.read_pages(context, SnapshotPaging())

    def get_records(self, context: Context | None) -> t.Iterator[t.Any]:
        """An installation without a PBX answers 404: nothing to read there, and no failure."""
        try:
            yield from self.request_records(context)
        except PartitionSkipped as exc:
            if exc.status != 404:
                self.skip_partition(context, str(exc))
            else:
                self.logger.info("%s: no PBX here (HTTP 404); nothing to read", self.where(context))

    def stamp(self, context: Context | None, paging: Paging) -> list[tuple[str, t.Any]]:
        return [("snapshot_datetime", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))]


class PbxUserStatusStream(SnapshotStream):
    """PBX users and whether each is available, with when that last changed."""

    name = "pbx_user_status"
    route = "/reports/v2/igrps/{igrp}/pbxUserStatus"
    fields: t.ClassVar[list[Field]] = USER_STATUS_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "userId", "snapshot_datetime"]


class PbxActiveCallsStream(SnapshotStream):
    """PBX calls going on (ringing, queueing, bridged)."""

    name = "pbx_active_calls"
    route = "/reports/v2/igrps/{igrp}/pbxActiveCalls"
    fields: t.ClassVar[list[Field]] = ACTIVE_CALL_FIELDS
    primary_keys: t.ClassVar[list[str]] = ["igrp", "callRef", "snapshot_datetime"]

    def base_params(self, context: Context | None) -> dict[str, t.Any]:
        params = super().base_params(context)
        if self.config.get("exclude_pii_data"):
            params["excludePiiData"] = 1
        return params


REALTIME_STREAMS: list[type[SnapshotStream]] = [PbxUserStatusStream, PbxActiveCallsStream]
