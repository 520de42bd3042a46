"""Singer output: the SDK's msgspec writer, with RECORD lines buffered instead of flushed one by one."""

from __future__ import annotations

import atexit
import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.singerlib import Message, RecordMessage

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
        atexit.register(self.flush)  # a sync that stops on an error still emits what it read

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
        sys.stdout.buffer.write(self._pending)
        sys.stdout.flush()
        self._pending.clear()
