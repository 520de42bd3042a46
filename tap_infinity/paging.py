"""Which rows one pass over a partition reads, and where its next request starts.

A stream declares its paging class beside its route and fields; the request loop
(`InfinityStream.read_pages`) asks a paging object for the parameters of each request, tells it
of each row as it goes out (so a body that breaks off mid-page is re-requested from exactly the
last emitted row), and emits only the rows it `keeps`. A rowId partition is read in up to two
passes: the lookback (`LookbackPaging`), then the new rows (`KeysetPaging`).
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import FatalAPIError

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Row
    from tap_infinity.dates import LocalDays

    class PagedStream(t.Protocol):
        @property
        def primary_keys(self) -> t.Sequence[str] | None: ...

        @property
        def local_days(self) -> LocalDays: ...

        def where(self, context: Context | None) -> str: ...

        def get_context_state(self, context: Context | None) -> dict: ...


class PassEnded(Exception):
    """The row just read is beyond what this pass reads; it is not emitted."""


class Paging(t.Protocol):
    """The cursor of one partition's pages."""

    cursor: int
    #: Which of the rows read to emit (rows a wider request brought), or None for all.
    keeps: t.Callable[[Row], bool] | None

    def params(self, limit: int) -> dict[str, t.Any]:
        """The parameters of the next request (`filter[]`, `sort[]`, `limit`, `offset`, dates)."""
        ...

    def advance(self, record: Row) -> None:
        """Move past `record`, which is about to be emitted; stop with one line if it cannot be,
        or with `PassEnded` when it is beyond this pass."""
        ...


class KeysetPaging:
    """Triggers (doc 002): ``sort[]=rowId-asc&filter[]=rowId-gt-value-{last}``, never offset, over
    the days of `start_date`..`end_date`."""

    def __init__(self, where: str, after: int, days: LocalDays) -> None:
        self.where = where
        self.cursor = after
        self.days = days
        self.keeps = days.keeps("triggerDatetime")

    @classmethod
    def for_partition(cls, stream: PagedStream, context: Context | None) -> KeysetPaging:
        return cls(stream.where(context), bookmark(stream, context), stream.local_days)

    def params(self, limit: int) -> dict[str, t.Any]:
        return {
            "sort[]": "rowId-asc",
            "filter[]": [f"rowId-gt-value-{self.cursor}"],
            "limit": limit,
            **self.days.params(),
        }

    def advance(self, record: Row) -> None:
        """The record's rowId must be above the last one (rowId-gt, sorted ascending)."""
        row_id: int = record["rowId"]
        if row_id <= self.cursor:
            raise FatalAPIError(
                f"{self.where}: rowId {row_id} came after {self.cursor}; the API did not sort by rowId "
                "or ignored rowId-gt, so nothing more is read"
            )
        self.cursor = row_id


class LookbackPaging(KeysetPaging):
    """The rows of the last days already read (at or below the bookmark), read again because
    triggers change after they are read: the documented paging from rowId 0 over those days,
    ending at the first row above the bookmark (which the next pass reads)."""

    def __init__(self, where: str, until: int, days: LocalDays) -> None:
        super().__init__(where, 0, days)
        self.until = until

    def advance(self, record: Row) -> None:
        if record["rowId"] > self.until:
            raise PassEnded
        super().advance(record)


class OffsetPaging:
    """Configuration tables: sorted by their key, ``limit``/``offset`` until a short page."""

    keeps: t.Callable[[Row], bool] | None = None

    def __init__(self, where: str, key: list[str]) -> None:
        self.where = where
        self.key = key
        self.cursor = 0  # the offset
        self.seen: set[tuple[t.Any, ...]] = set()

    @classmethod
    def for_partition(cls, stream: PagedStream, context: Context | None) -> OffsetPaging:
        """The key within a partition: the primary key without the partition's igrp."""
        key = [name for name in stream.primary_keys or [] if name != "igrp"]
        return cls(stream.where(context), key)

    def params(self, limit: int) -> dict[str, t.Any]:
        # Offsets count into an order: without one, pages could overlap or leave rows out.
        return {"sort[]": [f"{name}-asc" for name in self.key], "limit": limit, "offset": self.cursor}

    def advance(self, record: Row) -> None:
        """A key seen twice stops the sync: the route ignores offset ("some reports will only
        support limit", doc 001) and would page forever."""
        key = tuple(record[name] for name in self.key)
        if key in self.seen:
            raise FatalAPIError(
                f"{self.where}: the row {dict(zip(self.key, key, strict=True))} came again at offset "
                f"{self.cursor}, so the route ignores offset; set page_size above the table's size"
            )
        self.seen.add(key)
        self.cursor += 1


def bookmark(stream: PagedStream, context: Context | None) -> int:
    """The partition's last emitted rowId, else 0 (not the SDK's starting value, which is the
    start_date string on a first sync). A bookmark stored as a string (by a hand-edited or
    converted state) is read as the rowId it spells; anything else stops the sync naming it."""
    state = stream.get_context_state(context)
    value = state.get("replication_key_value")
    if value is None:
        return 0
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FatalAPIError(
            f"{stream.where(context)}: the state's bookmark {value!r} is not a rowId; "
            "fix or remove it in the state (or run with --full-refresh)"
        )
    state["replication_key_value"] = value
    return value
