"""Stopping on SIGTERM or SIGINT after the last whole message, never in the middle of one.

The SDK's handler exits at once wherever the signal lands (with code 0), so the exit-time flush
could write half a RECORD line and a target would fail on it. Here a signal only takes effect
where nothing is being written: at once if the tap is waiting on the network or for a retry,
else as soon as it next would wait. The tap then writes a STATE covering exactly what it
emitted and exits with 128 + the signal's number (143, 130).

Only the main thread is stopped mid-wait: it alone writes messages. Worker threads (recording
downloads) block the signals, so that they reach the main thread, and stop at their next wait.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import typing as t


class Interrupted(BaseException):
    """A stop asked for by a signal. A BaseException, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
#: The signal received, once one is.
requested: int | None = None
_waiting = 0


def request_stop(signum: int) -> None:
    """The signal handler's part: remember the signal, and stop now if the tap is waiting."""
    global requested
    requested = signum
    if _waiting:
        raise Interrupted(signum)


@contextlib.contextmanager
def held() -> t.Iterator[None]:
    """Signals wait until the block ends: a write to a pipe that a signal interrupts can lose
    bytes (seen here: half a RECORD line, then a later one), so output is written whole."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def block_in_worker() -> None:
    """A worker thread's initializer: stop signals are delivered to the main thread, never to
    this one, so that they wake the main thread from the wait it is in (a download's result)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)


@contextlib.contextmanager
def waiting() -> t.Iterator[None]:
    """A stretch where the tap waits (network, retry sleeps) and may be stopped at once; in a
    worker thread, only where it begins."""
    global _waiting
    if requested is not None:
        raise Interrupted(requested)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _waiting += 1
    try:
        yield
    finally:
        _waiting -= 1
