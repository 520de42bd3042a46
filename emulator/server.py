"""The HTTP/1.1 front end: Basic auth, routing to the API/Chronicall models, faults, control routes.

Responses carry a Content-Length and are written in ~256 KB chunks so clients can stream them;
connections are kept alive. Faults are decided before the response is produced and shape how it
is sent (an error instead, a reset socket, a cut body, or a delay before the headers).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import os
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import control
from .faults import BODY_KINDS, ERROR_MESSAGES, Fault
from .jsonio import dumps
from .query import ApiError

if TYPE_CHECKING:
    from .emulator import Emulator

CHUNK_BYTES = 256 * 1024
JSON = "application/json"
CONTROL_PREFIX = control.PREFIX
CHRONICALL_PREFIX = "/rest/"


@dataclass
class LoggedRequest:
    """One request as received, with the status sent (None when the connection was reset)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int | None
    headers: dict[str, str]
    fault: str | None = None
    #: time.monotonic() when the request arrived.
    at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    status: int
    content_type: str
    parts: list[bytes]
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, message: str, **headers: str) -> Reply:
    """Errors are an HTTP status with a JSON string body, e.g. "Resource not found" (doc 001)."""
    return Reply(status, JSON, [dumps(message)], headers)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Tracks open connections so stop() also ends idle keep-alive ones."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-body is normal (a tap stopping early); log anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # idle keep-alive connections end eventually
    server: EmulatorHTTPServer

    def do_GET(self) -> None:
        try:
            self._dispatch()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True  # the client went away (e.g. after its read timeout)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def version_string(self) -> str:
        return "InfinityEmulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    # -- dispatch --------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        emu = self.server.emulator
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = self.headers.get("Content-Length", "0")
        body = self.rfile.read(int(length)) if length.isdigit() and int(length) else b""
        if split.path.startswith(CONTROL_PREFIX):
            self._send(self._control(split.path, query, body), None)
            return
        fault = emu.faults.pick(unquote(self.path))
        if fault is not None and fault.kind in ERROR_MESSAGES:
            reply = error_reply(int(fault.kind), ERROR_MESSAGES[fault.kind])
            if fault.kind == "429":
                reply.headers["Retry-After"] = fault.retry_after
        else:
            try:
                reply = self._answer(split.path, query, body)
            except Exception:  # a model bug must not look like a network fault to the client
                traceback.print_exc()
                reply = error_reply(500, "Internal Server Error")
        reset = fault is not None and (
            fault.kind == "reset" or (fault.kind in BODY_KINDS and sum(map(len, reply.parts)) < 2)
        )
        emu.record(
            LoggedRequest(
                self.command,
                split.path,
                query,
                None if reset else reply.status,
                dict(self.headers.items()),
                fault.kind if fault else None,
            )
        )
        if reset:
            self._reset()
        else:
            self._send(reply, fault)

    def _answer(self, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        emu = self.server.emulator
        if path.startswith(CHRONICALL_PREFIX):
            if emu.chronicall is None:
                return error_reply(503, "Chronicall model unavailable")
            status, headers, payload = emu.chronicall.handle(
                self.command, path, dict(self.headers.items()), body
            )
            headers = dict(headers)
            content_type = headers.pop("Content-Type", headers.pop("content-type", JSON))
            return Reply(status, content_type, [payload], headers)
        if self.command != "GET":
            return error_reply(405, "Method not allowed", Allow="GET")
        if not self._authorized():
            return error_reply(401, "Unauthorized", **{"WWW-Authenticate": 'Basic realm="Infinity API"'})
        try:
            result = emu.api.get(path, query)
        except ApiError as exc:
            return error_reply(exc.status, exc.message)
        return Reply(200, result.content_type, result.lines, dict(result.headers))

    def _authorized(self) -> bool:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            supplied = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        emu = self.server.emulator
        return hmac.compare_digest(supplied, f"{emu.username}:{emu.password}".encode())

    # -- control routes (loopback only, no auth, no faults, not logged) ---------------------------

    def _control(self, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        if self.client_address[0] not in ("127.0.0.1", "::1") and not self.client_address[0].startswith(
            "127."
        ):
            return error_reply(403, "Control routes are loopback only")
        try:
            payload = control.handle(self.server.emulator, self.command, path, query, body)
        except (KeyError, ValueError, TypeError) as exc:
            return error_reply(400, f"Bad control request: {exc}")
        if payload is None:
            return error_reply(404, "Resource not found")
        return Reply(200, JSON, [dumps(payload)])

    # -- sending ---------------------------------------------------------------------------------

    def _send(self, reply: Reply, fault: Fault | None) -> None:
        kind = fault.kind if fault else None
        if kind == "slow":
            time.sleep(fault.slow_seconds)
        if not self.path.startswith(CONTROL_PREFIX):
            time.sleep(self.server.emulator.latency.first_byte_seconds)
        parts = reply.parts
        chunked = kind == "chunked-cut"
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(sum(map(len, parts))))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault is not None and kind in BODY_KINDS:
            self.close_connection = kind != "stall"
            if kind == "truncate":
                parts = _truncated(parts, fault.cut)
            elif kind == "stall":
                k = _break_at(parts, fault.cut)
                self._write(parts[:k], chunked=False)
                self.wfile.flush()
                time.sleep(fault.slow_seconds)
                parts = parts[k:]
            else:  # cut after a complete line, with no sign in the bytes that anything is missing
                parts = parts[: _break_at(parts, fault.cut)]
        self._write(parts, chunked)

    def _write(self, parts: list[bytes], chunked: bool) -> None:
        """The body in blocks of about CHUNK_BYTES; as HTTP chunks (never the closing one) when asked."""
        buf: list[bytes] = []
        size = 0
        for part in [*parts, b""]:
            if part:
                buf.append(part)
                size += len(part)
            if buf and (size >= CHUNK_BYTES or not part):
                block = b"".join(buf)
                if bandwidth := self.server.emulator.latency.bytes_per_second:
                    self.wfile.flush()
                    time.sleep(len(block) / bandwidth)  # the time this block takes on the wire
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                buf, size = [], 0

    def _reset(self) -> None:
        """Abort the connection with a TCP RST and no response at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())


def _break_at(parts: list[bytes], cut: float) -> int:
    """How many whole lines go out before a body breaks: at least one, never all."""
    return max(1, min(len(parts) - 1, int(cut * len(parts))))


def _truncated(parts: list[bytes], cut: float) -> list[bytes]:
    """Some complete lines, then the first half of the next one (the body is >= 2 bytes)."""
    if len(parts) == 1:
        return [parts[0][: len(parts[0]) // 2]]
    k = min(len(parts) - 1, 1 + int(cut * (len(parts) - 1)))
    return [*parts[:k], parts[k][: max(1, len(parts[k]) // 2)]]
