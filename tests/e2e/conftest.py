"""End-to-end fixtures: a throwaway PostgreSQL server on loopback, and the emulator for a pipeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import Emulator
from scripts import pg_server
from scripts.pipeline import start_emulator


@pytest.fixture
def pipeline_emulator() -> Iterator[Emulator]:
    emu = start_emulator(rows_per_igrp=3000)
    yield emu
    emu.stop()


@pytest.fixture
def postgres(postgres_server: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    """A database of the test's own on the session's server, as TARGET_POSTGRES_* settings: a
    test never counts another test's rows."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:55]
    with pg_server.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return {**postgres_server, "TARGET_POSTGRES_DATABASE": name}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[dict[str, str]]:
    """A PostgreSQL server of the test session's own (the server binaries are installed by
    `make test`)."""
    try:
        with pg_server.postgres_server() as settings:
            yield settings
    except RuntimeError as exc:
        pytest.fail(str(exc))
