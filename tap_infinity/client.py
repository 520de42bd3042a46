"""The stream bases: `HttpStream` (how a request is sent and judged) and `InfinityStream` (the
Reports/Config API v2: auth, parameters, display[] pushdown, streaming NDJSON pages)."""

from __future__ import annotations

import time
import typing as t
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import urlparse

import msgspec
import requests
from requests.auth import HTTPBasicAuth
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_infinity import interrupt
from tap_infinity.batch_files import BatchFilesMixin
from tap_infinity.conversion import ConversionError, RecordConverter, line_error, loads_mended
from tap_infinity.direct_write import DirectWriteMixin
from tap_infinity.http import (
    BODY_ERRORS,
    PartitionSkipped,
    RetriesExhausted,
    RetryPolicy,
    api_message,
    describe,
    is_unreachable,
    iter_lines,
    tls_reason,
)
from tap_infinity.paging import Paging, PassEnded
from tap_infinity.rules import route_filters
from tap_infinity.schemas import UNPARSED, Field, build_schema, field_kinds
from tap_infinity.settings import INFINITY_SETTINGS

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.tap_base import Tap


class HttpStream(BatchFilesMixin, RESTStream[t.Any]):
    """What the Infinity and Chronicall streams share: timeout, TLS, Retry-After aware retries,
    one `send` and one `validate_response`, and skipping a partition the API refuses."""

    #: Whether bodies are read as they arrive (NDJSON pages) rather than whole.
    stream_responses: t.ClassVar[bool] = False
    #: Statuses that concern one partition, not the run: that partition is skipped, with why.
    partition_refusals: t.ClassVar[dict[int, str]] = {}
    #: The setting that holds the base URL, named when nothing answers there.
    url_setting: t.ClassVar[str]

    @cached_property
    def skipped(self) -> list[str]:
        """Partitions refused and skipped in this run; the tap fails at the end (`TapInfinity.sync_all`)."""
        return []

    def where(self, context: Context | None) -> str:
        """Names the stream and partition in messages."""
        return self.name

    def source(self, response: requests.Response) -> str:
        """Names what answered in error lines (a route, an API)."""
        return urlparse(response.url).path

    def auth_hint(self, source: str) -> str:
        """The line for HTTP 401: which settings to check."""
        return f"HTTP 401 from {source}: the credentials were rejected"

    def skip_partition(self, context: Context | None, reason: str) -> None:
        """Log why a partition is refused and go on: rows already emitted and their bookmark stay,
        and the other partitions keep their data and bookmarks."""
        self.logger.error("%s; skipping it", reason)
        self.skipped.append(self.where(context))

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.config)

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("request_timeout", 300))

    @property
    def requests_session(self) -> requests.Session:
        """The SDK's session, verifying certificates against `ca_bundle` when it is set."""
        session = super().requests_session
        session.verify = self.config.get("ca_bundle") or True
        return session

    @override
    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """One try, as the SDK's, but streaming the body where the stream asks for it, and not
        retrying a TLS failure: a certificate does not mend itself between tries."""
        try:
            response = self.requests_session.send(
                self.authenticator(prepared_request),
                timeout=self.timeout,
                allow_redirects=self.allow_redirects,
                stream=self.stream_responses,
            )
        except requests.exceptions.SSLError as exc:
            raise FatalAPIError(
                f"TLS certificate verification failed for {urlparse(prepared_request.url or '').netloc} "
                f"({tls_reason(exc)}); for a private CA, point the ca_bundle setting at its bundle"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            if not is_unreachable(exc):
                raise  # reset, broken: retried
            host, reason = urlparse(prepared_request.url or "").netloc, describe(exc).split(": ")[-1]
            raise FatalAPIError(
                f"cannot reach {host} ({reason}); check the {self.url_setting} setting"
            ) from None
        self._write_request_duration_log(
            endpoint=self.path, response=response, context=context, extra_tags=None
        )
        self.validate_response(response)
        return response

    @cached_property
    def _send_with_retries(self) -> t.Callable[[requests.PreparedRequest, Context | None], requests.Response]:
        return self.request_decorator(self._request)

    def send(self, request: requests.PreparedRequest, context: Context | None) -> requests.Response:
        """One request, retried as the policy says, or one clear line naming the partition."""
        try:
            with interrupt.waiting():
                return self._send_with_retries(request, context)
        except FatalAPIError as exc:
            exc.args = (f"{self.where(context)}: {exc}",)  # the same error (and status), named
            raise exc from None
        except (RetriableAPIError, *BODY_ERRORS) as exc:
            raise RetriesExhausted(
                f"{self.where(context)}: gave up after {self.backoff_max_tries()} tries: {describe(exc)}"
            ) from None

    @override
    def validate_response(self, response: requests.Response) -> None:
        """429 and 5xx are retried; 401 names the settings to check; a status in
        `partition_refusals` skips the partition; anything else stops with the API's message."""
        status = response.status_code
        if status < 400:
            return
        source, message = self.source(response), api_message(response)
        response.close()
        if status == 429 or status >= 500:
            raise RetriableAPIError(f"HTTP {status} from {source}: {message}", response)
        if status == 401:
            raise FatalAPIError(self.auth_hint(source))
        if status in self.partition_refusals:
            refusal = self.partition_refusals[status]
            raise PartitionSkipped(f"HTTP {status} from {source}: {refusal}: {message}", status)
        raise FatalAPIError(f"HTTP {status} from {source}: {message}")

    def wait_after_broken_body(
        self, exc: BaseException, failures: int, received: int, where: str, cursor: object
    ) -> None:
        """Before the rest of a page is asked for again: give up after max_retries, else wait."""
        if failures > self.retry_policy.max_retries:
            raise FatalAPIError(
                f"{where}: gave up after {failures} broken responses at cursor {cursor}: {describe(exc)}"
            ) from None
        wait = self.retry_policy.wait(failures - 1, exc)
        self.logger.warning(
            "%s: response broke off after %d rows (%s); re-requesting the rest of the page after cursor %s "
            "in %.2fs",
            where,
            received,
            describe(exc),
            cursor,
            wait,
        )
        with interrupt.waiting():
            time.sleep(wait)

    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:  # type: ignore[override]
        """Retry-After aware waits; backoff sends each failure's exception in."""
        exception = yield  # type: ignore[misc]
        attempt = 0
        while True:
            exception = yield self.retry_policy.wait(attempt, exception)
            attempt += 1

    def backoff_max_tries(self) -> int:
        return self.retry_policy.max_retries + 1

    def backoff_jitter(self, value: float) -> float:
        return value  # jitter is part of RetryPolicy.wait, and never applied to Retry-After

    def backoff_handler(self, details: t.Any) -> None:
        exception = details.get("exception")
        self.logger.warning(
            "%s: try %d failed (%s); retrying in %.2fs",
            self.name,
            details.get("tries"),
            describe(exception),
            details.get("wait") or 0,
        )


class InfinityStream(DirectWriteMixin, HttpStream):
    """A route of the Infinity Reports/Config API v2, read one igrp partition at a time.

    Subclasses declare `route` (formatted with the igrp), `fields` (the schema) and `paging`.
    """

    route: t.ClassVar[str]
    fields: t.ClassVar[list[Field]]
    #: The paging class: `KeysetPaging` for rowId routes, `OffsetPaging` for tables.
    paging: t.ClassVar[t.Any]
    stream_responses = True  # pages are parsed while they arrive
    partition_refusals: t.ClassVar[dict[int, str]] = {
        403: "the user may not read it",
        404: "no such installation for this user; check the igrps setting",
    }
    url_setting = "api_url"
    #: Fields the tap fills in from the partition or the pass, never asked of the API (`stamp`).
    tap_fields: t.ClassVar[tuple[str, ...]] = ()
    #: Whether the installation's pt_* / c_* fields belong in this stream's schema.
    accepts_custom_fields: t.ClassVar[bool] = False
    #: Whether the `filters` setting applies (the trigger routes); `stream_filters` always do.
    takes_filters: t.ClassVar[bool] = False
    # The converter already gives every value the schema's type; a second pass would only cost.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, extra_fields: list[Field] | None = None) -> None:
        super().__init__(tap=tap, schema=build_schema([*self.fields, *(extra_fields or [])]))
        # A checkpoint per page: a killed sync resumes losing nothing, re-reading under a page.
        self.STATE_MSG_FREQUENCY = self.page_size

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def path(self) -> str:  # type: ignore[override]
        return self.route

    @property
    def partitions(self) -> list[dict]:
        """One per igrp; read when a sync starts, so a selected stream without its settings
        stops there (the settings are optional for a Chronicall-only config)."""
        missing = [key for key in INFINITY_SETTINGS if not self.config.get(key)]
        if missing:
            raise FatalAPIError(
                f"{self.name}: the Infinity streams need the settings {', '.join(INFINITY_SETTINGS)}; "
                f"missing: {', '.join(missing)} (set them, or deselect the Infinity streams)"
            )
        return [{"igrp": igrp} for igrp in self.config["igrps"]]

    @property
    def authenticator(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.config["username"], self.config["password"])

    def auth_hint(self, source: str) -> str:
        return (
            f"Infinity rejected the credentials of user {self.config.get('username')!r} "
            f"(HTTP 401 from {source}): check the username and password settings"
        )

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size", 10000))

    @cached_property
    def converter(self) -> RecordConverter:
        """Built once, from the selected properties of the final schema (custom fields included)."""
        kinds = {name: kind for name, kind in field_kinds(self.schema).items() if self.is_selected(name)}
        keys = [*(self.primary_keys or []), *([self.replication_key] if self.replication_key else [])]
        return RecordConverter(kinds, keys=keys, as_structs=self.records_as_structs)

    @cached_property
    def filters(self) -> list[str]:
        """This stream's filter[]; a filter its route cannot take is skipped, said once."""
        sent, skipped = route_filters(
            self.name, {name for name, _, _ in self.fields}, self.config, takes_filters=self.takes_filters
        )
        for expression, field in skipped:
            self.logger.info(
                "%s: filter %r not sent: this route returns no %r field", self.name, expression, field
            )
        return sent

    def is_selected(self, name: str) -> bool:
        return bool(self.mask.get(("properties", name), True))

    def where(self, context: Context | None) -> str:
        """Names the stream and partition in messages, e.g. ``calls (igrp 101)``."""
        return f"{self.name} (igrp {context['igrp']})" if context else self.name

    def request_params(self, context: Context | None, paging: Paging, limit: int) -> dict[str, t.Any]:
        """Every parameter of one request: the stream's, then the cursor's (their filters joined)."""
        params = self.base_params(context)
        for name, value in paging.params(limit).items():
            if name == "filter[]":
                value = [*value, *params.get(name, [])]
            params[name] = value
        return params

    def base_params(self, context: Context | None) -> dict[str, t.Any]:
        """Parameters every page of this stream sends, whatever the cursor."""
        # Always UTC: the API's local times carry no offset, so any other zone makes the repeated
        # hour of a DST change ambiguous. `timezone` only says what a date means (RowIdStream).
        params: dict[str, t.Any] = {"format": "json", "tz": "UTC"}
        if self.filters:
            params["filter[]"] = list(self.filters)
        display = self.display_fields()
        if display:
            params["display[]"] = display
        if self.config.get("root_org_id") is not None:
            params["rootOrgId"] = self.config["root_org_id"]
        return params

    def display_fields(self) -> list[str] | None:
        """Selected API fields for display[] pushdown; None when every one is selected."""
        fields = [
            name for name in self.schema["properties"] if name != UNPARSED and name not in self.tap_fields
        ]
        selected = [name for name in fields if self.is_selected(name)]
        return None if len(selected) == len(fields) else selected

    def sample(self, context: Context, params: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        """The rows of one request, for discovery: a partition that cannot be read (refused,
        still failing after retries, not JSON) only gets a warning; what would fail a sync
        (credentials, an unreachable host) fails discovery."""
        request = self.build_prepared_request(method="GET", url=self.get_url(context), params=params)
        try:
            with self.send(request, context) as response:
                for line in iter_lines(response):
                    yield loads_mended(line)
        except (PartitionSkipped, RetriesExhausted, msgspec.DecodeError, *BODY_ERRORS) as exc:
            self.logger.warning("Could not sample %s: %s", self.where(context), describe(exc))

    def stamp(self, context: Context | None, paging: Paging) -> list[tuple[str, t.Any]]:
        """Values of the `tap_fields` for every row of a pass."""
        return []

    def get_records(self, context: Context | None) -> t.Iterator[t.Any]:  # Row: a dict or a TypedRecord
        """The partition's records; a partition the API refuses is skipped (`partition_refusals`)."""
        try:
            yield from self.request_records(context)
        except PartitionSkipped as exc:
            self.skip_partition(context, str(exc))

    def request_records(self, context: Context | None) -> t.Iterator[t.Any]:
        """The partition's records: one pass of the stream's paging."""
        yield from self.read_pages(context, self.paging.for_partition(self, context))

    def read_pages(self, context: Context | None, paging: Paging) -> t.Iterator[t.Any]:
        """Read one pass page by page, yielding each record as its line arrives.

        The SDK's paginators decide the next page from a response they have read whole; here
        the body streams, the cursor moves as rows are emitted, and a body that breaks off
        mid-page is resumed from the last emitted row (the rest of the same page, ``limit``
        reduced by what was received), so this loop is the tap's own.
        """
        convert, advance, keep = self.converter, paging.advance, paging.keeps
        stamp = self.stamp(context, paging)
        notice_page = convert.notice_page
        remaining = self.page_size
        body_failures = 0
        with self.get_http_request_counter() as request_counter:
            request_counter.with_context(context)
            while True:
                before = paging.cursor
                request = self.build_prepared_request(
                    method="GET",
                    url=self.get_url(context),
                    params=self.request_params(context, paging, remaining),
                )
                response = self.send(request, context)
                self.page_extracted_at = datetime.now(timezone.utc)
                request_counter.increment()
                received = 0
                try:
                    # Decoding inline rather than in a nested generator: one frame less per row.
                    for line in iter_lines(response):
                        if not received:
                            notice_page(line)
                        try:
                            record = convert(line)
                        except (msgspec.DecodeError, ConversionError) as exc:
                            raise line_error(exc, line, self.where(context), paging.cursor) from None
                        try:
                            advance(record)  # checks the record before it goes out
                        except PassEnded:
                            return
                        received += 1
                        for name, value in stamp:
                            record[name] = value
                        if keep is None or keep(record):
                            yield record
                except BODY_ERRORS as exc:
                    body_failures += 1
                    self.wait_after_broken_body(
                        exc, body_failures, received, self.where(context), paging.cursor
                    )
                    remaining -= received
                    continue
                finally:
                    response.close()
                body_failures = 0
                if received < remaining or paging.cursor == before:  # a short page, or no cursor
                    return
                remaining = self.page_size
