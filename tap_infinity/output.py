"""Singer output: the SDK's msgspec writer, with RECORD lines buffered instead of flushed one by one."""

from __future__ import annotations

import atexit
import sys
import typing as t
from datetime import datetime, timezone

from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.singerlib import Message, RecordMessage

from tap_infinity import interrupt

FLUSH_BYTES = 1 << 18


class BufferedMsgSpecWriter(MsgSpecWriter):
    """Writes RECORDs in blocks of about 256 KB; every other message flushes what came before it.

    The SDK's writer flushes stdout after each message, a system call per record that was the
    largest cost left in the profile. Order is kept, and a STATE message always reaches stdout
    together with the records before it, so a target never sees a bookmark ahead of its rows;
    rows still in the buffer when a process is killed are after the last STATE and are read again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        self._envelope_of: tuple[t.Any, ...] = ()
        self._envelope = (b"", b"")
        atexit.register(self.flush)  # a sync that stops on an error still emits what it read

    def write_record(self, stream: str, record: t.Any, version: int | None, extracted: datetime) -> None:
        """The RECORD line `RecordMessage(...).to_dict()` encodes to, with only `record` encoded here.

        The envelope around the record (stream, version, time_extracted) is the same for a
        whole page, so its bytes are built once per page, not once per record.
        """
        if self._envelope_of != (stream, version, extracted):
            self._envelope_of = (stream, version, extracted)
            self._envelope = record_envelope(stream, version, extracted)
        head, tail = self._envelope
        self._pending += head
        encoder.encode_into(record, self._pending, -1)
        self._pending += tail
        if len(self._pending) >= FLUSH_BYTES:
            self.flush()

    def write_message(self, message: Message) -> None:
        if isinstance(message, RecordMessage):
            encoder.encode_into(message.to_dict(), self._pending, -1)  # straight into the buffer
            self._pending += b"\n"
            if len(self._pending) >= FLUSH_BYTES:
                self.flush()
        else:
            self._pending += self.format_message(message)
            self.flush()

    def flush(self) -> None:
        with interrupt.held():
            sys.stdout.buffer.write(self._pending)
            sys.stdout.flush()
        self._pending.clear()


def record_envelope(stream: str, version: int | None, extracted: datetime) -> tuple[bytes, bytes]:
    """The bytes before and after the record in a RECORD line, keys in `RecordMessage.to_dict` order."""
    head = encoder.encode({"type": "RECORD", "stream": stream})[:-1] + b',"record":'
    rest: dict[str, t.Any] = {} if version is None else {"version": version}
    rest["time_extracted"] = extracted.astimezone(timezone.utc)
    return head, b"," + encoder.encode(rest)[1:] + b"\n"
