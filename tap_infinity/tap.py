"""TapInfinity: wires the settings to the streams, and ends a run with one line when it must."""

from __future__ import annotations

import sys
import typing as t

from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from tap_infinity.output import BufferedMsgSpecWriter
from tap_infinity.schemas.triggers import custom_fields
from tap_infinity.settings import (
    CUSTOM_PREFIXES,
    INFINITY_SETTINGS,
    SETTINGS_SCHEMA,
    hide_secret_values,
    setting_errors,
)
from tap_infinity.streams.chronicall import ChronicallReportsStream
from tap_infinity.streams.config import TABLE_STREAMS
from tap_infinity.streams.triggers import TRIGGER_STREAMS, TriggersAllStream

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream


class TapInfinity(Tap):
    """Singer tap for the Infinity Reports API v2 and Chronicall historical reports."""

    name = "tap-infinity"
    message_writer_class = BufferedMsgSpecWriter
    # The catalog depends on the API (custom fields are sampled), so discovery validates config.
    dynamic_catalog = True
    config_jsonschema = SETTINGS_SCHEMA

    def discover_streams(self) -> list[Stream]:
        extra = custom_fields(self.custom_field_names())
        triggers = [
            cls(self, extra_fields=extra if cls.accepts_custom_fields else None) for cls in TRIGGER_STREAMS
        ]
        return [*triggers, *(cls(self) for cls in TABLE_STREAMS), ChronicallReportsStream(self)]

    def custom_field_names(self) -> list[str]:
        """Configured custom fields, plus those in the input catalog or, in discovery, the API's."""
        names = list(self.config.get("custom_fields", []))
        if self.input_catalog is not None:
            for entry in self.input_catalog.values():
                names += [name for name in entry.schema.properties or {} if name.startswith(CUSTOM_PREFIXES)]
        elif all(self.config.get(key) for key in INFINITY_SETTINGS):
            names += TriggersAllStream(self).sample_custom_fields()
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


if __name__ == "__main__":
    TapInfinity.cli()
