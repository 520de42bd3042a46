"""Channel metrics (doc 001): the attribution table, one record per day and group per igrp.

The vendor's attribution models run server-side, so attributed goals and value per channel
cannot be rebuilt from triggers: this stream reads them, one day per request (startDate =
endDate = the day, in `timezone`), grouped by `channel_metrics_group`, with the custom metrics
of `channel_metrics_custom_metrics`. Attribution moves as goals arrive, so every run reads the
last `channel_metrics_lookback_days` again (and today, which is not over).
"""

from __future__ import annotations

import typing as t
from datetime import date, timedelta
from functools import cached_property

import pendulum
from typing_extensions import override

from tap_infinity.client import InfinityStream
from tap_infinity.paging import OffsetPaging
from tap_infinity.schemas import DATE, DECIMAL, STRING, Field, field_kinds
from tap_infinity.schemas.triggers import IGRP, TRIGGER_FIELDS

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.tap_base import Tap

    from tap_infinity.conversion import Row
    from tap_infinity.paging import Paging

DATE_FIELD: Field = ("date", DATE, "The day the metrics are for, in the `timezone` setting")
#: Metric columns the documents name, for a schema when the API has no row to show its own.
DOCUMENTED_METRICS = ("goalCount", "goalCountTotal", "callCount")
_TRIGGER_KINDS = {name: kind for name, kind, _ in TRIGGER_FIELDS}


def group_fields(names: t.Sequence[str]) -> list[Field]:
    """The group dimensions as fields, typed as the trigger fields of the same name."""
    return [(name, _TRIGGER_KINDS.get(name, STRING), "Group dimension") for name in names]


def metric_fields(names: t.Iterable[str]) -> list[Field]:
    """Metric columns: exact decimals, whatever each counts or sums (counts are whole ones)."""
    return [(name, DECIMAL, "Metric column") for name in names]


class DayPaging(OffsetPaging):
    """One day of an aggregate report (startDate = endDate), its group rows by offset."""

    def __init__(self, where: str, key: list[str], day: date) -> None:
        super().__init__(where, key)
        self.day = day

    def params(self, limit: int) -> dict[str, t.Any]:
        return {**super().params(limit), "startDate": self.day.isoformat(), "endDate": self.day.isoformat()}


class ChannelMetricsStream(InfinityStream):
    """Metrics per day, channel (or the configured group) and installation."""

    name = "channel_metrics"
    route = "/reports/v2/metrics/channels"  # igrp is a query parameter, as in doc 001's examples
    fields: t.ClassVar[list[Field]] = [DATE_FIELD, IGRP]
    paging = DayPaging
    replication_key = "date"
    is_sorted = True
    tap_fields = ("date", "igrp")

    def __init__(self, tap: Tap, metric_columns: t.Sequence[str]) -> None:
        self.group = list(tap.config.get("channel_metrics_group") or ["ch"])
        self.metric_columns = list(metric_columns)
        super().__init__(tap, [*group_fields(self.group), *metric_fields(self.metric_columns)])
        self.primary_keys = ["igrp", "date", *self.group]

    @cached_property
    def custom_metrics(self) -> dict[str, str]:
        return dict(self.config.get("channel_metrics_custom_metrics") or {})

    def base_params(self, context: Context | None) -> dict[str, t.Any]:
        """The report's own parameters; days are the `timezone` setting's (they are its days)."""
        params = super().base_params(context)
        params["igrp"] = context["igrp"] if context else None
        params["tz"] = self.config.get("timezone", "UTC")
        params["group[]"] = self.group
        for reference, definition in self.custom_metrics.items():
            params[f"customMetrics[{reference}]"] = definition
        if self.config.get("attribution_model_id") is not None:
            params["attributionModelId"] = self.config["attribution_model_id"]
        if self.config.get("channel_type"):
            params["chType"] = self.config["channel_type"]
        return params

    def days(self, context: Context) -> list[date]:
        """From the bookmark's day (inclusive) or `start_date`, but no later than the lookback's
        first day, to today (or `end_date`), in `timezone`."""
        today: date = pendulum.today(self.config.get("timezone", "UTC")).date()
        first = today - timedelta(days=int(self.config.get("channel_metrics_lookback_days", 7)))
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark:
            first = min(first, date.fromisoformat(bookmark))
        elif self.config.get("start_date"):
            first = date.fromisoformat(self.config["start_date"])
        last = today
        if self.config.get("end_date"):
            last = min(last, date.fromisoformat(self.config["end_date"]))
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def request_records(self, context: Context | None) -> t.Iterator[t.Any]:
        """Each day in turn, bookmarked (and STATE written) once its rows are out."""
        if not context:
            return
        for day in self.days(context):
            yield from self.read_pages(context, DayPaging(self.where(context), self.group, day))
            state = self.get_context_state(context)
            state["replication_key"], state["replication_key_value"] = "date", day.isoformat()
            self.state_manager.is_flushed = False
            self.write_checkpoint_state()

    def stamp(self, context: Context | None, paging: Paging) -> list[tuple[str, t.Any]]:
        day = t.cast("DayPaging", paging).day.isoformat()
        return [("date", day), ("igrp", context["igrp"] if context else None)]

    @override
    def _increment_stream_state(self, latest_record: Row, *, context: Context | None = None) -> None:
        """Bookmarks move per finished day (`request_records`), never per record: the rows of a
        day not yet finished must not move them."""

    def sample_columns(self) -> list[str]:
        """The metric columns of the API's rows, plus the custom metrics: for discovery, since the
        API decides them. One row of each igrp until one has a row: over `start_date`..`end_date`
        (else the last 30 days), ungrouped, so a totals row shows every column."""
        found: list[str] = []
        today: date = pendulum.today(self.config.get("timezone", "UTC")).date()
        first = self.config.get("start_date") or (today - timedelta(days=30)).isoformat()
        for context in self.partitions:
            params = self.request_params(context, DayPaging(self.where(context), self.group, today), 1)
            params.update(startDate=first, endDate=self.config.get("end_date") or today.isoformat())
            del params["group[]"], params["sort[]"]
            for row in self.sample(context, params):
                found = list(row)
            if found:
                break
        if not found:
            found = list(DOCUMENTED_METRICS)
            self.logger.warning("%s: no row to learn the metric columns from; using %s", self.name, found)
        return list(dict.fromkeys([*found, *self.custom_metrics]))


def metric_columns_of(schema: dict[str, t.Any], group: t.Sequence[str]) -> list[str]:
    """The metric columns of a catalog's channel_metrics schema: all but the date, igrp, group."""
    kinds = field_kinds(schema)
    return [name for name in kinds if name not in {"date", "igrp", "_sdc_unparsed", *group}]
