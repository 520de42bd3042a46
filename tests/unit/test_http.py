"""The HTTP helpers in process: Retry-After, backoff waits, NDJSON lines across chunks, failures."""

from __future__ import annotations

import email.utils
import io
import time

import pytest
import requests

from tap_infinity.http import (
    RetryPolicy,
    UnterminatedLine,
    describe,
    is_unreachable,
    iter_lines,
    retry_after_seconds,
    tls_reason,
)


def response(body: bytes = b"", headers: dict[str, str] | None = None, piece: int = 7) -> requests.Response:
    """requests' own Response over `body`, which its raw stream hands out `piece` bytes at a time."""

    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(piece)

    made = requests.Response()
    made.status_code = 200
    made.raw = Trickle(body)
    made.headers.update(headers or {})
    return made


@pytest.mark.parametrize("piece", [1, 2, 7, 64, 1 << 20])
def test_lines_survive_any_chunk_boundary(piece: int) -> None:
    body = b'{"a":1}\n\n{"b":"x\\ny"}\n{"c":3}\n'
    assert list(iter_lines(response(body, piece=piece))) == [b'{"a":1}', b'{"b":"x\\ny"}', b'{"c":3}']


def test_a_last_line_without_newline_is_marked() -> None:
    lines = list(iter_lines(response(b'{"a":1}\n{"b":', piece=3)))
    assert lines == [b'{"a":1}', b'{"b":'] and isinstance(lines[-1], UnterminatedLine)
    assert not isinstance(lines[0], UnterminatedLine)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None)],
)
def test_retry_after_in_seconds(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(response(headers={"Retry-After": value} if value else {})) == seconds


def test_retry_after_as_an_http_date_in_utc() -> None:
    later = email.utils.formatdate(time.time() + 30)  # "... -0000"
    waited = retry_after_seconds(response(headers={"Retry-After": later}))
    assert waited is not None and 28 < waited <= 30
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert retry_after_seconds(response(headers={"Retry-After": past})) == 0.0


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy({"retry_base_seconds": 2, "retry_max_seconds": 20, "max_retries": 3})
    for attempt, top in ((0, 2), (1, 4), (2, 8), (3, 16), (6, 20)):
        waits = [policy.wait(attempt, None) for _ in range(200)]
        assert top / 2 <= min(waits) and max(waits) <= top
    told = requests.exceptions.HTTPError(response=response(headers={"Retry-After": "600"}))
    assert policy.wait(0, told) == 20  # the server's wish, within the cap


def test_network_failures_are_described_without_the_url() -> None:
    request = requests.Request("GET", "http://api.example:8080/reports/v2/x?password=secret").prepare()
    refused = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='api.example', port=8080): Max retries exceeded (Caused by "
        "NewConnectionError('...: Failed to establish a new connection: [Errno 111] Connection refused'))",
        request=request,
    )
    assert describe(refused) == "ConnectionError talking to api.example:8080: Connection refused"
    assert is_unreachable(refused)
    reset = requests.exceptions.ConnectionError(
        "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"
    )
    assert describe(reset) == "ConnectionError: Connection reset by peer" and not is_unreachable(reset)
    unknown = requests.exceptions.ConnectionError(
        "... NameResolutionError(... Failed to resolve 'x' ([Errno -2] Name or service not known)"
    )
    assert is_unreachable(unknown)


def test_tls_reason() -> None:
    error = requests.exceptions.SSLError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
    )
    assert tls_reason(error) == "self-signed certificate"
    assert tls_reason(requests.exceptions.SSLError("EOF")) == "the server's certificate was not accepted"
