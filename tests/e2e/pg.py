"""Reading the test's PostgreSQL database, as the TARGET_POSTGRES_* settings name it."""

from __future__ import annotations

from typing import Any

from scripts.pg_server import connect


def query(postgres: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    with connect(postgres) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def table_counts(postgres: dict[str, str], streams: list[str]) -> dict[str, int]:
    """Rows in each stream's table of the infinity schema."""
    return {s: int(query(postgres, f'SELECT count(*) FROM infinity."{s}"')[0][0]) for s in streams}
