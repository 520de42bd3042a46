"""HTTP helpers with no knowledge of streams: error texts, Retry-After, backoff, NDJSON lines."""

from __future__ import annotations

import datetime
import email.utils
import random
import re
import time
import typing as t
from urllib.parse import urlparse

import orjson
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_infinity import interrupt

#: Failures while reading a response body that a new request for the rest of the page cures.
BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)
CHUNK_BYTES = 1 << 18


class UnterminatedLine(bytes):
    """The last bytes of a body that did not end with a newline."""


class TruncatedPage(requests.exceptions.ChunkedEncodingError):
    """The body ended in the middle of an NDJSON line."""


class PartitionSkipped(FatalAPIError):
    """The API refused one partition (an igrp, a Chronicall report): it is skipped, the run goes on."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RetriesExhausted(FatalAPIError):
    """A request still failed after every retry the policy allows."""


def api_message(response: requests.Response) -> str:
    """The API's own error text: a JSON string, an object's message, or the raw body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text.strip()[:300] or response.reason
    if isinstance(body, dict):
        body = body.get("message") or body.get("error") or body
    return str(body)[:300]


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds a 429/503 asks us to wait: Retry-After as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable: fall back to our own backoff
    if moment.tzinfo is None:  # "-0000": UTC, per RFC 5322
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, moment.timestamp() - time.time())


class RetryPolicy:
    """How long to wait before try N+1: Retry-After when the server says, else jittered backoff.

    The SDK's default backoff ignores Retry-After and adds up to a second of jitter, which makes
    millisecond waits in tests impossible; this policy is shared by request retries (through the
    SDK's backoff decorator) and by re-requests after a broken response body.
    """

    def __init__(self, config: t.Mapping[str, t.Any]) -> None:
        # Settings arrive as Decimal when read from a JSON config file.
        self.max_retries = int(config.get("max_retries", 6))
        self.base = float(config.get("retry_base_seconds", 2.0))
        self.cap = float(config.get("retry_max_seconds", 300.0))

    def wait(self, attempt: int, exception: BaseException | None) -> float:
        response = getattr(exception, "response", None)
        told = retry_after_seconds(response)
        if told is not None:
            return min(told, self.cap)
        exponential = min(self.base * 2**attempt, self.cap)
        return exponential * random.uniform(0.5, 1.0)


def iter_lines(response: requests.Response) -> t.Iterator[bytes]:
    """The body's non-empty lines as they arrive, each without its newline.

    A final line with no newline is yielded as an `UnterminatedLine`: it may be a whole record,
    and when it is not JSON the caller treats the body as cut off. A signal stops the reading
    while it waits for the next chunk (`interrupt.waiting`).
    """
    pending = b""
    chunks = response.iter_content(chunk_size=CHUNK_BYTES)
    while True:
        with interrupt.waiting():
            chunk = next(chunks, None)
        if chunk is None:
            break
        lines = chunk.split(b"\n")
        if pending:
            lines[0] = pending + lines[0]
        pending = lines.pop()
        yield from filter(None, lines)
    if pending.strip():
        yield UnterminatedLine(pending)


def tls_reason(exc: requests.exceptions.SSLError) -> str:
    """What the TLS library said was wrong with the certificate, e.g. ``self-signed certificate``."""
    found = re.search(r"certificate verify failed: ([^(]+?)\s*\(", str(exc))
    return found.group(1) if found else "the server's certificate was not accepted"


#: What a network failure's text says happened, e.g. ``[Errno 111] Connection refused``.
NETWORK_REASONS = re.compile(
    r"\[Errno -?\d+\] (?P<errno>[^'\")\]]+)|(?P<said>Read timed out|Connection broken: \w+"
    r"|Remote end closed connection without response|Connection reset by peer)"
)
#: Network failures that another try cannot mend: nothing listens there, or the name is unknown.
UNREACHABLE = re.compile(
    r"Connection refused|Name or service not known|nodename nor servname|No address associated"
    r"|Temporary failure in name resolution|getaddrinfo failed|NameResolutionError"
)


def describe(exception: BaseException | None) -> str:
    """A short, secret-free account of a failure: status and route, or the kind of network
    failure and the host (never the URL: its query is long and of no help here)."""
    if isinstance(exception, RetriableAPIError | FatalAPIError):
        return str(exception)
    if exception is None:
        return "unknown error"
    account = type(exception).__name__
    request = getattr(exception, "request", None)
    if request is not None and request.url:
        account += f" talking to {urlparse(request.url).netloc}"
    found = NETWORK_REASONS.search(str(exception))
    if found:
        account += f": {(found.group('errno') or found.group('said')).strip()}"
    return account


def is_unreachable(exception: BaseException) -> bool:
    """A refused connection or an unknown host name: the URL is wrong, waiting cannot help."""
    return isinstance(exception, requests.exceptions.ConnectionError) and bool(
        UNREACHABLE.search(str(exception))
    )
