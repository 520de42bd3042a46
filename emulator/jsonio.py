"""Compact JSON encode/decode: orjson when importable, else the stdlib with identical output.

Both produce compact UTF-8 (no spaces, non-ASCII kept raw), so the emulator's bytes do not
depend on which one is installed (the generated data is plain text without control chars).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    import orjson

    dumps: Callable[[Any], bytes] = orjson.dumps
    loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - exercised only without orjson
    _encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def dumps(obj: Any) -> bytes:
        return _encoder.encode(obj).encode("utf-8")

    loads = json.loads


def dumps_line(obj: Any) -> bytes:
    """One NDJSON line: the compact object followed by a newline."""
    return dumps(obj) + b"\n"
