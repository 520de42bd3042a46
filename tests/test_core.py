"""The Singer SDK's standard tap tests, against the emulator over HTTP."""

from __future__ import annotations

import atexit
import tempfile

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from emulator import Emulator
from emulator.chronicall import AGENT_TALKING_SUMMARY_KEY, GROUP_SUMMARY_KEY
from tap_infinity.tap import TapInfinity
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import BUSY_HOUR

# The standard test class takes its config at import time, so this module runs its own emulator.
_EMULATOR = Emulator(
    {101: 1200, 202: 300},
    seed=3,
    username=USERNAME,
    password=PASSWORD,
    chronicall_api_key="chron-key",
    clock=lambda: BUSY_HOUR,  # real-time reports read at a time with calls going on
).start()
atexit.register(_EMULATOR.stop)

SAMPLE_CONFIG = {
    "username": USERNAME,
    "password": PASSWORD,
    "igrps": [101, 202],
    "api_url": _EMULATOR.url,
    "page_size": 500,
    "start_date": "2024-03-01",
    "chronicall_url": _EMULATOR.url,
    "chronicall_api_key": "chron-key",
    "chronicall_reports": [
        {"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents"},
        {"key": GROUP_SUMMARY_KEY, "name": "groups"},
    ],
    # Monthly windows keep the backfill from start_date to a few dozen requests.
    "chronicall_window": "P30D",
    "recordings_url": tempfile.mkdtemp(prefix="tap-infinity-core-recordings-"),
    "channel_metrics_lookback_days": 1,
}

TestTapInfinity = get_tap_test_class(
    tap_class=TapInfinity,
    config=SAMPLE_CONFIG,
    suite_config=SuiteConfig(ignore_no_records_for_streams=[]),
)
