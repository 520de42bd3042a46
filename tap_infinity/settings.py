"""The settings' JSON schema, and the names other modules need (secrets, Infinity's own settings).

The rules a schema cannot say live in `rules`; `TapInfinity` checks both at start-up.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

#: Settings whose values are never printed.
SECRET_SETTINGS = ("password", "chronicall_api_key")
#: Settings every Infinity stream needs; optional in the config, which may be Chronicall-only.
INFINITY_SETTINGS = ("username", "password", "igrps")
CUSTOM_PREFIXES = ("pt_", "c_")

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
        "recording_downloads",
        th.IntegerType(minimum=1, maximum=10),
        default=4,
        title="Recording downloads at once",
        description="How many recordings call_recordings downloads at the same time (each waits on "
        "the API); 1 downloads them one after another",
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
