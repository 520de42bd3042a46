"""Runs tap-infinity as a real process (or a sync in this one) and reads back its Singer messages."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAP = [sys.executable, "-m", "tap_infinity"]


@dataclass
class SyncResult:
    returncode: int
    stdout: str
    stderr: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)

    @property
    def final_state(self) -> dict[str, Any]:
        return self.states[-1]

    def row_ids(self, stream: str, igrp: int | None = None) -> list[int]:
        return [r["rowId"] for r in self.records[stream] if igrp is None or r["igrp"] == igrp]


def parse_messages(stdout: str, result: SyncResult) -> None:
    for line in stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
        elif message["type"] == "SCHEMA":
            result.schemas[message["stream"]] = message["schema"]
        elif message["type"] == "STATE":
            result.states.append(message["value"])


def write_json(directory: Path, name: str, value: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(value))
    return path


def start(config: dict[str, Any], catalog: dict[str, Any], directory: Path) -> subprocess.Popen[str]:
    """The tap, its stdout a pipe read by the test, its log a file (a log pipe left unread fills)."""
    args = [
        *TAP,
        "--config",
        str(write_json(directory, "config.json", config)),
        "--catalog",
        str(write_json(directory, "catalog.json", catalog)),
    ]
    with (directory / "tap.log").open("w") as log:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)


def interrupt_after(
    proc: subprocess.Popen[str], messages: int, signum: int, kind: str = "RECORD"
) -> tuple[list[str], str]:
    """Read until `messages` messages of `kind` have arrived, signal, then read to the end; the
    lines and the tap's log."""
    assert proc.stdout is not None
    lines, seen = [], 0
    prefix = f'{{"type":"{kind}"'
    for line in proc.stdout:
        lines.append(line)
        seen += line.startswith(prefix)
        if seen == messages:
            proc.send_signal(signum)
            break
    lines += proc.stdout.readlines()
    proc.wait(timeout=60)
    return lines, (Path(proc.args[4]).parent / "tap.log").read_text()


def run_tap(
    config: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    *,
    timeout: float = 300,
    check: bool = True,
    extra_args: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> SyncResult:
    """A sync (or, with extra_args, any CLI call) of the tap; check=True asserts exit code 0."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        args = [*TAP, "--config", str(write_json(directory, "config.json", config))]
        if catalog is not None:
            args += ["--catalog", str(write_json(directory, "catalog.json", catalog))]
        if state is not None:
            args += ["--state", str(write_json(directory, "state.json", state))]
        env = {**os.environ, **(extra_env or {})}
        proc = subprocess.run(
            [*args, *(extra_args or [])], capture_output=True, text=True, timeout=timeout, env=env
        )
    result = SyncResult(proc.returncode, proc.stdout, proc.stderr)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    if not extra_args:
        parse_messages(proc.stdout, result)
    return result


def discover(config: dict[str, Any]) -> dict[str, Any]:
    result = run_tap(config, extra_args=["--discover"])
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def select(
    catalog: dict[str, Any], streams: list[str], deselect: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The catalog with only `streams` selected, and the given properties of them deselected."""
    deselect = deselect or {}
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for item in entry["metadata"]:
            breadcrumb = item["breadcrumb"]
            if not breadcrumb:
                item["metadata"]["selected"] = chosen
            elif breadcrumb[-1] in deselect.get(entry["tap_stream_id"], []):
                item["metadata"]["selected"] = False
            else:
                item["metadata"]["selected"] = chosen
    return catalog


def sync_in_process(tap: Any, tolerate: tuple[type[BaseException], ...] = ()) -> list[dict[str, Any]]:
    """Every message of `tap.sync_all()` run in this process (where a test can flip the tap's
    switches), read back from a stdout of its own; the exceptions in `tolerate` end it quietly."""
    raw = io.BytesIO()
    # Kept referenced: a wrapper that is collected closes `raw` under it.
    stdout = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    saved, sys.stdout = sys.stdout, stdout
    try:
        with contextlib.suppress(*tolerate):
            tap.sync_all()
        tap.message_writer.flush()
    finally:
        sys.stdout = saved
    return [json.loads(line) for line in raw.getvalue().splitlines()]


def batch_rows(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows in the local files a BATCH message names, in order (gzip or plain lines)."""
    rows = []
    for url in message["manifest"]:
        body = Path(url.removeprefix("file://")).read_bytes()
        if message["encoding"]["compression"] == "gzip":
            body = gzip.decompress(body)
        rows += [json.loads(line) for line in body.splitlines()]
    return rows
