"""RecordConverter in process: the fast path, the field-by-field path, repairs and misfits."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec
import pytest

from emulator.documented import DOC_002_NOTES, DOC_002_TRIGGER_LINES
from tap_infinity.conversion import (
    ConversionError,
    RecordConverter,
    api_instant,
    escape_embedded_json,
    loads_mended,
)
from tap_infinity.schemas import DATETIME, DECIMAL, INTEGER, NUMBER, STRING, UNPARSED

KINDS = {
    "rowId": INTEGER,
    "when": DATETIME,
    "score": NUMBER,
    "money": DECIMAL,
    "notes": STRING,
    "title": STRING,
    UNPARSED: "object",
}


def convert(line: bytes | str, **kinds: str) -> dict[str, Any]:
    """The record as it goes out: dict values encoded to JSON and read back."""
    converter = RecordConverter(kinds or KINDS, keys=["rowId"])
    row = converter(line.encode() if isinstance(line, str) else line)
    assert isinstance(row, dict)
    return msgspec.json.decode(msgspec.json.encode(row))  # type: ignore[no-any-return]


def test_the_fast_path_types_every_field_and_nulls_empties() -> None:
    row = convert(
        '{"rowId":"7","when":"2024-10-27 01:30:00","score":"12.5","money":"49999.99","notes":"","x":"1"}'
    )
    assert row == {
        "rowId": 7,
        "when": "2024-10-27T01:30:00Z",
        "score": 12.5,
        "money": "49999.99",
        "notes": None,
        "title": None,
    }


def test_structs_and_dicts_hold_the_same_record() -> None:
    line = b'{"rowId":"7","when":"2024-03-31 01:00:00","score":"-176","money":"0.020000","title":"A \\"B\\""}'
    struct = RecordConverter(KINDS, keys=["rowId"], as_structs=True)(line)
    assert msgspec.json.decode(msgspec.json.encode(struct)) == convert(line)


@pytest.mark.parametrize(
    ("field", "value", "emitted"),
    [
        ("rowId", "12.0", 12),  # a float column's integer
        ("score", " ", None),  # blank is empty
        ("notes", [{"note": "a"}], '[{"note":"a"}]'),  # JSON where a string is promised stays JSON
        ("when", "0000-00-00 00:00:00", None),  # Infinity's zero date
        ("when", "2016-01-01:00:00:00", "2016-01-01T00:00:00Z"),  # doc 000's form
        ("when", "2024-01-05", "2024-01-05T00:00:00Z"),  # a date alone: its midnight
        ("when", "2024-01-05T01:00:00+01:00", "2024-01-05T00:00:00Z"),  # an offset keeps its instant
    ],
)
def test_the_slow_path_converts_what_fits(field: str, value: Any, emitted: Any) -> None:
    row = convert(json.dumps({"rowId": "1", field: value, "score": " "}))
    assert row[field] == emitted and UNPARSED not in row


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("score", "n/a"),
        ("score", "nan"),  # msgspec would read it, and JSON output would make it null
        ("score", "inf"),
        ("money", "1,234.50"),
        ("money", "0.0000001"),  # finer than the declared scale
        ("when", "2024-02-30 10:00:00"),
        ("when", "2024-03-31 25:00:00"),
        ("when", "yesterday"),
    ],
)
def test_what_does_not_fit_is_null_and_kept_verbatim(field: str, value: str) -> None:
    converter = RecordConverter(KINDS, keys=["rowId"])
    row = converter(json.dumps({"rowId": "1", field: value}).encode())
    assert isinstance(row, dict)
    assert row[field] is None and row[UNPARSED] == {field: value}
    assert converter.unparsed == {field: 1}


def test_a_key_that_does_not_fit_stops_with_the_field() -> None:
    with pytest.raises(ConversionError, match="field 'rowId' has '7b'"):
        convert('{"rowId":"7b"}')


def test_a_deselected_unparsed_object_still_counts() -> None:
    kinds = {name: kind for name, kind in KINDS.items() if name != UNPARSED}
    converter = RecordConverter(kinds, keys=["rowId"])
    row = converter(b'{"rowId":"1","score":"n/a"}')
    assert isinstance(row, dict) and UNPARSED not in row and converter.unparsed == {"score": 1}


DOC_LINE = (
    b'{"rowId":"1","title":"it\'s","notes":"[{"note": "Test Note 1", "createDatetime": "2023-01-01 09:00:00"}, '
    b'{"note": "Test Note 2", "createDatetime": "2023-01-02 10:30:00"}]", "score":"100"}'
)


def test_embedded_json_sent_without_escaping_is_repaired_exactly() -> None:
    converter = RecordConverter(KINDS, keys=["rowId"])
    converter.notice_page(DOC_LINE)
    row = converter(DOC_LINE)
    assert isinstance(row, dict)
    assert row["notes"] == (
        '[{"note": "Test Note 1", "createDatetime": "2023-01-01 09:00:00"}, '
        '{"note": "Test Note 2", "createDatetime": "2023-01-02 10:30:00"}]'
    )
    assert (row["score"], row["title"]) == (100.0, "it's")
    assert converter.repaired == {"notes": 1}


def test_several_embedded_values_and_brackets_in_strings_are_repaired() -> None:
    line = b'{"rowId":"2","notes":"{"a": "]\\", }"}","title":"[1, "x"]"}'
    row = convert(line)
    assert row["notes"] == '{"a": "]\\", }"}' and json.loads(row["notes"]) == {"a": ']", }'}
    assert row["title"] == '[1, "x"]'


def test_a_line_that_no_repair_makes_json_stops() -> None:
    for line in (
        b'{"rowId":"3","notes":"[{"note": "x"]"}',
        b'{"rowId":"3","title":"he said "hi""}',
        b"not json",
    ):
        with pytest.raises(msgspec.DecodeError):
            RecordConverter(KINDS, keys=["rowId"])(line)


def test_escape_embedded_json_names_the_field_and_keeps_the_text() -> None:
    line = b'{"a":"1","notes": "[{"x": 1}]","b":"2"}'
    error_at = line.index(b'{"x"') + 2
    escaped = escape_embedded_json(line, error_at)
    assert escaped is not None
    repaired, field = escaped
    assert field == "notes" and json.loads(repaired) == {"a": "1", "notes": '[{"x": 1}]', "b": "2"}
    assert escape_embedded_json(b'{"a":"he said "hi""}', 12) is None


def test_spaced_empty_values_are_null_once_the_page_shows_that_spacing() -> None:
    converter = RecordConverter(KINDS, keys=["rowId"])
    spaced = b'{"rowId": "4", "title": "", "when": ""}'
    converter.notice_page(spaced)
    assert converter(spaced) == {
        "rowId": 4,
        "title": None,
        "when": None,
        "score": None,
        "money": None,
        "notes": None,
    }


def test_fields_outside_the_schema_are_noted_per_page() -> None:
    converter = RecordConverter(KINDS, keys=["rowId"])
    converter.notice_page(b'{"rowId":"1","pt_source":"x","dgrpRef":""}')
    assert converter.unknown == {"pt_source", "dgrpRef"}


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2024-10-27 00:30:00", "2024-10-27T00:30:00+00:00"),
        ("2024-10-27 01:30:00", "2024-10-27T01:30:00+00:00"),  # the hour London repeats: no guess
        ("2024-02-29 23:59:59", "2024-02-29T23:59:59+00:00"),
        ("0000-00-00", None),
    ],
)
def test_api_instants(value: str, instant: str | None) -> None:
    moment = api_instant(value)
    assert (moment and moment.isoformat()) == instant
    if instant:  # the fast path reads the same instant
        emitted = convert(f'{{"rowId":"1","when":"{value}"}}')["when"]
        assert datetime.fromisoformat(emitted) == datetime.fromisoformat(instant)


@pytest.mark.parametrize(
    "value", ["2023-02-29 00:00:00", "2024-01-01 24:00:00", "2024-01-01 10:60:00", "2024-1-1"]
)
def test_what_is_not_a_datetime_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        api_instant(value)


def test_samples_read_the_documents_lines_with_their_notes_whole() -> None:
    """Discovery's sample of doc 002's own lines: every key, and notes as the text it spells."""
    for line in DOC_002_TRIGGER_LINES:
        row = loads_mended(line)
        assert row["notes"] == DOC_002_NOTES
        assert row["rowId"] and "triggerDatetime" in row


def test_a_sample_line_that_cannot_be_mended_still_fails() -> None:
    with pytest.raises(msgspec.DecodeError):
        loads_mended(b'{"rowId":"1","notes":"[{"note": "cut off')
