"""Chronicall report rows (doc 004): fixed execution fields plus the report's own columns.

Columns differ from report to report (and change when a report is edited in Chronicall), so a
row's cells go into one ``values`` object keyed by `column_name` of each column title, and the
execution's summary items into ``summary`` the same way, rather than into per-report schemas.
"""

from __future__ import annotations

import re
import typing as t

from . import DATETIME, INTEGER, STRING, Field, build_schema

REPORT_ROW_FIELDS: list[Field] = [
    ("report_key", STRING, "The report's historicDataKey (UUID), from chronicall_reports"),
    ("report_name", STRING, "The report's name in chronicall_reports"),
    ("report_id", INTEGER, "Chronicall's reportId"),
    ("execution_id", STRING, "Chronicall's executionId: one per request, so per window and run"),
    ("title", STRING, "The report's title"),
    ("timeframe_start", DATETIME, "Start of the window, inclusive, in chronicall_timezone"),
    ("timeframe_end", DATETIME, "End of the window, exclusive (the next window's start)"),
    ("row_number", INTEGER, "Position of the row in the report, from 1"),
]

#: A cell: NUMBER as a number, DURATION in seconds, STRING as a string.
_CELL = {"type": ["number", "string", "null"]}


def report_row_schema() -> dict[str, t.Any]:
    schema = build_schema(REPORT_ROW_FIELDS)
    schema["properties"]["values"] = {
        "type": ["object", "null"],
        "description": "The row's cells keyed by column title in snake_case, durations in seconds",
        "additionalProperties": _CELL,
    }
    schema["properties"]["summary"] = {
        "type": ["object", "null"],
        "description": "The execution's summary items keyed by title in snake_case, durations in seconds",
        "additionalProperties": _CELL,
    }
    return schema


def column_name(title: str) -> str:
    """A column title's key: lower case, runs of other characters as one underscore.

    "Avg. Speed of Answer (s)" becomes "avg_speed_of_answer_s".
    """
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "column"
