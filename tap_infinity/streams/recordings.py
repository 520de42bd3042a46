"""Call recordings (docs 000, 002): each recorded call's audio, stored under `recordings_url`.

The calls route is paged for calls with a recording (``rec`` = 1, asking only for the fields
needed); each recording is downloaded as it streams (never whole in memory) into
``{recordings_url}/{igrp}/{rowId}.{ext}`` through fsspec, so `recordings_url` is a directory or
an ``s3://bucket/prefix`` (the ``s3`` extra). The name comes only from the igrp, the rowId and an
extension looked up from the content type in a fixed list: nothing the server sends (a
Content-Disposition file name, a content type) can place a file elsewhere or overwrite another.
`recording_downloads` recordings download at once (each costs the API's time to answer), and the
records still go out in rowId order, each after its own recording is stored.
"""

from __future__ import annotations

import hashlib
import typing as t
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property

import fsspec
from singer_sdk.exceptions import FatalAPIError

from tap_infinity import interrupt
from tap_infinity.http import BODY_ERRORS, PartitionSkipped
from tap_infinity.paging import KeysetPaging
from tap_infinity.schemas import INTEGER, STRING, Field
from tap_infinity.schemas.triggers import IGRP, ROW_ID, TRIGGER_DATETIME
from tap_infinity.streams.triggers import RowIdStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_infinity.conversion import Row

#: Content type (without parameters) -> extension; anything else is stored as `.bin`.
EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/webm": "webm",
}
CHUNK_BYTES = 1 << 16

RECORDING_FIELDS: list[Field] = [
    IGRP,
    ROW_ID,
    TRIGGER_DATETIME,
    ("status", STRING, "stored (downloaded now), kept (already stored), or missing (the API has none)"),
    ("url", STRING, "Where the recording is stored: recordings_url/{igrp}/{rowId}.{ext}"),
    ("bytes", INTEGER, "Size of the stored recording"),
    ("sha256", STRING, "SHA-256 of the stored recording, hex"),
    ("content_type", STRING, "The content type the API sent (or `kept` files': null)"),
]


