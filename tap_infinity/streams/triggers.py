"""Trigger reports (doc 002): one route each, rowId keyset paging, one bookmark per igrp."""

from __future__ import annotations

import typing as t
from functools import cached_property

from typing_extensions import override

from tap_infinity.client import InfinityStream
from tap_infinity.dates import LocalDays
from tap_infinity.paging import KeysetPaging, LookbackPaging, bookmark
from tap_infinity.schemas.triggers import ITEMISED_CALL_FIELDS, TRIGGER_FIELDS
from tap_infinity.settings import CUSTOM_PREFIXES

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Row
    from tap_infinity.schemas import Field

_TRIGGERS = "/reports/v2/igrps/{igrp}/triggers"


class RowIdStream(InfinityStream):
    """A rowId route: incremental on rowId, with the date range, filters and PII flag of the settings."""

    paging = KeysetPaging
    primary_keys: t.ClassVar[list[str]] = ["igrp", "rowId"]
    replication_key = "rowId"
    is_sorted = True
    takes_filters = True

    @override
    def _write_starting_replication_value(self, context: Context | None) -> None:
        """Says where the partition starts, in rowIds, and writes the STATE of the partitions
        before it. The SDK would log start_date as the bookmark of a first sync (sdk#1677) and
        keep it in the state; and it writes STATE only every STATE_MSG_FREQUENCY records, so a
        killed sync could lose a finished igrp's bookmark."""
        self.write_checkpoint_state()
        after = bookmark(self, context)
        self.logger.info(
            "%s: reading %s", self.where(context), f"after rowId {after}" if after else "from the first row"
        )

    @cached_property
    def local_days(self) -> LocalDays:
        return LocalDays.of_settings(self.config)

    def base_params(self, context: Context | None) -> dict[str, t.Any]:
        params = super().base_params(context)
        if self.config.get("exclude_pii_data"):
            params["excludePiiData"] = 1
        return params

    def request_records(self, context: Context | None) -> t.Iterator[t.Any]:
        """With `lookback_days`, first the rows of the last days up to the bookmark again (they
        may have changed since they were read: notes, scores, outcomes), then the new rows.

        The lookback leaves the bookmark where it is (`_increment_stream_state`), so a sync
        stopped during it or between the passes does it again next time and loses nothing.
        """
        paging = KeysetPaging.for_partition(self, context)
        lookback = int(self.config.get("lookback_days", 0))
        if lookback and paging.cursor:
            recent = self.local_days.last(lookback)
            if recent.end is None or recent.start is None or recent.start <= recent.end:
                yield from self.read_pages(context, LookbackPaging(paging.where, paging.cursor, recent))
        yield from self.read_pages(context, paging)

    @override
    def _increment_stream_state(self, latest_record: Row, *, context: Context | None = None) -> None:
        """The bookmark never moves back: rows read again by the lookback are at or below it."""
        state = self.get_context_state(context)
        if latest_record["rowId"] > state.get("replication_key_value", -1):
            super()._increment_stream_state(latest_record, context=context)  # type: ignore[arg-type]


class TriggerStream(RowIdStream):
    """A trigger route: the trigger fields, plus the installation's custom fields (pt_*, c_*)."""

    fields: t.ClassVar[list[Field]] = TRIGGER_FIELDS
    accepts_custom_fields: t.ClassVar[bool] = True

    def sample_custom_fields(self, rows: int = 1000) -> list[str]:
        """pt_* / c_* keys seen in each igrp's latest triggers, for discovery.

        Custom fields exist only for installations that use them and only on rows that carry a
        value, so discovery reads a sample rather than trusting a fixed list. An igrp that cannot
        be sampled (refused, unreachable) only logs a warning; rejected credentials or a bad
        request fail discovery, since a sync would fail the same way.
        """
        found: set[str] = set()
        for context in self.partitions:
            params = {"format": "json", "sort[]": "rowId-desc", "limit": min(rows, self.page_size)}
            for row in self.sample(context, params):
                found.update(key for key in row if key.startswith(CUSTOM_PREFIXES))
        return sorted(found)


class TriggersAllStream(TriggerStream):
    """Every trigger: page views, calls, goals, transactions."""

    name = "triggers_all"
    route = f"{_TRIGGERS}/all"


class CallsStream(TriggerStream):
    """Call triggers (act = call)."""

    name = "calls"
    route = f"{_TRIGGERS}/calls"


class GoalsStream(TriggerStream):
    """Goal triggers (goal is set)."""

    name = "goals"
    route = f"{_TRIGGERS}/goals"


class TransactionsStream(TriggerStream):
    """Transaction triggers (a transaction or goal currency; callRate triggers excluded)."""

    name = "transactions"
    route = f"{_TRIGGERS}/transactions"


class CallUsersStream(TriggerStream):
    """Hosted PBX call user triggers (act = callUser)."""

    name = "call_users"
    route = f"{_TRIGGERS}/users"


class CallsGoalsTransactionsStream(TriggerStream):
    """The union of calls, goals and transactions: every trigger with call, goal or sale details."""

    name = "calls_goals_transactions"
    route = f"{_TRIGGERS}/callsGoalsTransactions"


class TouchPointsStream(TriggerStream):
    """Recent lands, calls and goals. The API keeps these only for the installation's trigger
    retention period: older rows are gone from this route, not deleted rows (targets keep them),
    and a bookmark older than the retention simply reads from where the route starts."""

    name = "touch_points"
    route = f"{_TRIGGERS}/touchPoints"


class VisitsStream(TriggerStream):
    """Visits: the landing triggers (act = land)."""

    name = "visits"
    route = f"{_TRIGGERS}/visits"


class ItemisedCallsStream(RowIdStream):
    """One row per call with its charges; the rowId is the call trigger's."""

    name = "itemised_calls"
    route = f"{_TRIGGERS}/itemisedCalls"
    fields: t.ClassVar[list[Field]] = ITEMISED_CALL_FIELDS


TRIGGER_STREAMS: list[type[RowIdStream]] = [
    TriggersAllStream,
    CallsStream,
    CallUsersStream,
    GoalsStream,
    TransactionsStream,
    CallsGoalsTransactionsStream,
    TouchPointsStream,
    VisitsStream,
    ItemisedCallsStream,
]
