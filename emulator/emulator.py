"""The `Emulator` facade: builds the data, serves it over HTTP, and exposes test controls."""

from __future__ import annotations

import csv
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import changes as changes_mod
from . import schema
from .api import InfinityApi
from .datagen import TriggerGenerator
from .documented import documented_installations
from .faults import RANDOM_KINDS, FaultInjector
from .installation import Installation, build_installation
from .jsonio import loads
from .realtime import Clock, PbxModel
from .recordings import Recordings
from .server import EmulatorHTTPServer, LoggedRequest
from .store import TriggerStore

try:
    from .chronicall import ChronicallModel
except ModuleNotFoundError as exc:  # the Chronicall model is written separately
    if exc.name != f"{__package__}.chronicall":
        raise
    ChronicallModel = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class Latency:
    """Time to first byte and bandwidth of every API answer (control routes excepted)."""

    first_byte_seconds: float = 0.0
    bytes_per_second: float = 0.0


class Emulator:
    """An in-process Infinity Reports API v2 (+ Chronicall) server with deterministic data."""

    def __init__(
        self,
        igrps: Mapping[int, int],
        seed: int = 0,
        username: str = "api.user@example.com",
        password: str = "s3cret-pass",
        forbidden_igrps: Iterable[int] = (),
        max_limit: int = 50000,
        chronicall_api_key: str = "chron-key",
        verbose: bool = False,
        limit_only_tables: Iterable[str] = (),
        documented: bool = False,
        documented_notes: bool = True,
        clock: Callable[[], float] | None = None,
        pbx: Mapping[int, str] | None = None,
    ) -> None:
        """`clock` is now for the real-time reports (UTC epoch seconds; time.time by default);
        `pbx` maps igrps to their PBX kind ("pbx", "idle", "none"; realtime.default_kind else)."""
        self.username, self.password, self.verbose = username, password, verbose
        started = time.perf_counter()
        self.installations: dict[int, Installation] = {}
        self.generators: dict[int, TriggerGenerator] = {}
        self.stores: dict[int, TriggerStore] = {}
        for igrp, count in igrps.items():
            inst = build_installation(int(igrp), seed)
            self.installations[inst.igrp] = inst
            self.generators[inst.igrp] = TriggerGenerator(inst, seed, count)
            self.stores[inst.igrp] = TriggerStore(documented_notes)
            self.stores[inst.igrp].add(self.generators[inst.igrp].generate(count))
        if documented:  # igrps 1 and 2: the documents' own examples (emulator/documented.py)
            installations, triggers = documented_installations()
            for inst in installations:
                self.installations[inst.igrp] = inst
                self.generators[inst.igrp] = TriggerGenerator(inst, seed, 1)
                self.stores[inst.igrp] = TriggerStore()
                self.stores[inst.igrp].add(triggers[inst.igrp])
        self.generation_seconds = time.perf_counter() - started
        self.clock = Clock(clock)
        self.recordings = Recordings(seed, self.stores)
        self.pbx = PbxModel(seed, self.installations, self.clock, pbx)
        self.api = InfinityApi(
            self.installations,
            self.stores,
            frozenset(forbidden_igrps),
            max_limit,
            frozenset(limit_only_tables),
            self.recordings,
            self.pbx,
        )
        self.faults = FaultInjector()
        self.latency = Latency()
        self.chronicall = ChronicallModel(api_key=chronicall_api_key, seed=seed) if ChronicallModel else None
        self._append_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._server: EmulatorHTTPServer | None = None
        self._scheme = "http"
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Emulator:
        """Serve on `host`:`port` (0 = a free port) from a daemon thread; HTTPS with a `tls` context,
        as the real APIs do."""
        if self._server is not None:
            return self
        self._server = EmulatorHTTPServer((host, port), self)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="infinity-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    # -- ground truth ----------------------------------------------------------------------------

    def rows(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """What GET `path` returns, as dicts, without the limit cap, faults or corrupt_row
        (as JSON unless `format` says otherwise).

        `path` may carry a query string; `params` values may be scalars or lists (filter[] ...).
        A format=csv answer is read back with its header row. Raises query.ApiError as the
        server would answer it.
        """
        split = urlsplit(path)
        query = parse_qs(split.query, keep_blank_values=True)
        for key, value in (params or {}).items():
            values = value if isinstance(value, (list, tuple)) else [value]
            query.setdefault(key, []).extend(str(v) for v in values)
        query.setdefault("format", ["json"])  # the API's default is CSV
        result = self.api.get(split.path, query, capped=False, as_served=False)
        if result.content_type.startswith("text/csv"):
            return list(csv.DictReader(line.decode("utf-8") for line in result.lines))
        return [loads(line) for line in result.lines]

    def triggers(self, igrp: int) -> list[dict[str, Any]]:
        """Every stored trigger of `igrp` in rowId order, in API string form with all its fields."""
        store = self.stores[igrp]
        return [store.row(pos) for pos in range(store.snapshot().count)]

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for igrp, store in self.stores.items():
            snap = store.snapshot()
            inst = self.installations[igrp]
            out[str(igrp)] = {
                "all": snap.count,
                **snap.route_counts,
                schema.ITEMISED_ROUTE: snap.route_counts["calls"],
                "dgrps": len(inst.dgrps),
                "numbers": len(inst.numbers),
                "organisations": len(inst.orgs),
            }
        return out

    # -- data changes ----------------------------------------------------------------------------

    def append_triggers(self, igrp: int, count: int, late_fraction: float = 0.3) -> list[dict[str, Any]]:
        """New triggers above the current max rowId; `late_fraction` of them are dated well in
        the past (late-arriving). Returned in API form, as triggers() would show them."""
        with self._append_lock:
            generated = list(self.generators[igrp].generate(count, late_fraction))
            self.stores[igrp].add(generated)
        return [dict(t.row) for t in generated]

    def add_triggers_at(self, igrp: int, epochs: Iterable[int]) -> list[dict[str, Any]]:
        """New triggers (above the current max rowId) at the given UTC instants, in API form."""
        with self._append_lock:
            generated = [self.generators[igrp].at(epoch) for epoch in epochs]
            self.stores[igrp].add(generated)
        return [dict(t.row) for t in generated]

    def change_trigger(self, igrp: int, row_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Rewrite a stored trigger in place (same rowId, same position) and return it in API
        form. Any field the row has may change except rowId and igrp (ValueError); a notes list
        is written as JSON text. Route membership, the itemised line, the date/org indexes and
        visitor lands follow. KeyError for an unknown rowId."""
        with self._append_lock:
            return changes_mod.rewrite_trigger(self.stores[igrp], self.installations[igrp], row_id, changes)

    def change_triggers(self, igrp: int, row_ids: Iterable[int], **changes: Any) -> list[dict[str, Any]]:
        """The same `changes` to several triggers (checked first, so all change or none)."""
        store, inst = self.stores[igrp], self.installations[igrp]
        ids = [int(r) for r in row_ids]
        with self._append_lock:
            for row_id in ids:
                changes_mod.changed_row(store.row(store.position(row_id)), changes, inst.custom_fields)
            return [changes_mod.rewrite_trigger(store, inst, row_id, changes) for row_id in ids]

    def delete_table_rows(
        self,
        igrp: int,
        table: str,
        keys: Iterable[Any] | Callable[[dict[str, Any]], bool] | None = None,
        *,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Delete rows of "organisations" (by orgId, with their subtree), "dgrps" (by dgrp, with
        their numbers) or "numbers" (by phoneNumber): `keys` compared as text, or a `predicate`
        on the row (a callable passed as `keys` is one too). Returns the deleted rows; the next
        read no longer has them."""
        match = predicate if predicate is not None else keys
        if match is None or (predicate is not None and keys is not None):
            raise ValueError("give either keys or a predicate")
        return self.installations[igrp].delete_rows(table, match)

    def recording(self, igrp: int, row_id: int) -> bytes | None:
        """The bytes GET .../callRecording/{row_id} serves; None where it answers 404."""
        return self.recordings.recording(igrp, int(row_id))

    def delete_recording(self, igrp: int, row_id: int) -> None:
        """The recording is gone (404) though the trigger still says rec "1"."""
        self.recordings.delete(igrp, int(row_id))

    def hostile_recordings(
        self,
        igrp: int,
        row_id: int | None = None,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> None:
        """Serve a recording (every one of the igrp when `row_id` is None) with these headers
        instead: None keeps the usual value, "" drops Content-Disposition."""
        self.recordings.hostile(igrp, row_id, content_type, content_disposition)

    def set_clock(self, epoch: float | None) -> None:
        """Stop the real-time clock at `epoch` (UTC seconds); None returns to the clock source."""
        self.clock.set(epoch)

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def set_pbx(self, igrp: int, kind: str) -> None:
        """ "pbx" (a roster and calls), "idle" (200, no rows) or "none" (404) for the PBX routes."""
        self.pbx.set_kind(igrp, kind)

    def corrupt_row(self, igrp: int, row_id: int, raw_line: str) -> None:
        """Serve `raw_line` instead of that trigger's JSON line from now on (trigger routes)."""
        data = raw_line if raw_line.endswith("\n") else raw_line + "\n"
        self.stores[igrp].corrupt_line(int(row_id), data.encode("utf-8"))

    # -- faults and the request log -------------------------------------------------------------

    def set_latency(self, first_byte_seconds: float = 0.0, bytes_per_second: float = 0.0) -> None:
        """Every API answer waits `first_byte_seconds` before its status line, and its body goes
        out at `bytes_per_second` (0: no cap): a real API's page takes seconds, not milliseconds."""
        self.latency = Latency(first_byte_seconds, bytes_per_second)

    def set_faults(
        self,
        rate: float = 0.2,
        kinds: Iterable[str] = RANDOM_KINDS,
        retry_after: str = "1",
        slow_seconds: float = 2.0,
        seed: int = 1,
    ) -> None:
        self.faults.configure(rate, tuple(kinds), retry_after, slow_seconds, seed)

    def fail_next(self, kind: str, count: int = 1, path_contains: str | None = None) -> None:
        self.faults.fail_next(str(kind), count, path_contains)

    def record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._log_lock:
            self._log.clear()
