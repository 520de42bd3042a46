"""The settings: their JSON schema, and the rules a schema cannot say (dates, zones, reports, filters).

`TapInfinity` declares `SETTINGS_SCHEMA` and checks `setting_errors` at start-up, so every broken
setting gets one line naming it before any request is made; secret values are never quoted.
"""

from __future__ import annotations

import datetime
import os
import re
import typing as t
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pendulum
from singer_sdk import typing as th

#: Settings whose values are never printed.
SECRET_SETTINGS = ("password", "chronicall_api_key")
#: Settings every Infinity stream needs; optional in the config, which may be Chronicall-only.
INFINITY_SETTINGS = ("username", "password", "igrps")
CUSTOM_PREFIXES = ("pt_", "c_")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNESCAPED_UNDERSCORE = re.compile(r"(?<!\\)_")
_FILTER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)-([A-Za-z]+)-value-(.*)", re.DOTALL)

SETTINGS_SCHEMA: dict[str, t.Any] = th.PropertiesList(
    th.Property(
        "username",
        th.StringType,
        title="Username",
        description="Infinity API login (HTTP basic auth); needed by the Infinity streams",
    ),
    th.Property(
        "password",
        th.StringType,
        secret=True,
        title="Password",
        description="Infinity API password; needed by the Infinity streams",
    ),
    th.Property(
        "igrps",
        th.ArrayType(th.IntegerType),
        title="Installations",
        description="Installation ids (igrps) to read; each is a partition with its own bookmark. "
        "Needed by the Infinity streams",
    ),
    th.Property(
        "api_url",
        th.StringType,
        default="https://api.infinitycloud.com",
        title="API URL",
        description="Base URL; the tap appends /reports/v2/... and /config/v2/...",
    ),
    th.Property(
        "start_date",
        th.DateType,
        title="Start date",
        description="Read triggers on or after this date (YYYY-MM-DD, in `timezone`)",
    ),
    th.Property(
        "end_date",
        th.DateType,
        title="End date",
        description="Read triggers up to and including this date (YYYY-MM-DD, in `timezone`)",
    ),
    th.Property(
        "timezone",
        th.StringType,
        default="UTC",
        title="Timezone",
        description="IANA timezone of the days in start_date, end_date and lookbacks (and of the "
        "Chronicall windows); datetimes are always asked for and emitted as UTC instants",
    ),
    th.Property(
        "lookback_days",
        th.IntegerType(minimum=0),
        default=0,
        title="Lookback days",
        description="Each run first reads again the triggers of the last N days (and today, in "
        "`timezone`) already loaded, so changes since (notes, scores, outcomes) reach the target, "
        "which upserts them; costs those rows again on every run",
    ),
    th.Property(
        "activate_version",
        th.BooleanType,
        default=True,
        title="Activate table versions",
        description="Full-table streams mark each run's rows with a version and end with "
        "ACTIVATE_VERSION, so targets drop (or mark deleted) rows the API no longer returns; turn "
        "off where a job reads only part of a table (one igrp of several)",
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=10000),
        default=10000,
        title="Page size",
        description="Rows per request (the API's maximum is 10,000)",
    ),
    th.Property(
        "filters",
        th.ArrayType(th.StringType),
        default=[],
        title="Filters",
        description="filter[] values (`{field}-{op}-value-{value}`) for the trigger streams, e.g. "
        "`outcomeType-ne-value-V`; a stream whose route has no such field does not send it (logged)",
    ),
    th.Property(
        "stream_filters",
        th.ObjectType(additional_properties=th.ArrayType(th.StringType)),
        default={},
        title="Filters per stream",
        description="filter[] values for named streams, tables included, e.g. "
        '`{"numbers": ["usageType-eq-value-fixed"]}`; each must be a field of that stream',
    ),
    th.Property(
        "exclude_pii_data",
        th.BooleanType,
        default=False,
        title="Exclude PII data",
        description="Ask the API to redact PII (sends excludePiiData=1)",
    ),
    th.Property(
        "root_org_id",
        th.IntegerType,
        title="Root organisation",
        description="Only rows of this organisation and its descendants (sends rootOrgId)",
    ),
    th.Property(
        "custom_fields",
        th.ArrayType(th.StringType),
        default=[],
        title="Custom fields",
        description="pt_* / c_* fields to add to the trigger schemas as strings",
    ),
    th.Property(
        "channel_metrics_group",
        th.ArrayType(th.StringType),
        default=["ch"],
        title="Channel metrics group",
        description='group[] dimensions of channel_metrics, e.g. `["ch", "goal"]`; each is part of the '
        "stream's key",
    ),
    th.Property(
        "channel_metrics_custom_metrics",
        th.ObjectType(additional_properties=th.StringType),
        default={},
        title="Channel metrics custom metrics",
        description='Extra metric columns by reference: `{"goals246": "goalCount_goal_246"}` in doc '
        "001's `{metricField}_{conditionField}_{value}` syntax (escape `_` and `,` in values with `\\`)",
    ),
    th.Property(
        "attribution_model_id",
        th.IntegerType,
        title="Attribution model",
        description="The Infinity attribution model of channel_metrics (attributionModelId); default: "
        "the installation's own",
    ),
    th.Property(
        "channel_type",
        th.StringType,
        title="Channel type",
        description="Only this channel type in channel_metrics (chType, e.g. `ppc`, `seo`, `direct`)",
    ),
    th.Property(
        "channel_metrics_lookback_days",
        th.IntegerType(minimum=0),
        default=7,
        title="Channel metrics lookback",
        description="Days channel_metrics reads again on every run (attribution moves as goals arrive); "
        "today is always read again",
    ),
    th.Property(
        "recordings_url",
        th.StringType,
        title="Recordings location",
        description="Where call_recordings stores the audio: a directory or an fsspec URL such as "
        "`s3://bucket/prefix` (install the `s3` extra); without it call_recordings reads nothing",
    ),
    th.Property(
        "request_timeout",
        th.NumberType(minimum=1),
        default=300,
        title="Request timeout",
        description="Seconds to wait for the server to answer or send more of a body",
    ),
    th.Property(
        "max_retries",
        th.IntegerType(minimum=0),
        default=6,
        title="Maximum retries",
        description="Retries of a failing request (429, 5xx, reset, timeout, cut-off body)",
    ),
    th.Property(
        "retry_base_seconds",
        th.NumberType(minimum=0),
        default=2.0,
        title="Retry base wait",
        description="First backoff wait in seconds, doubled on each retry (with jitter)",
    ),
    th.Property(
        "retry_max_seconds",
        th.NumberType(minimum=0),
        default=300.0,
        title="Retry maximum wait",
        description="Longest single wait, including one asked for by Retry-After",
    ),
    th.Property(
        "ca_bundle",
        th.StringType,
        title="CA bundle",
        description="Path of a CA bundle for TLS verification (verification is always on)",
    ),
    th.Property(
        "chronicall_url",
        th.StringType,
        title="Chronicall URL",
        description="Base URL of the Chronicall server; the tap appends /rest/api/v1/historic-data/...",
    ),
    th.Property(
        "chronicall_api_key",
        th.StringType,
        secret=True,
        title="Chronicall API key",
        description="The Chronicall service user's key, sent as `Authorization: Bearer ...`",
    ),
    th.Property(
        "chronicall_reports",
        th.ArrayType(
            th.ObjectType(
                th.Property("key", th.StringType, description="The report's historicDataKey (UUID)"),
                th.Property("name", th.StringType, description="A short label (default: the key)"),
                th.Property(
                    "window",
                    th.StringType,
                    description="This report's window (default chronicall_window), e.g. P1M for a "
                    "report listing calls, which reads the same rows in fewer requests",
                ),
                th.Property(
                    "parameters",
                    th.ArrayType(th.ObjectType(additional_properties=True)),
                    description="Extra report parameters as doc 004 shows them, e.g. a PBX_USERS one",
                ),
            )
        ),
        default=[],
        title="Chronicall reports",
        description="API-enabled reports to read, each a partition with its own bookmark; "
        "none: chronicall_reports emits nothing",
    ),
    th.Property(
        "chronicall_window",
        th.StringType,
        default="P1D",
        title="Chronicall window",
        description="ISO-8601 duration of each report timeframe (P1D, P1W, P1M, PT6H); days and "
        "months are calendar ones in chronicall_timezone; a report's own `window` overrides it",
    ),
    th.Property(
        "chronicall_start_date",
        th.DateType,
        title="Chronicall start date",
        description="First day of the first Chronicall sync (YYYY-MM-DD, in chronicall_timezone); "
        "default: start_date, else today",
    ),
    th.Property(
        "chronicall_settle",
        th.StringType,
        default="PT2H",
        title="Chronicall settle time",
        description="ISO-8601 duration a window must have ended before its bookmark passes it: "
        "calls in progress at its end are counted once they end; until then it is read again",
    ),
    th.Property(
        "chronicall_timezone",
        th.StringType,
        title="Chronicall timezone",
        description="IANA timezone of the report windows and their offsets (default: `timezone`)",
    ),
).to_dict()


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