def extension(content_type: str | None) -> str:
    """The file extension for a content type, from `EXTENSIONS` only."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return EXTENSIONS.get(media, "bin")


class CallRecordingsStream(RowIdStream):
    """One record per recorded call: where its audio is stored, its size and hash."""

    name = "call_recordings"
    route = "/reports/v2/igrps/{igrp}/triggers/calls"
    recording_route = "/reports/v2/igrps/{igrp}/callRecording/{row_id}"
    fields: t.ClassVar[list[Field]] = RECORDING_FIELDS
    tap_fields = ("status", "url", "bytes", "sha256", "content_type")

    @cached_property
    def filters(self) -> list[str]:
        """Only calls with a recording (the user's `filters` are for the trigger streams)."""
        return ["rec-eq-value-1", *(self.config.get("stream_filters") or {}).get(self.name, [])]

    @cached_property
    def storage(self) -> tuple[t.Any, str] | None:
        """The fsspec filesystem and root path of `recordings_url`, or None when it is not set."""
        url = self.config.get("recordings_url")
        if not url:
            return None
        fs, root = fsspec.core.url_to_fs(str(url))
        return fs, root.rstrip("/")

    def display_fields(self) -> list[str] | None:
        """Only what the records need of each call, whatever is selected."""
        return [name for name in ("igrp", "rowId", "triggerDatetime") if self.is_selected(name)]

    def request_records(self, context: Context | None) -> t.Iterator[t.Any]:
        """Each recorded call after the bookmark, its recording stored before its record goes
        out, so the bookmark never passes a recording that is not stored. A recording stored by
        an earlier run that stopped before its bookmark moved is not downloaded again."""
        if self.storage is None or not context:
            return  # said once at start-up (TapInfinity.warn_about_settings)
        fs, root = self.storage
        folder = f"{root}/{context['igrp']}"
        try:
            fs.makedirs(folder, exist_ok=True)
            names = [path.rsplit("/", 1)[-1] for path in fs.ls(folder, detail=False)]
        except FileNotFoundError:  # an object store has no folder until something is in it
            names = []
        except OSError as exc:
            raise FatalAPIError(
                f"{self.where(context)}: cannot use recordings_url {folder!r}: {exc}"
            ) from None
        stored = {name.split(".", 1)[0]: name for name in names}
        workers = int(self.config.get("recording_downloads", 4))
        # Threads, since each download mostly waits on the API. Up to twice as many are queued
        # as run, never a whole page; the main thread alone writes records.
        pool = ThreadPoolExecutor(workers, "recording", initializer=interrupt.block_in_worker)
        pending: deque[tuple[Row, Future[Stored]]] = deque()
        stopping = False
        try:
            for call in self.read_pages(context, KeysetPaging.for_partition(self, context)):
                kept = stored.get(str(call["rowId"]))
                pending.append((call, pool.submit(self.store, context, call["rowId"], fs, folder, kept)))
                if len(pending) > 2 * workers:
                    yield finished(*pending.popleft(), fs)
            while pending:
                yield finished(*pending.popleft(), fs)
        except interrupt.Interrupted:
            stopping = True
            raise
        finally:
            # Downloads not begun are dropped. On a signal the STATE goes out without waiting
            # for those under way (one may sleep minutes in a retry), and the tap exits with
            # them unfinished: their files are temporaries, never committed.
            pool.shutdown(wait=not stopping, cancel_futures=True)

    def store(self, context: Context, row_id: int, fs: t.Any, folder: str, kept: str | None) -> Stored:
        """The call's recording stored now, or the one an earlier run stored (`kept`: its name)."""
        if kept is None:
            return self.download(context, row_id, fs, folder)
        return "kept", f"{folder}/{kept}", *stored_size_and_hash(fs, f"{folder}/{kept}"), None

    def download(self, context: Context, row_id: int, fs: t.Any, folder: str) -> Stored:
        """The recording streamed into `folder` (or `missing`, when the API has none: HTTP 404).
        A body that breaks off is asked for again, as pages are."""
        url = f"{self.url_base}{self.recording_route.format(igrp=context['igrp'], row_id=row_id)}"
        request = self.build_prepared_request(method="GET", url=url, headers={"Accept": "*/*"})
        failures = 0
        while True:
            try:
                response = self.send(request, context)
            except PartitionSkipped as exc:
                if exc.status == 404:
                    return "missing", None, None, None, None
                raise
            content_type = response.headers.get("Content-Type")
            path = f"{folder}/{row_id}.{extension(content_type)}"
            digest, size = hashlib.sha256(), 0
            # Written under a temporary name and committed whole (a rename, or the end of an S3
            # upload): a crash, a cut body or a signal never leaves half a recording behind.
            file = fs.open(path, "wb", autocommit=False)
            try:
                with response:
                    for chunk in _chunks(response):
                        file.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                file.close()
            except BaseException as exc:
                file.close()
                file.discard()
                if not isinstance(exc, BODY_ERRORS):
                    raise
                failures += 1
                self.wait_after_broken_body(
                    exc, failures, 0, f"{self.where(context)}: recording {row_id}", "-"
                )
                continue
            file.commit()
            return "stored", path, size, digest.hexdigest(), content_type


#: (status, path, bytes, sha256, content type) of one recording.
Stored = tuple[str, str | None, int | None, str | None, str | None]


def finished(call: Row, download: Future[Stored], fs: t.Any) -> Row:
    """The call's record once its recording is stored: the API's fields, then where and what
    its recording is. A signal stops the wait."""
    with interrupt.waiting():
        status, path, *rest = download.result()
    values = (status, path and fs.unstrip_protocol(path), *rest)
    for name, value in zip(("status", "url", "bytes", "sha256", "content_type"), values, strict=True):
        call[name] = value
    return call


def stored_size_and_hash(fs: t.Any, path: str) -> tuple[int, str]:
    """Size and SHA-256 of a stored recording, read back in chunks."""
    digest, size = hashlib.sha256(), 0
    with fs.open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _chunks(response: t.Any) -> t.Iterator[bytes]:
    """The body's chunks as they arrive; a signal stops the wait for the next one."""
    chunks = response.iter_content(chunk_size=CHUNK_BYTES)
    while True:
        with interrupt.waiting():
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk
