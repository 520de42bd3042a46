"""Call recordings (doc 002 "Call Recording Export", doc 000):
``GET /reports/v2/igrps/{igrp}/callRecording/{rowId}``.

A recorded call (act call or callUser with rec "1") has deterministic pseudo-audio: an MP3 (ID3v2.4
tag, then MPEG-1 Layer III frame headers over noise) for most rowIds, a PCM WAV for one in five,
20-300 KB, a pure function of (seed, igrp, rowId). Tests can delete a recording (404 from then
on, the trigger still says rec "1") or make its headers hostile.
"""

from __future__ import annotations

import hashlib
import random
import struct
import threading
from functools import lru_cache
from typing import Any

from .query import ApiError
from .store import TriggerStore

RECORDED_ACTS = ("call", "callUser")
PART_BYTES = 8 * 1024  # the body is handed to the server in parts, so faults can cut it
MIN_BYTES, MAX_BYTES = 20_000, 300_000
_MP3_FRAME_HEADER = b"\xff\xfb\x90\x64"  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding
_MP3_FRAME_BYTES = 417  # 144 * 128000 / 44100


def _digest(seed: int, igrp: int, row_id: int) -> int:
    name = f"{seed}|{igrp}|{row_id}|recording".encode()
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big")


def _syncsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def _mp3(row_id: int, size: int, rng: random.Random) -> bytes:
    title = b"\x03" + f"Call {row_id}".encode()  # UTF-8 text frame
    frame = b"TIT2" + _syncsafe(len(title)) + b"\x00\x00" + title
    tag = b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame
    frames = max(1, (size - len(tag)) // _MP3_FRAME_BYTES)
    payload = rng.randbytes(frames * (_MP3_FRAME_BYTES - 4))
    step = _MP3_FRAME_BYTES - 4
    body = b"".join(_MP3_FRAME_HEADER + payload[i * step : (i + 1) * step] for i in range(frames))
    return tag + body


def _wav(size: int, rng: random.Random) -> bytes:
    data = rng.randbytes((size - 44) // 2 * 2)  # 16-bit samples
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, 8000, 16000, 2, 16)  # PCM mono 8 kHz
    riff = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    return riff + fmt + b"data" + struct.pack("<I", len(data)) + data


@lru_cache(maxsize=32)
def audio(seed: int, igrp: int, row_id: int) -> tuple[str, bytes]:
    """(file extension, bytes) of a recording: the same for the same seed, igrp and rowId."""
    h = _digest(seed, igrp, row_id)
    size = MIN_BYTES + h % (MAX_BYTES - MIN_BYTES)
    rng = random.Random(h)
    if (h >> 32) % 5 == 0:
        return "wav", _wav(size, rng)
    return "mp3", _mp3(row_id, size, rng)


CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class Recordings:
    def __init__(self, seed: int, stores: dict[int, TriggerStore]) -> None:
        self.seed = seed
        self.stores = stores
        self._lock = threading.Lock()
        self.deleted: set[tuple[int, int]] = set()
        #: (igrp, rowId or None for every recording of the igrp) -> header overrides
        self.overrides: dict[tuple[int, int | None], dict[str, Any]] = {}

    def recorded(self, igrp: int, row_id: int) -> bool:
        """Whether the trigger exists, is a call with rec "1", and its recording was not deleted."""
        store = self.stores.get(igrp)
        if store is None or (igrp, row_id) in self.deleted:
            return False
        try:
            row = store.row(store.position(row_id))
        except KeyError:
            return False
        return row.get("act") in RECORDED_ACTS and row.get("rec") == "1"

    def recording(self, igrp: int, row_id: int) -> bytes | None:
        """Ground truth: the bytes served for that recording, None where the route answers 404."""
        return audio(self.seed, igrp, row_id)[1] if self.recorded(igrp, row_id) else None

    def headers(self, igrp: int, row_id: int) -> tuple[str, dict[str, str]]:
        """(Content-Type, other headers) served with a recording."""
        ext = audio(self.seed, igrp, row_id)[0]
        content_type = CONTENT_TYPES[ext]
        headers = {"Content-Disposition": f'attachment; filename="{row_id}.{ext}"'}
        with self._lock:
            override = {**self.overrides.get((igrp, None), {}), **self.overrides.get((igrp, row_id), {})}
        if override.get("content_type") is not None:
            content_type = override["content_type"]
        disposition = override.get("content_disposition")
        if disposition == "":
            headers.pop("Content-Disposition")
        elif disposition is not None:
            headers["Content-Disposition"] = disposition
        return content_type, headers

    def delete(self, igrp: int, row_id: int) -> None:
        with self._lock:
            self.deleted.add((igrp, int(row_id)))

    def hostile(
        self,
        igrp: int,
        row_id: int | None = None,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> None:
        """Serve these headers instead (None keeps the usual one; "" drops Content-Disposition)."""
        key = (igrp, None if row_id is None else int(row_id))
        with self._lock:
            self.overrides[key] = {"content_type": content_type, "content_disposition": content_disposition}

    def answer(self, igrp: int, row_id_text: str) -> tuple[str, list[bytes], dict[str, str]]:
        """(Content-Type, body parts, headers) for the route, or ApiError 404."""
        if not row_id_text.isdigit() or not self.recorded(igrp, int(row_id_text)):
            raise ApiError(404, "Resource not found")
        row_id = int(row_id_text)
        body = audio(self.seed, igrp, row_id)[1]
        content_type, headers = self.headers(igrp, row_id)
        parts = [body[i : i + PART_BYTES] for i in range(0, len(body), PART_BYTES)]
        return content_type, parts, headers
