"""TapInfinity: the settings and the streams; everything else lives in the stream modules."""

from __future__ import annotations

import datetime
import os
import re
import sys
import typing as t
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from tap_infinity.client import INFINITY_SETTINGS
from tap_infinity.output import BufferedMsgSpecWriter
from tap_infinity.schemas.triggers import custom_fields
from tap_infinity.streams.chronicall import ChronicallReportsStream, Window
from tap_infinity.streams.config import DgrpsStream, NumbersStream
from tap_infinity.streams.organisations import OrganisationsStream
from tap_infinity.streams.triggers import TRIGGER_STREAMS, sample_custom_fields

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

SECRET_SETTINGS = ("password", "chronicall_api_key")
CUSTOM_PREFIXES = ("pt_", "c_")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class TapInfinity(Tap):
    """Singer tap for the Infinity Reports API v2 and Chronicall historical reports."""

    name = "tap-infinity"
    message_writer_class = BufferedMsgSpecWriter
    # The catalog depends on the API (custom fields are sampled), so discovery validates config.
    dynamic_catalog = True

    config_jsonschema = th.PropertiesList(
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
            description="IANA timezone sent as `tz`; datetimes are emitted as ISO-8601 with its offset",
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
            description="Extra filter[] values for trigger streams, e.g. `outcomeType-ne-value-V`",
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
            description="ISO-8601 duration of each report timeframe, in weeks, days, hours, minutes "
            "or seconds (P1D, P1W, PT6H); days are calendar days in chronicall_timezone",
        ),
        th.Property(
            "chronicall_timezone",
            th.StringType,
            title="Chronicall timezone",
            description="IANA timezone of the report windows and their offsets (default: `timezone`)",
        ),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        extra = custom_fields(self.custom_field_names())
        triggers = [
            cls(self, extra_fields=extra if cls.accepts_custom_fields else None) for cls in TRIGGER_STREAMS
        ]
        return [
            *triggers,
            DgrpsStream(self),
            NumbersStream(self),
            OrganisationsStream(self),
            ChronicallReportsStream(self),
        ]

    def custom_field_names(self) -> list[str]:
        """Configured custom fields, plus those in the input catalog or, in discovery, the API's."""
        names = list(self.config.get("custom_fields", []))
        if self.input_catalog is not None:
            for entry in self.input_catalog.values():
                names += [name for name in entry.schema.properties or {} if name.startswith(CUSTOM_PREFIXES)]
        elif all(self.config.get(key) for key in INFINITY_SETTINGS):
            names += sample_custom_fields(self)
        return sorted(set(names))

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's JSON schema checks, plus what a schema cannot say, with secrets redacted."""
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            errors = list(exc.errors)
        errors = [hide_secret_values(error) for error in [*errors, *setting_errors(self.config)]]
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors

    def sync_all(self) -> None:  # type: ignore[misc]  # final in the SDK, yet the only end-of-run hook
        """Sync every stream, then fail if a partition was refused, so a scheduler notices.

        A refused igrp (HTTP 403) or Chronicall report is skipped rather than stopping the run,
        so the other partitions and streams (synced in name order, some after it) keep their
        data and bookmarks.
        """
        super().sync_all()
        skipped = [where for stream in self.streams.values() for where in getattr(stream, "skipped", [])]
        if skipped:
            raise FatalAPIError(
                f"Skipped {len(skipped)} refused partitions (see above): {'; '.join(skipped)}"
            )

    def run_discovery(self) -> str:
        """Discover, ending a fatal API error (say, rejected credentials) with its one line and exit 1."""
        try:
            return super().run_discovery()
        except FatalAPIError as exc:
            self.logger.error("%s", exc)
            sys.exit(1)

    @classmethod
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        """Sync, ending a fatal API error with its one line and exit code 1, not a traceback."""
        try:
            super().invoke(**kwargs)
        except FatalAPIError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


def setting_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """Rules the settings' JSON schema cannot express, one message per broken setting."""
    errors = []
    dates = {}
    for key in ("start_date", "end_date"):
        if config.get(key):
            try:
                # fromisoformat alone also takes 20240501 and 2024-W18-3, which the API does not.
                if not ISO_DATE.fullmatch(str(config[key])):
                    raise ValueError
                dates[key] = datetime.date.fromisoformat(str(config[key]))
            except ValueError:
                errors.append(f"Setting {key}: {config[key]!r} is not a date (YYYY-MM-DD)")
    if len(dates) == 2 and dates["start_date"] > dates["end_date"]:
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
    for value in config.get("filters", []):
        if "-value-" not in str(value):
            errors.append(f"Setting filters: {value!r} is not of the form field-op-value-value")
    for name in config.get("custom_fields", []):
        if not str(name).startswith(CUSTOM_PREFIXES):
            errors.append(f"Setting custom_fields: {name!r} does not start with pt_ or c_")
    return errors + chronicall_errors(config)


def chronicall_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """The Chronicall settings: optional, but whole and well-formed once reports are listed."""
    errors = []
    try:
        Window.parse(config.get("chronicall_window", "P1D"))
    except ValueError:
        errors.append(
            f"Setting chronicall_window: {config.get('chronicall_window')!r} is not an ISO-8601 duration "
            "in weeks, days, hours, minutes or seconds, e.g. P1D or PT6H"
        )
    reports = config.get("chronicall_reports") or []
    missing = [key for key in ("chronicall_url", "chronicall_api_key") if reports and not config.get(key)]
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


if __name__ == "__main__":
    TapInfinity.cli()
