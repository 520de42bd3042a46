"""The fast record path: records as msgspec Structs from the decoder straight to stdout.

The SDK's record loop makes about ten calls and two generator hops per record (dry-run limit,
post_process, _process_record, bookmark, counter, yield to `sync`), and its RECORD writer
deselects, conforms and maps each record as a dict: together most of a sync's time outside
decoding. Where none of that does anything (no stream map, no flattening, no BATCH but the tap's own
files, no dry run), this mixin writes records directly and does the bookkeeping once per
checkpoint: every STATE_MSG_FREQUENCY records, or each BATCH file.

Its contract with the SDK: the same RECORD and STATE messages, in the same order, as the SDK's
own loop (`tests/test_direct_write.py` proves it by running both; an SDK upgrade must pass it).
Every override below is of a private SDK method, named with the reason it is overridden; with
``direct_write = False`` each one defers to the SDK.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from functools import cached_property

import msgspec
from singer_sdk.mapper import SameRecordTransform, StreamMap
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.json import serialize_json
from singer_sdk.streams import Stream
from typing_extensions import override

from tap_infinity.batch_files import BatchFilesMixin
from tap_infinity.conversion import TypedRecord
from tap_infinity.schemas import UNPARSED

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Record, Row
    from tap_infinity.output import BufferedMsgSpecWriter


class DirectWriteMixin(BatchFilesMixin):
    """Writes a stream's records without the SDK's per-record loop, where nothing needs it."""

    #: Off: every override defers to the SDK (the equivalence test runs both ways).
    direct_write: t.ClassVar[bool] = True
    #: When the current page was requested: its records' time_extracted, taken once per page.
    page_extracted_at: datetime = datetime.now(timezone.utc)
    #: The partition of the last record `records_for_files` gave: a BATCH file's last record.
    files_partition: Context | None = None

    @cached_property
    def records_as_structs(self) -> bool:
        """Whether records may stay msgspec Structs from decoder to stdout.

        Only when nothing on the way needs a dict: no stream map or flattening that changes
        more than `_sdc_unparsed` (the SDK's mappers work on dicts), no BATCH files but the
        tap's own (the SDK's batcher writes dicts) and no post-processing of rows
        (`post_process` is the identity).
        """
        return (
            self.direct_write
            and type(self).post_process is Stream.post_process
            and (self.get_batch_config(self.config) is None or self.writes_batches_itself)
            and all(
                type(stream_map) is SameRecordTransform
                and (not stream_map.flattening_enabled or flattens_only_unparsed(stream_map))
                for stream_map in self.stream_maps
            )
        )

    @cached_property
    def flattening(self) -> bool:
        """Flattening is on (and, on the fast path, changes only `_sdc_unparsed`)."""
        return any(stream_map.flattening_enabled for stream_map in self.stream_maps)

    @override
    def _write_record_message(self, record: Row) -> None:  # type: ignore[override]
        """Skips the SDK's per-record deselection and type conformance, both no-ops here and the
        largest per-record costs in the profile: the converter decodes only selected properties
        (display[] asks the API for no others) into the schema's types. Maps still apply."""
        if not self.direct_write:
            super()._write_record_message(t.cast("Record", record))
            return
        if isinstance(record, TypedRecord):  # records_as_structs: every map is the identity
            if self.flattening:
                flatten_unparsed(record)
            writer = t.cast("BufferedMsgSpecWriter", self._tap.message_writer)
            for stream_map in self.stream_maps:
                writer.write_record(
                    stream_map.stream_alias, record, self._stream_version, self.page_extracted_at
                )
        else:
            for stream_map in self.stream_maps:
                mapped = stream_map.transform(record)
                if mapped is not None:
                    self._tap.write_message(
                        RecordMessage(
                            stream=stream_map.stream_alias,
                            record=mapped,
                            version=self._stream_version,
                            time_extracted=self.page_extracted_at,
                        )
                    )
        self.state_manager.is_flushed = False

    @override
    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> t.Generator[dict, t.Any, t.Any]:
        """On the fast path, records are written here and the bookmark, STATE and record count
        are done at each checkpoint (every STATE_MSG_FREQUENCY records and at the end of each
        partition) instead of per record. Anything else (stream maps, a dry run, child streams)
        takes the SDK's loop; BATCH files take `records_for_files`."""
        if not (write_messages and self.skips_sdk_loop):
            yield from super()._sync_records(context, write_messages=write_messages)
            return
        writer = t.cast("BufferedMsgSpecWriter", self._tap.message_writer)
        aliases = [stream_map.stream_alias for stream_map in self.stream_maps]
        every, flattening = self.STATE_MSG_FREQUENCY, self.flattening
        written = 0  # across partitions, as the SDK counts toward STATE_MSG_FREQUENCY
        record_counter, timer = self.get_record_counter(), self.get_sync_timer()
        with record_counter, timer:
            for current in self.started_partitions(context, record_counter, timer):
                counted, last = written, None
                records: t.Iterable[t.Any] = self.get_records(current)  # Rows: Structs here
                try:
                    for last in records:
                        if flattening:
                            flatten_unparsed(last)
                        for alias in aliases:
                            writer.write_record(alias, last, self._stream_version, self.page_extracted_at)
                        written += 1
                        if written % every == 0:
                            self._increment_stream_state(last, context=current)
                            self.state_manager.is_flushed = False
                            self._write_state_message()
                            record_counter.increment(written - counted)
                            counted = written
                finally:  # also when a signal stops it: the bookmark covers every record written
                    if last is not None:
                        self._increment_stream_state(last, context=current)
                record_counter.increment(written - counted)
                self._finalize_state(self.get_context_state(current))
        if not context:
            self._finalize_state(self.stream_state)
        self._write_state_message()

    @property
    def skips_sdk_loop(self) -> bool:
        """Records may skip the SDK's loop: Structs all the way, selected, not a dry run (which
        counts each record) and no child streams (which need each record's context)."""
        return (
            self.records_as_structs
            and self.selected
            and self.ABORT_AT_RECORD_COUNT is None
            and not self.child_streams
        )

    def started_partitions(self, context: Context | None, *meters: t.Any) -> t.Iterator[Context | None]:
        """Each partition to sync (`context` alone, if given), its meters and starting
        replication value set, as the SDK's loop does before a partition's first record."""
        for partition in [context] if context is not None else self.partitions or [{}]:
            for meter in meters:
                meter.with_context(partition)
            current = partition or None
            self._write_starting_replication_value(current)
            yield current

    @override
    def records_for_files(self, context: Context | None) -> t.Iterator[t.Any]:
        """On the fast path, records go to the files without the SDK's per-record bookkeeping;
        the bookmark moves per file (`bookmark_file`) and at each partition's end, where the
        SDK's loop moves it per record: the STATE after each BATCH message is the same."""
        if not self.skips_sdk_loop:
            yield from super().records_for_files(context)
            return
        record_counter, timer = self.get_record_counter(), self.get_sync_timer()
        with record_counter, timer:
            for current in self.started_partitions(context, record_counter, timer):
                records: t.Iterator[t.Any] = iter(self.get_records(current))  # Rows: Structs here
                last = next(records, None)
                if last is not None:  # (an empty or refused partition is in no file)
                    self.files_partition = current
                    yield last
                    count = 1
                    for count, last in enumerate(records, start=2):  # noqa: B007
                        yield last
                    self._increment_stream_state(last, context=current)
                    record_counter.increment(count)
                self._finalize_state(self.get_context_state(current))
        if not context:
            self._finalize_state(self.stream_state)

    @override
    def bookmark_file(self, last: t.Any) -> None:
        """The file's last record is of `files_partition` (the last partition with a record yet,
        even when the file ends with the last record and later partitions have none): its
        bookmark covers the whole file."""
        if self.skips_sdk_loop:
            self._increment_stream_state(last, context=self.files_partition)

    @override
    def _process_record(
        self, record: Record, child_context: Context | None = None, partition_context: Context | None = None
    ) -> None:
        """The SDK copies the partition keys into each record and asks for child contexts, a
        measurable cost per record for no effect: records carry their igrp, no stream has children."""
        if not self.direct_write:
            super()._process_record(record, child_context, partition_context)


def flattens_only_unparsed(stream_map: StreamMap) -> bool:
    """Whether the SDK's flattening changes nothing of this stream's schema but `_sdc_unparsed`
    (an object of strings, which becomes its JSON text): true of every stream whose fields are
    all flat, and then a record needs no more than `flatten_unparsed`."""
    raw, flat = stream_map.raw_schema.get("properties", {}), stream_map.transformed_schema["properties"]
    return flat.keys() == raw.keys() and all(flat[name] == raw[name] for name in raw if name != UNPARSED)


def flatten_unparsed(record: Row) -> None:
    """What the SDK's flattening does to a record of a flat stream, without its per-record walk
    over every field (4.4x slower syncs, measured): `_sdc_unparsed`, when present, becomes its
    JSON text, written by the serializer the SDK's flattening uses."""
    if isinstance(record, dict):
        held = record.get(UNPARSED)
        if held is not None:
            record[UNPARSED] = serialize_json(held)
        return
    held = getattr(record, UNPARSED, None)
    if held is not None and held is not msgspec.UNSET:
        setattr(record, UNPARSED, serialize_json(held))
