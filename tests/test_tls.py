"""TLS as the real APIs serve it: certificates are verified, against `ca_bundle` when it is set."""

from __future__ import annotations

import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from emulator.chronicall import AGENT_TALKING_SUMMARY_KEY
from tests.conftest import PASSWORD, USERNAME, tap_config
from tests.tap_runner import discover, run_tap, select

CHRONICALL_KEY = "tls-chronicall-key"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as a private CA would issue one."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def https_emulator(certificate: tuple[Path, Path]) -> Iterator[Emulator]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    emu = Emulator(
        {101: 2500}, seed=4, username=USERNAME, password=PASSWORD, chronicall_api_key=CHRONICALL_KEY
    )
    with emu.start(tls=context):
        yield emu


def https_config(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    return tap_config(
        emu,
        chronicall_url=emu.url,
        chronicall_api_key=CHRONICALL_KEY,
        chronicall_reports=[{"key": AGENT_TALKING_SUMMARY_KEY, "name": "agents"}],
        **overrides,
    )


def test_sync_over_https_with_the_private_ca(
    https_emulator: Emulator, certificate: tuple[Path, Path]
) -> None:
    assert https_emulator.url.startswith("https://")
    config = https_config(https_emulator, ca_bundle=str(certificate[0]))
    result = run_tap(config, select(discover(config), ["triggers_all"]))
    assert result.row_ids("triggers_all") == [int(r["rowId"]) for r in https_emulator.triggers(101)]
    # From yesterday, so the report has rows whatever the time of day.
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    reports = run_tap({**config, "start_date": yesterday}, select(discover(config), ["chronicall_reports"]))
    assert reports.records["chronicall_reports"]


@pytest.mark.parametrize("stream", ["triggers_all", "chronicall_reports"])
def test_unverifiable_certificate_stops_at_once_with_one_line(
    https_emulator: Emulator, certificate: tuple[Path, Path], stream: str
) -> None:
    catalog = select(discover(https_config(https_emulator, ca_bundle=str(certificate[0]))), [stream])
    started = time.monotonic()
    result = run_tap(https_config(https_emulator), catalog, check=False)
    assert result.returncode == 1
    assert time.monotonic() - started < 10  # not retried
    assert not result.records
    errors = [line for line in result.stderr.splitlines() if "TLS certificate verification failed" in line]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "self-signed certificate" in errors[0] and "ca_bundle" in errors[0]
    assert "Traceback" not in result.stderr


def test_missing_ca_bundle_is_a_config_error(https_emulator: Emulator, tmp_path: Path) -> None:
    https_emulator.clear_request_log()
    result = run_tap(https_config(https_emulator, ca_bundle=str(tmp_path / "nowhere.pem")), check=False)
    assert result.returncode != 0
    assert "Setting ca_bundle" in result.stderr and "nowhere.pem" in result.stderr
    assert not https_emulator.request_log
