"""Command line: serve the emulator until SIGTERM/SIGINT (for demos and out-of-process tests).

    python -m emulator --port 0 --igrps 101:200000,202:5000 --seed 1 \\
        --username U --password P --chronicall-key K [--fault-rate 0.2] [--verbose] \\
        [--documented] [--clock "2024-06-10 14:00:00"] [--pbx 101:pbx,202:idle,404:none]

Prints exactly one line, `READY http://127.0.0.1:PORT`, once serving.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .emulator import Emulator
from .faults import RANDOM_KINDS
from .realtime import PBX_KINDS
from .timefmt import parse_utc


def _igrps(text: str) -> dict[int, int]:
    try:
        return {
            int(igrp): int(count) for igrp, count in (item.split(":") for item in text.split(",") if item)
        }
    except ValueError:
        raise argparse.ArgumentTypeError("expected IGRP:COUNT[,IGRP:COUNT...]") from None


def _pbx(text: str) -> dict[int, str]:
    try:
        kinds = {int(igrp): kind for igrp, kind in (item.split(":") for item in text.split(",") if item)}
    except ValueError:
        raise argparse.ArgumentTypeError("expected IGRP:KIND[,IGRP:KIND...]") from None
    bad = sorted(set(kinds.values()) - set(PBX_KINDS))
    if bad:
        raise argparse.ArgumentTypeError(f"unknown PBX kinds {bad}; known: {', '.join(PBX_KINDS)}")
    return kinds


def _utc(text: str) -> int:
    try:
        return parse_utc(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected 'YYYY-MM-DD HH:MM:SS' (UTC)") from None


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--igrps", type=_igrps, default={101: 3000, 202: 500}, help="IGRP:COUNT,...")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--username", default="api.user@example.com")
    parser.add_argument("--password", default="s3cret-pass")
    parser.add_argument("--chronicall-key", default="chron-key")
    parser.add_argument("--forbidden-igrps", type=_ints, default=())
    parser.add_argument("--max-limit", type=int, default=10000)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default=",".join(RANDOM_KINDS))
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--escaped-notes", action="store_true", help="serve every notes value escaped (not as doc 002 does)"
    )
    parser.add_argument(
        "--documented", action="store_true", help="add igrps 1 and 2: the documents' examples"
    )
    parser.add_argument(
        "--clock", type=_utc, default=None, help="freeze the real-time reports' clock at this UTC time"
    )
    parser.add_argument(
        "--pbx", type=_pbx, default=None, help="IGRP:KIND,... PBX kind per igrp (pbx, idle, none)"
    )
    parser.add_argument("--first-byte", type=float, default=0.0, help="seconds before each API answer")
    parser.add_argument(
        "--bandwidth", type=float, default=0.0, help="bytes/s of each answer's body (0: no cap)"
    )
    args = parser.parse_args(argv)

    emu = Emulator(
        args.igrps,
        seed=args.seed,
        username=args.username,
        password=args.password,
        forbidden_igrps=args.forbidden_igrps,
        max_limit=args.max_limit,
        chronicall_api_key=args.chronicall_key,
        verbose=args.verbose,
        documented=args.documented,
        documented_notes=not args.escaped_notes,
        pbx=args.pbx,
    )
    if args.clock is not None:
        emu.set_clock(args.clock)
    emu.set_latency(args.first_byte, args.bandwidth)
    if args.fault_rate:
        emu.set_faults(rate=args.fault_rate, kinds=tuple(k for k in args.fault_kinds.split(",") if k))
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    emu.start(port=args.port, host=args.host)
    print(f"READY {emu.url}", flush=True)
    if args.verbose:
        print(f"generated in {emu.generation_seconds:.2f}s: {emu.counts()}", file=sys.stderr, flush=True)
    while not stopping.wait(0.5):
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
