"""Running a Singer process to completion while measuring it: records, time, CPU, peak memory."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

RECORD_PREFIX = b'{"type":"RECORD"'
POLL_EVERY_LINES = 2000


@dataclass
class ProcessRun:
    name: str
    records: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def peak_rss_kb(pid: int) -> int | None:
    """VmHWM, the process's own peak resident memory; None once it has exited.

    Not ru_maxrss: Linux carries a parent's resident size into a forked child's ru_maxrss across
    exec, so a child of a large process (a test runner holding an emulator) would seem large.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def run_and_measure(name: str, args: list[str], cwd: Path | None = None) -> ProcessRun:
    """Runs `args`, counting RECORD lines on its stdout and sampling its peak RSS as it goes."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
    assert proc.stdout is not None
    records = peak = 0
    for lines, line in enumerate(proc.stdout, start=1):
        records += line.startswith(RECORD_PREFIX)
        if lines % POLL_EVERY_LINES == 0:
            peak = max(peak, peak_rss_kb(proc.pid) or 0)
    peak = max(peak, peak_rss_kb(proc.pid) or 0)  # after EOF the process is exiting, still there
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{name} exited with {code}")
    return ProcessRun(name, records, seconds, usage.ru_utime + usage.ru_stime, peak / 1024)


def cpu_seconds(pid: int) -> float:
    """CPU time a running process has used so far (utime + stime, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
