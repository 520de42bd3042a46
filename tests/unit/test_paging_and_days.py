"""Paging objects and local days in process."""

from __future__ import annotations

from datetime import date
from typing import Any

import pendulum
import pytest
from singer_sdk.exceptions import FatalAPIError

from tap_infinity.dates import LocalDays, local_midnight
from tap_infinity.paging import KeysetPaging, LookbackPaging, OffsetPaging, PassEnded, bookmark


class Stream:
    """What paging reads of a stream: its key, its partition's name and state."""

    primary_keys = ("igrp", "dgrp", "phoneNumber")
    local_days = LocalDays(None, None, "UTC")

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    def where(self, context: Any) -> str:
        return "numbers (igrp 101)"

    def get_context_state(self, context: Any) -> dict[str, Any]:
        return self.state


def test_keyset_paging_follows_the_last_emitted_rowid() -> None:
    paging = KeysetPaging.for_partition(Stream({"replication_key_value": 141247288}), {"igrp": 101})
    assert paging.params(1000) == {
        "sort[]": "rowId-asc",
        "filter[]": ["rowId-gt-value-141247288"],
        "limit": 1000,
    }
    paging.advance({"rowId": 141247300})
    assert paging.params(7)["filter[]"] == ["rowId-gt-value-141247300"] and paging.params(7)["limit"] == 7
    with pytest.raises(FatalAPIError, match="rowId 141247299 came after 141247300"):
        paging.advance({"rowId": 141247299})


def test_offset_paging_counts_and_stops_on_a_repeated_key() -> None:
    paging = OffsetPaging.for_partition(Stream({}), {"igrp": 101})
    assert paging.params(2) == {"sort[]": ["dgrp-asc", "phoneNumber-asc"], "limit": 2, "offset": 0}
    paging.advance({"dgrp": 1, "phoneNumber": "a"})
    paging.advance({"dgrp": 1, "phoneNumber": "b"})
    assert paging.params(2)["offset"] == 2
    with pytest.raises(FatalAPIError, match="came again at offset 2, so the route ignores offset"):
        paging.advance({"dgrp": 1, "phoneNumber": "a"})


@pytest.mark.parametrize(("stored", "after"), [(None, 0), (5, 5), ("17", 17)])
def test_bookmarks_read_as_rowids(stored: Any, after: int) -> None:
    state = {} if stored is None else {"replication_key_value": stored}
    assert bookmark(Stream(state), None) == after


@pytest.mark.parametrize("stored", ["2024-05-01", True, 1.5])
def test_a_bookmark_that_is_not_a_rowid_stops(stored: Any) -> None:
    with pytest.raises(FatalAPIError, match="is not a rowId"):
        bookmark(Stream({"replication_key_value": stored}), None)


@pytest.mark.parametrize(
    ("zone", "day", "first"),
    [
        ("Europe/London", "2024-03-31", "2024-03-31T00:00:00+00:00"),
        ("Europe/London", "2024-10-27", "2024-10-26T23:00:00+00:00"),
        ("Asia/Kolkata", "2024-10-27", "2024-10-26T18:30:00+00:00"),
        ("America/Santiago", "2024-09-08", "2024-09-08T04:00:00+00:00"),  # midnight skipped: 01:00
    ],
)
def test_local_midnight(zone: str, day: str, first: str) -> None:
    assert local_midnight(date.fromisoformat(day), zone).in_timezone("UTC").isoformat() == first


def test_local_days_are_asked_wider_and_kept_exactly() -> None:
    days = LocalDays(date(2024, 10, 27), date(2024, 10, 27), "Europe/London")
    assert days.params() == {"startDate": "2024-10-26", "endDate": "2024-10-28"}
    keeps = days.keeps("at")
    assert keeps is not None
    inside = ["2024-10-26T23:00:00Z", "2024-10-27T23:59:59Z"]
    outside = ["2024-10-26T22:59:59Z", "2024-10-28T00:00:00Z"]
    assert all(keeps({"at": at}) for at in inside) and not any(keeps({"at": at}) for at in outside)
    assert keeps({"at": None})  # nothing to judge by: kept
    utc = LocalDays(date(2024, 10, 27), None, "UTC")
    assert utc.params() == {"startDate": "2024-10-27"} and utc.keeps("at") is None


def test_calendar_steps_and_clock_steps_across_dst() -> None:
    start = local_midnight(date(2024, 3, 31), "Europe/London")
    assert (start + pendulum.duration(days=1)).isoformat() == "2024-04-01T00:00:00+01:00"  # 23 hours later
    assert (start + pendulum.duration(hours=6)).isoformat() == "2024-03-31T07:00:00+01:00"  # 6 hours later
    assert (
        start + pendulum.duration(months=1)
    ).isoformat() == "2024-04-30T00:00:00+01:00"  # no 31st: the 30th
    january = local_midnight(date(2024, 1, 1), "Europe/London")
    assert (january + pendulum.duration(months=3)).isoformat() == "2024-04-01T00:00:00+01:00"


def test_the_lookback_pass_reads_recent_days_and_ends_above_the_bookmark() -> None:
    days = LocalDays(None, None, "UTC").last(3)
    assert days.start == pendulum.today("UTC").date() - pendulum.duration(days=3)
    paging = LookbackPaging("calls (igrp 101)", 500, days)
    assert paging.params(100) == {
        "sort[]": "rowId-asc",
        "filter[]": ["rowId-gt-value-0"],
        "limit": 100,
        "startDate": days.start.isoformat(),
    }
    paging.advance({"rowId": 499})
    with pytest.raises(PassEnded):
        paging.advance({"rowId": 501})
    later = LocalDays(date(2999, 1, 1), None, "UTC").last(3)
    assert later.start == date(2999, 1, 1)  # never before start_date
