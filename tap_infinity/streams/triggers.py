"""Trigger reports (doc 002): one route each, the same trigger fields, rowId keyset paging."""

from __future__ import annotations

import typing as t

import orjson
from singer_sdk.exceptions import RetriableAPIError

from tap_infinity.client import BODY_ERRORS, KeysetStream, PartitionAccessError, describe, iter_lines
from tap_infinity.schemas.triggers import ITEMISED_CALL_FIELDS, TRIGGER_FIELDS

if t.TYPE_CHECKING:
    from singer_sdk.tap_base import Tap

    from tap_infinity.schemas import Field

_TRIGGERS = "/reports/v2/igrps/{igrp}/triggers"


class TriggerStream(KeysetStream):
    """A trigger route; installation custom fields (pt_*, c_*) are added to its schema."""

    fields: t.ClassVar[list[Field]] = TRIGGER_FIELDS
    accepts_custom_fields: t.ClassVar[bool] = True


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


class ItemisedCallsStream(KeysetStream):
    """One row per call with its charges; the rowId is the call trigger's."""

    name = "itemised_calls"
    route = f"{_TRIGGERS}/itemisedCalls"
    fields: t.ClassVar[list[Field]] = ITEMISED_CALL_FIELDS


TRIGGER_STREAMS: list[type[KeysetStream]] = [
    TriggersAllStream,
    CallsStream,
    GoalsStream,
    TransactionsStream,
    ItemisedCallsStream,
]


def sample_custom_fields(tap: Tap, rows: int = 1000) -> list[str]:
    """pt_* / c_* keys seen in each igrp's latest triggers, for discovery.

    Custom fields exist only for installations that use them and only on rows that carry a
    value, so discovery reads a sample rather than trusting a fixed list. An igrp that cannot be
    sampled (forbidden, unreachable) only logs a warning; rejected credentials or a bad request
    fail discovery, since a sync would fail the same way.
    """
    stream = TriggersAllStream(tap)
    send = stream.request_decorator(stream._request)
    found: set[str] = set()
    for context in stream.partitions:
        params = {"format": "json", "sort[]": "rowId-desc", "limit": min(rows, stream.page_size)}
        request = stream.build_prepared_request(method="GET", url=stream.get_url(context), params=params)
        try:
            with send(request, context) as response:
                for line in iter_lines(response):
                    found.update(key for key in orjson.loads(line) if key.startswith(("pt_", "c_")))
        except (PartitionAccessError, RetriableAPIError, orjson.JSONDecodeError, *BODY_ERRORS) as exc:
            tap.logger.warning(
                "Could not sample custom fields of %s: %s", stream.where(context), describe(exc)
            )
    return sorted(found)
