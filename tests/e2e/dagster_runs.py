"""Run by the Dagster virtualenv's Python (not the tests'): the runs of the instance in
$DAGSTER_HOME as JSON, for tests/e2e/test_dagster.py to check: each run's status, partition,
start and end, its steps' failures, and the metadata of the materialisations it made."""

import json

import dagster as dg


def main() -> None:
    instance = dg.DagsterInstance.get()
    runs = []
    for record in instance.get_run_records():
        run = record.dagster_run
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        materialised = []
        for event in events:
            materialization = event.asset_materialization
            assert materialization is not None
            materialised.append(
                {
                    "asset": materialization.asset_key.to_user_string(),
                    "partition": materialization.partition,
                    "metadata": {k: v.value for k, v in materialization.metadata.items()},
                }
            )
        failures = [
            event.dagster_event.step_failure_data.error.message
            for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            if event.dagster_event and event.dagster_event.step_failure_data.error
        ]
        runs.append(
            {
                "status": run.status.value,
                "failures": failures,
                "partition": run.tags.get("dagster/partition"),
                "start": record.start_time,
                "end": record.end_time,
                "materialised": materialised,
            }
        )
    print(json.dumps(runs, default=str))


if __name__ == "__main__":
    main()
