"""The rules of the settings that their JSON schema cannot say (dates, zones, filters, Chronicall
reports, durations, the state's shape), one message per broken setting, secret values never quoted."""

from __future__ import annotations

import datetime
import os
import re
import typing as t
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pendulum

from tap_infinity.settings import CUSTOM_PREFIXES, INFINITY_SETTINGS, SECRET_SETTINGS

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNESCAPED_UNDERSCORE = re.compile(r"(?<!\\)_")
_FILTER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)-([A-Za-z]+)-value-(.*)", re.DOTALL)


def setting_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """Rules the settings' JSON schema cannot express, one message per broken setting."""
    errors = []
    dates = {}
    for key in ("start_date", "end_date", "chronicall_start_date"):
        if config.get(key):
            try:
                # fromisoformat alone also takes 20240501 and 2024-W18-3, which the API does not.
                if not _ISO_DATE.fullmatch(str(config[key])):
                    raise ValueError
                dates[key] = datetime.date.fromisoformat(str(config[key]))
            except ValueError:
                errors.append(f"Setting {key}: {config[key]!r} is not a date (YYYY-MM-DD)")
    if {"start_date", "end_date"} <= set(dates) and dates["start_date"] > dates["end_date"]:
        errors.append("Setting end_date: it is before start_date")
    for key in ("timezone", "chronicall_timezone"):
        zone = config.get(key)
        if zone is None:
            continue
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"Setting {key}: {zone!r} is not an IANA timezone name")
    if "igrps" in config and not config["igrps"]:
        errors.append("Setting igrps: list at least one installation id")
    missing = [key for key in INFINITY_SETTINGS if key not in config or config[key] in (None, "")]
    if missing and not config.get("chronicall_reports"):
        errors.append(
            f"Settings {', '.join(missing)}: needed to read Infinity (or list chronicall_reports "
            "to read only Chronicall)"
        )
    if config.get("ca_bundle") and not os.path.exists(config["ca_bundle"]):
        errors.append(f"Setting ca_bundle: {config['ca_bundle']!r} does not exist")
    errors += filter_errors("filters", config.get("filters") or [])
    errors += channel_metrics_errors(config)
    stream_filters = config.get("stream_filters") or {}
    for stream, values in stream_filters.items() if isinstance(stream_filters, dict) else ():
        errors += filter_errors(f"stream_filters.{stream}", values if isinstance(values, list) else [values])
    if config.get("stream_maps") and config.get("batch_config"):
        # The SDK writes BATCH files without applying the maps (meltano/sdk#1117): fields a map
        # hashes or drops would reach the target raw while the SCHEMA says otherwise.
        errors.append(
            "Settings stream_maps and batch_config: the SDK writes BATCH files without applying "
            "stream maps (sdk#1117), so mapped or removed fields would reach the target; use one"
        )
    for name in config.get("custom_fields", []):
        if not str(name).startswith(CUSTOM_PREFIXES):
            errors.append(f"Setting custom_fields: {name!r} does not start with pt_ or c_")
    return errors + chronicall_errors(config)


def filter_errors(setting: str, values: t.Iterable[t.Any]) -> list[str]:
    """Each filter must be `{field}-{op}-value-{value}` on a field the API filters by (doc 001),
    which custom fields are not (doc 002)."""
    errors = []
    for value in values:
        found = _FILTER.fullmatch(str(value))
        if not found:
            errors.append(f"Setting {setting}: {value!r} is not of the form field-op-value-value")
        elif found.group(1).startswith(CUSTOM_PREFIXES):
            errors.append(f"Setting {setting}: {value!r}: the API cannot filter by custom fields (pt_*, c_*)")
    return errors


def route_filters(
    stream: str, fields: set[str], config: t.Mapping[str, t.Any], *, takes_filters: bool
) -> tuple[list[str], list[tuple[str, str]]]:
    """A stream's filter[] (those of `filters` on a field its route returns, then its
    `stream_filters`), and the (filter, field) it skips: the API refuses a filter on a field
    it lacks."""
    sent, skipped = [], []
    for expression in list(config.get("filters") or []) if takes_filters else []:
        field = expression.split("-", 1)[0]
        if field in fields:
            sent.append(expression)
        else:
            skipped.append((expression, field))
    return [*sent, *(config.get("stream_filters") or {}).get(stream, [])], skipped


