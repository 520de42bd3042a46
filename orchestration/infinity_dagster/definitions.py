"""tap-infinity's Meltano jobs as Dagster assets: one partition per installation (igrp), so a
backfill or a schedule runs installations in parallel, each with its own state, status and logs.

    infinity_catalog -> infinity_tables -> infinity_installation[igrp]   (one job per igrp)
                                        -> chronicall_reports             (the one Chronicall job)

The first two are what the README's parallel-jobs recipe does once: discover the catalog (jobs
discovering at once overwrite each other's file) and create the tables from SCHEMA messages alone
(jobs creating the same table at once collide in PostgreSQL's catalog).
"""

import json

import dagster as dg

from infinity_dagster.meltano import MeltanoProject, environment, installations

INSTALLATIONS = dg.StaticPartitionsDefinition(installations())


@dg.asset(description="The catalog of every installation, discovered once for all jobs")
def infinity_catalog(context: dg.AssetExecutionContext, meltano: MeltanoProject) -> dg.MaterializeResult:
    env = meltano.job_env("discovery")
    catalog = json.loads(meltano.execute(context, ["invoke", "--dump=catalog", meltano.extractor], env))
    meltano.catalog.write_text(json.dumps(catalog))
    streams = [s["tap_stream_id"] for s in catalog["streams"]]
    return dg.MaterializeResult(metadata={"path": str(meltano.catalog), "streams": ", ".join(streams)})


@dg.asset(deps=[infinity_catalog], description="The warehouse tables, made from SCHEMA messages alone")
def infinity_tables(context: dg.AssetExecutionContext, meltano: MeltanoProject) -> None:
    env = {**meltano.job_env("tables"), "TAP_INFINITY__CATALOG": str(meltano.catalog)}
    meltano.load_schemas(context, env)


@dg.asset(
    deps=[infinity_tables],
    partitions_def=INSTALLATIONS,
    description="One installation's streams, loaded incrementally from its own bookmarks",
)
def infinity_installation(context: dg.AssetExecutionContext, meltano: MeltanoProject) -> dg.MaterializeResult:
    igrp = context.partition_key
    env = {
        **meltano.job_env(f"igrp-{igrp}"),
        "TAP_INFINITY__CATALOG": str(meltano.catalog),
        "TAP_INFINITY_IGRPS": f"[{igrp}]",
        # The job reads only its igrp's rows of each table: it must not retire the others'.
        "TAP_INFINITY_ACTIVATE_VERSION": "false",
        # Chronicall is no installation's: its own asset reads it once.
        "TAP_INFINITY__SELECT_FILTER": '["!chronicall_reports"]',
    }
    suffix = f"igrp-{igrp}"
    meltano.execute(context, ["run", "--state-id-suffix", suffix, meltano.extractor, meltano.loader], env)
    return _bookmarks(context, meltano, suffix, env)


@dg.asset(deps=[infinity_tables], description="The Chronicall reports, read once for all installations")
def chronicall_reports(context: dg.AssetExecutionContext, meltano: MeltanoProject) -> dg.MaterializeResult:
    env = {
        **meltano.job_env("chronicall"),
        "TAP_INFINITY__CATALOG": str(meltano.catalog),
        "TAP_INFINITY__SELECT_FILTER": '["chronicall_reports"]',
    }
    meltano.execute(
        context, ["run", "--state-id-suffix", "chronicall", meltano.extractor, meltano.loader], env
    )
    return _bookmarks(context, meltano, "chronicall", env)


def _bookmarks(
    context: dg.AssetExecutionContext, meltano: MeltanoProject, suffix: str, env: dict[str, str]
) -> dg.MaterializeResult:
    """The job's state ID and where its bookmarks now stand, shown on the materialisation."""
    state_id = f"{environment()}:{meltano.extractor}-to-{meltano.loader}:{suffix}"
    state = meltano.state(context, state_id, env).get("singer_state", {})
    marks = {
        stream: [p.get("replication_key_value") for p in entry.get("partitions", [])]
        for stream, entry in state.get("bookmarks", {}).items()
    }
    return dg.MaterializeResult(metadata={"state_id": state_id, "bookmarks": dg.MetadataValue.json(marks)})


installations_job = dg.define_asset_job(
    "infinity_installations", selection=[infinity_installation], partitions_def=INSTALLATIONS
)


@dg.schedule(job=installations_job, cron_schedule="0 * * * *")
def hourly_installations(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Every hour, one run per installation: they run at once, up to the instance's run queue limit."""
    tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "manual"
    return [
        dg.RunRequest(run_key=f"{tick}:{igrp}", partition_key=igrp)
        for igrp in INSTALLATIONS.get_partition_keys()
    ]


defs = dg.Definitions(
    assets=[infinity_catalog, infinity_tables, infinity_installation, chronicall_reports],
    jobs=[installations_job],
    schedules=[hourly_installations],
    resources={"meltano": MeltanoProject()},
)
