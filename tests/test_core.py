"""The Singer SDK's standard tap tests, against the emulator over HTTP."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_infinity.tap import TapInfinity
from tests.conftest import PASSWORD, USERNAME
from tests.emulator import Emulator

# The standard test class takes its config at import time, so this module runs its own emulator.
_EMULATOR = Emulator({101: 1200, 202: 300}, seed=3, username=USERNAME, password=PASSWORD).start()
atexit.register(_EMULATOR.stop)

SAMPLE_CONFIG = {
    "username": USERNAME,
    "password": PASSWORD,
    "igrps": [101, 202],
    "api_url": _EMULATOR.url,
    "page_size": 500,
    "start_date": "2024-03-01",
}

TestTapInfinity = get_tap_test_class(
    tap_class=TapInfinity,
    config=SAMPLE_CONFIG,
    suite_config=SuiteConfig(ignore_no_records_for_streams=[]),
)
