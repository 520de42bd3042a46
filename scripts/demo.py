"""Demo: start the emulator, sync every trigger stream with tap-infinity, print a summary."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.emulator import Emulator  # noqa: E402

USERNAME, PASSWORD = "demo.user@example.com", "demo-password"


def main() -> int:
    with Emulator({101: 20000, 202: 5000}, seed=1, username=USERNAME, password=PASSWORD) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"username": USERNAME, "password": PASSWORD, "igrps": [101, 202],
                                      "api_url": emu.url, "timezone": "Europe/London"}))
        proc = subprocess.run([sys.executable, "-m", "tap_infinity", "--config", str(config)],
                              capture_output=True, text=True, check=True)
    counts: collections.Counter[str] = collections.Counter()
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            counts[message["stream"]] += 1
    for stream, count in sorted(counts.items()):
        print(f"{stream:16} {count:>8} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
