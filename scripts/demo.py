"""Demo: `meltano run tap-infinity target-duckdb` against the emulator, twice, then a query.

Starts the emulator of both APIs, loads everything into output/tap_infinity.duckdb with a full
sync; then upstream new (partly late-arriving) triggers arrive and a recent one changes; runs again
incrementally (the dev environment's lookback_days re-reads the last days), checks every table's
row count against the emulator's own count after each run, shows the changed trigger as DuckDB
holds it, and prints calls per source per day and the channel metrics of the last week.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from scripts.pipeline import ROOT, expected_counts, meltano, pipeline_env, start_emulator

DATABASE = ROOT / "output" / "tap_infinity.duckdb"
SCHEMA = "infinity"
CALLS_PER_SOURCE_PER_DAY = f"""
    SELECT CAST(triggerdatetime AS DATE) AS day, coalesce(src, '(none)') AS source, count(*) AS calls,
           round(avg(callduration)) AS avg_seconds
    FROM {SCHEMA}.calls
    GROUP BY ALL
    ORDER BY day DESC, calls DESC
    LIMIT 12
"""
# Metric columns are exact decimals, which target-duckdb stores as text: cast them to sum.
CHANNEL_METRICS_LAST_WEEK = f"""
    SELECT ch AS channel, sum(CAST(callcount AS DECIMAL(18, 2))) AS calls,
           sum(CAST(goalcount AS DECIMAL(18, 2))) AS goals, count(DISTINCT date) AS days
    FROM {SCHEMA}.channel_metrics
    WHERE CAST(date AS DATE) >= current_date - 7
    GROUP BY ALL
    ORDER BY calls DESC
"""
CHANGED_TRIGGER = f"SELECT rowid, leadscore, notes FROM {SCHEMA}.triggers_all WHERE igrp = ? AND rowid = ?"


def loaded_counts(streams: list[str]) -> dict[str, int]:
    with duckdb.connect(str(DATABASE), read_only=True) as db:
        return {s: db.execute(f"SELECT count(*) FROM {SCHEMA}.{s}").fetchone()[0] for s in streams}  # type: ignore[index]


def check(step: str, expected: dict[str, int]) -> None:
    """Stop the demo loudly if any table holds other than the emulator's row count."""
    loaded = loaded_counts(list(expected))
    print(f"\n{step}\n  {'stream':20} {'in DuckDB':>10} {'in the API':>10}")
    for stream, count in expected.items():
        print(f"  {stream:20} {loaded[stream]:>10} {count:>10}")
    wrong = {s: (loaded[s], n) for s, n in expected.items() if loaded[s] != n}
    if wrong:
        raise SystemExit(f"loaded row counts differ from the API's (loaded, API): {wrong}")


#: What the tap says at the end of a run about data it had to mend, keep aside or leave out.
IMPERFECT = re.compile(
    r"tap-infinity (\w+: (?:repaired|\d+ values did not fit|the API sent fields|filter).*)"
)


def show_trigger(step: str, trigger: dict[str, str]) -> float:
    """Prints the trigger's leadScore and notes as DuckDB holds them; returns the leadScore."""
    with duckdb.connect(str(DATABASE), read_only=True) as db:
        found = db.execute(CHANGED_TRIGGER, [101, int(trigger["rowId"])]).fetchone()
    if found is None:
        raise SystemExit(f"trigger {trigger['rowId']} of igrp 101 is not in DuckDB")
    print(f"\n{step}: rowId {found[0]}, leadScore {found[1]}, notes {found[2]}")
    return float(found[1])


def run(args: list[str], env: dict[str, str]) -> None:
    started = time.monotonic()
    result = meltano(args, env)
    print(f"$ meltano {' '.join(args)}   ({time.monotonic() - started:.1f} s)")
    for found in IMPERFECT.finditer(result.stderr):
        print(f"  tap: {found.group(1)}")


def main() -> int:
    DATABASE.parent.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as state_dir:
        emu = start_emulator(rows_per_igrp=20_000)
        try:
            env = pipeline_env(emu, Path(state_dir), TARGET_DUCKDB_FILEPATH=str(DATABASE))
            print(f"Emulator of the Infinity and Chronicall APIs at {emu.url}")
            run(["run", "tap-infinity", "target-duckdb"], env)
            check("First run: a full sync", expected_counts(emu))
            changed = emu.triggers(101)[-1]  # dated today: within the lookback
            show_trigger("Trigger as loaded", changed)
            late = emu.append_triggers(101, 1500, late_fraction=0.4)
            print(f"\nThe API receives {len(late)} new triggers for igrp 101, some dated weeks back;")
            print(f"trigger {changed['rowId']} (igrp 101) gets a note and a new leadScore.")
            note = '[{"note": "Booked a visit"}]'
            emu.change_triggers(101, [int(changed["rowId"])], leadScore="97", notes=note)
            run(["run", "tap-infinity", "target-duckdb"], env)
            check("Second run: incremental, from the bookmarks Meltano kept", expected_counts(emu))
            if show_trigger("The changed trigger, read again by the lookback", changed) != 97:
                raise SystemExit("the lookback did not bring the changed trigger's new leadScore")
        finally:
            emu.stop()
    with duckdb.connect(str(DATABASE), read_only=True) as db:
        print(f"\nCalls per source per day (latest first), from {DATABASE.relative_to(ROOT)}:")
        print(db.sql(CALLS_PER_SOURCE_PER_DAY))
        print("Channel metrics of the last 7 days (server-side attribution, per channel):")
        print(db.sql(CHANNEL_METRICS_LAST_WEEK))
    explore = f"duckdb.connect('{DATABASE.relative_to(ROOT)}').sql('SHOW ALL TABLES').show()"
    print(f'Explore it: .venv/bin/python -c "import duckdb; {explore}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
