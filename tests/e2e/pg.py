"""Reading the test's PostgreSQL database, as the TARGET_POSTGRES_* settings name it."""

from __future__ import annotations

from typing import Any

import psycopg


def query(postgres: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(
        host=postgres["TARGET_POSTGRES_HOST"],
        port=int(postgres["TARGET_POSTGRES_PORT"]),
        user=postgres["TARGET_POSTGRES_USER"],
        dbname=postgres["TARGET_POSTGRES_DATABASE"],
    ) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def table_counts(postgres: dict[str, str], streams: list[str]) -> dict[str, int]:
    """Rows in each stream's table of the infinity schema."""
    return {s: int(query(postgres, f'SELECT count(*) FROM infinity."{s}"')[0][0]) for s in streams}