def channel_metrics_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """Group dimensions are field names; custom metrics are references (usable in sort[] and
    display[]) to definitions in doc 001's syntax: a metric field, then condition fields and
    values in pairs, split at `_` that no backslash escapes."""
    errors = []
    for name in config.get("channel_metrics_group") or []:
        if not _NAME.fullmatch(str(name)):
            errors.append(f"Setting channel_metrics_group: {name!r} is not a field name")
    for reference, definition in (config.get("channel_metrics_custom_metrics") or {}).items():
        parts = _UNESCAPED_UNDERSCORE.split(str(definition))
        if not _NAME.fullmatch(reference):
            errors.append(f"Setting channel_metrics_custom_metrics: {reference!r} is not a reference name")
        elif len(parts) < 3 or len(parts) % 2 == 0 or not all(parts):
            errors.append(
                f"Setting channel_metrics_custom_metrics.{reference}: {definition!r} is not "
                "{metricField}_{conditionField}_{value}[_{conditionField}_{value}...]"
            )
    return errors


def chronicall_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """The Chronicall settings: optional, but whole and well-formed once reports are listed."""
    errors = []
    for setting, default, allow_zero in (
        ("chronicall_settle", "PT2H", True),
        ("chronicall_window", "P1D", False),
    ):
        try:
            parse_duration(config.get(setting, default), allow_zero=allow_zero)
        except ValueError:
            errors.append(
                f"Setting {setting}: {config.get(setting)!r} is not an ISO-8601 duration, e.g. PT2H or P1D"
            )
    reports = config.get("chronicall_reports") or []
    missing = [name for name in ("chronicall_url", "chronicall_api_key") if reports and not config.get(name)]
    if missing:
        errors.append(f"Setting chronicall_reports: reports are listed but {' and '.join(missing)} not set")
    keys: set[str] = set()
    names: set[str] = set()
    for position, report in enumerate(reports, start=1):
        if not isinstance(report, dict):
            continue  # the JSON schema check reports it
        key = report.get("key")
        if not key:
            errors.append(f"Setting chronicall_reports: report {position} has no key")
            continue
        try:
            uuid.UUID(str(key))
        except ValueError:
            errors.append(f"Setting chronicall_reports: report {position} key {key!r} is not a UUID")
        name = report.get("name") or key
        for seen, value, what in ((keys, key, "key"), (names, name, "name")):
            if value in seen:
                errors.append(f"Setting chronicall_reports: {what} {value!r} is listed twice")
            seen.add(value)
        if "window" in report:
            try:
                parse_duration(report["window"], allow_zero=False)
            except ValueError:
                errors.append(
                    f"Setting chronicall_reports: report {name!r} window {report['window']!r} is not an "
                    "ISO-8601 duration, e.g. P1M"
                )
        parameters = report.get("parameters") or []
        if any(isinstance(p, dict) and p.get("valueType") == "REPORT_TIMEFRAME" for p in parameters):
            errors.append(
                f"Setting chronicall_reports: report {name!r} has a REPORT_TIMEFRAME parameter; "
                "the tap sets the timeframe of each window itself"
            )
    return errors


def hide_secret_values(error: str) -> str:
    """A JSON schema error about a secret setting quotes its value; say only which setting."""
    for key in SECRET_SETTINGS:
        if f"config[{key!r}]" in error:
            return f"Setting {key}: invalid value (not shown: it is a secret); it must be a string"
    return error


def parse_duration(text: t.Any, *, allow_zero: bool = True) -> pendulum.Duration:
    """An ISO-8601 duration such as P1D, PT6H or P1M (pendulum's parser); ValueError otherwise."""
    try:
        duration = pendulum.parse(text) if isinstance(text, str) and text.startswith("P") else None
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        duration = None
    if not isinstance(duration, pendulum.Duration) or (not allow_zero and not duration.in_seconds()):
        raise ValueError(text)
    return duration


def state_errors(state: t.Any) -> list[str]:
    """What is wrong with the shape of a state (bookmarks by stream, partitions with contexts)."""
    if not isinstance(state, dict):
        return [f"State: it is a {type(state).__name__}, not an object"]
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        return [f"State: bookmarks is a {type(bookmarks).__name__}, not an object of streams"]
    errors = []
    for stream, entry in bookmarks.items():
        if not isinstance(entry, dict):
            errors.append(f"State: bookmarks.{stream} is a {type(entry).__name__}, not an object")
            continue
        partitions = entry.get("partitions", [])
        if not isinstance(partitions, list) or not all(
            isinstance(p, dict) and isinstance(p.get("context"), dict) for p in partitions
        ):
            errors.append(f"State: bookmarks.{stream}.partitions is not a list of objects with a context")
    return errors
