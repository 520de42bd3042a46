"""Shared fixtures: the emulator on a free port, configs pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator import Emulator

USERNAME = "api.user@example.com"
PASSWORD = "s3cret-Pa55-word"
IGRPS = {101: 6000, 202: 1500}


def tap_config(emulator: Emulator, **overrides: Any) -> dict[str, Any]:
    config = {
        "username": USERNAME,
        "password": PASSWORD,
        "igrps": list(emulator.installations),
        "api_url": emulator.url,
        "page_size": 1000,
        "retry_base_seconds": 0.01,
        "retry_max_seconds": 0.2,
        "request_timeout": 10,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """A read-only emulator shared by tests that do not change its data or faults."""
    with Emulator(IGRPS, seed=7, username=USERNAME, password=PASSWORD) as emu:
        yield emu


@pytest.fixture
def fresh_emulator() -> Iterator[Emulator]:
    """An emulator of the test's own, for tests that append data or inject faults."""
    with Emulator({101: 3000, 202: 800}, seed=11, username=USERNAME, password=PASSWORD) as emu:
        yield emu


@pytest.fixture
def config(emulator: Emulator) -> dict[str, Any]:
    return tap_config(emulator)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real S3-compatible server (moto's server mode) on loopback, with buckets `recordings`
    and `batches`; the AWS_* environment points at it (and so at child processes)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    for bucket in ("recordings", "batches"):
        client.create_bucket(Bucket=bucket)
    yield endpoint
    server.stop()
