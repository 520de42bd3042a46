"""TapInfinity: wires the settings to the streams, and ends a run with one line when it must."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import typing as t

from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError
from typing_extensions import override

from tap_infinity import interrupt
from tap_infinity.client import InfinityStream
from tap_infinity.output import BufferedMsgSpecWriter
from tap_infinity.rules import hide_secret_values, setting_errors, state_errors
from tap_infinity.schemas import sized_decimals
from tap_infinity.schemas.triggers import TRIGGER_FIELDS, custom_fields
from tap_infinity.settings import CUSTOM_PREFIXES, INFINITY_SETTINGS, SETTINGS_SCHEMA
from tap_infinity.streams.chronicall import ChronicallReportsStream
from tap_infinity.streams.config import TABLE_STREAMS
from tap_infinity.streams.metrics import DOCUMENTED_METRICS, ChannelMetricsStream, metric_columns_of
from tap_infinity.streams.realtime import REALTIME_STREAMS
from tap_infinity.streams.recordings import CallRecordingsStream
from tap_infinity.streams.triggers import TRIGGER_STREAMS, TriggersAllStream

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.streams import Stream

INFINITY_STREAMS: list[type[InfinityStream]] = [
    *TRIGGER_STREAMS,
    *TABLE_STREAMS,
    CallRecordingsStream,
    *REALTIME_STREAMS,
]


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
        return [
            *triggers,
            *(cls(self) for cls in TABLE_STREAMS),
            ChannelMetricsStream(self, self.metric_columns()),
            CallRecordingsStream(self),
            *(cls(self) for cls in REALTIME_STREAMS),
            ChronicallReportsStream(self),
        ]

    def metric_columns(self) -> list[str]:
        """channel_metrics' columns: the input catalog's or, in discovery, the API's own (the
        server decides them), plus the configured custom metrics."""
        group = self.config.get("channel_metrics_group") or ["ch"]
        custom = list(self.config.get("channel_metrics_custom_metrics") or {})
        if self.input_catalog is not None:
            entry = self.input_catalog.get("channel_metrics")
            if entry is None:  # not in the catalog, so not synced: no request to learn its columns
                return [*DOCUMENTED_METRICS, *custom]
            return list(dict.fromkeys([*metric_columns_of(entry.schema.to_dict(), group), *custom]))
        if all(self.config.get(key) for key in INFINITY_SETTINGS):
            return ChannelMetricsStream(self, []).sample_columns()
        return [*DOCUMENTED_METRICS, *custom]

    def custom_field_names(self) -> list[str]:
        """Configured custom fields, plus those in the input catalog or, in discovery, the API's."""
        names = list(self.config.get("custom_fields", []))
        if self.input_catalog is not None:
            for entry in self.input_catalog.values():
                names += [name for name in entry.schema.properties or {} if name.startswith(CUSTOM_PREFIXES)]
        elif all(self.config.get(key) for key in INFINITY_SETTINGS):
            names += TriggersAllStream(self).sample_custom_fields()
        return sorted(set(names))

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's JSON schema checks, plus what a schema cannot say, with secrets redacted."""
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            errors = list(exc.errors)
        errors += setting_errors(self.config) + stream_filter_errors(self.config)
        errors = [hide_secret_values(error) for error in errors]
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors

    @override
    def setup_mapper(self) -> None:
        """The SDK's mappers, with money's precision and scale: its catalog schema class has no
        room for them, so SCHEMA messages would lose them and target-snowflake would make money
        NUMBER(38,0), rounding cents away."""
        super().setup_mapper()
        for name, maps in list(self.mapper.stream_maps.items()):
            raw = maps[0].raw_schema
            sized = sized_decimals(raw)
            if sized != raw:
                self.mapper.register_raw_stream_schema(name, sized, maps[0].raw_key_properties)

    @override
    def load_state(self, state: dict[str, t.Any]) -> None:
        """Refuses a state of the wrong shape with one line, before the SDK trips over it."""
        errors = state_errors(state)
        if errors:
            raise FatalAPIError(f"{errors[0]}; fix or remove it (or run with --full-refresh)")
        super().load_state(state)

    def sync_all(self) -> None:  # type: ignore[misc]  # final in the SDK, yet the only end-of-run hook
        """Sync every stream; then say what was repaired or kept unparsed, and fail if a
        partition was refused, so a scheduler notices. On a signal, stop after the last whole
        record with a STATE covering it, and exit 143 (SIGTERM) or 130 (SIGINT).

        A refused igrp (HTTP 403, 404) or Chronicall report is skipped rather than stopping the
        run, so the other partitions and streams (synced in name order, some after it) keep
        their data and bookmarks.
        """
        self.warn_about_catalog()
        recordings = self.streams.get(CallRecordingsStream.name)
        if recordings is not None and recordings.selected and not self.config.get("recordings_url"):
            self.logger.warning(
                "call_recordings is selected but recordings_url is not set, so it reads nothing: set it "
                "to a directory or an s3:// URL, or deselect call_recordings"
            )
        try:
            super().sync_all()
        except interrupt.Interrupted as stop:
            self.logger.warning("%s: stopping after the last whole record", stop)
            if not self.config.get("batch_config"):  # BATCH: the last STATE follows the last file
                self._state_writer.write_state(self.state)
            if threading.active_count() > 1:
                # Downloads still under way would hold the exit until their next wait (a retry
                # may sleep minutes): everything is written, so leave them, flushed, at once.
                self.report_imperfect_data()
                sys.stdout.flush()
                logging.shutdown()
                os._exit(stop.exit_code)
            sys.exit(stop.exit_code)
        finally:
            self.report_imperfect_data()
        skipped = [where for stream in self.streams.values() for where in getattr(stream, "skipped", [])]
        if skipped:
            raise FatalAPIError(
                f"Skipped {len(skipped)} refused partitions (see above): {'; '.join(skipped)}"
            )

    def warn_about_catalog(self) -> None:
        """A catalog naming streams or properties this tap does not have: they are ignored, said once."""
        if self.input_catalog is None:
            return
        for entry in self.input_catalog.values():
            stream = self.streams.get(entry.tap_stream_id)
            if stream is None:
                self.logger.warning("Catalog: %r is not a stream of this tap; ignored", entry.tap_stream_id)
                continue
            unknown = set(entry.schema.properties or {}) - set(stream.schema["properties"])
            if unknown:
                self.logger.warning(
                    "Catalog: %s has no properties %s; ignored", stream.name, ", ".join(sorted(unknown))
                )

    def report_imperfect_data(self) -> None:
        """One warning per stream that repaired lines or kept values unparsed, with the counts."""
        for stream in self.streams.values():
            converter = stream.__dict__.get("converter")  # built only if the stream read anything
            if converter is None:
                continue
            if converter.repaired:
                self.logger.warning(
                    "%s: repaired %d lines whose embedded JSON was not escaped (%s)",
                    stream.name,
                    sum(converter.repaired.values()),
                    ", ".join(f"{field}: {count}" for field, count in sorted(converter.repaired.items())),
                )
            if converter.unknown:
                self.logger.warning(
                    "%s: the API sent fields the schema does not have, not loaded: %s (pt_*/c_* ones can "
                    "be added with custom_fields)",
                    stream.name,
                    ", ".join(sorted(converter.unknown)),
                )
            if converter.unparsed:
                self.logger.warning(
                    "%s: %d values did not fit their type and are kept in _sdc_unparsed (%s)",
                    stream.name,
                    sum(converter.unparsed.values()),
                    ", ".join(f"{field}: {count}" for field, count in sorted(converter.unparsed.items())),
                )

    @override
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM/SIGINT: stop where nothing is half written (see `tap_infinity.interrupt`)."""
        interrupt.request_stop(signum)

    def run_discovery(self) -> str:
        """Discover, ending a fatal API error (say, rejected credentials) with its one line and exit 1."""
        try:
            return super().run_discovery()
        except FatalAPIError as exc:
            self.logger.error("%s", exc)
            sys.exit(1)
        except interrupt.Interrupted as stop:
            sys.exit(stop.exit_code)

    @classmethod
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        """Sync, ending a fatal API error or an unreadable state file with one line and exit 1."""
        state = kwargs.get("state")
        if state is not None:
            text = state.read()
            try:
                json.loads(text)
            except ValueError as exc:
                cls.logger.error("The state file is not JSON (%s); fix or remove it", exc)
                sys.exit(1)
            kwargs["state"] = io.StringIO(text)
        try:
            super().invoke(**kwargs)
        except FatalAPIError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


def stream_filter_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """stream_filters must name Infinity streams, and filter on fields those streams have."""
    fields = {t.cast("t.Any", cls).name: {name for name, _, _ in cls.fields} for cls in INFINITY_STREAMS}
    fields[ChannelMetricsStream.name] = {name for name, _, _ in TRIGGER_FIELDS}  # its group dimensions
    errors = []
    stream_filters = config.get("stream_filters") or {}
    for stream, values in stream_filters.items() if isinstance(stream_filters, dict) else ():
        if stream not in fields:
            errors.append(
                f"Setting stream_filters: {stream!r} is not an Infinity stream ({', '.join(fields)})"
            )
            continue
        for value in values if isinstance(values, list) else []:
            field = str(value).split("-", 1)[0]
            if field not in fields[stream]:
                errors.append(f"Setting stream_filters.{stream}: {value!r}: {stream} has no field {field!r}")
    return errors


if __name__ == "__main__":
    TapInfinity.cli()
