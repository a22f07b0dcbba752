"""``dynamodb-wrapper runs …``: pipeline runs (start, finish, list, show, stats)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dynamodb_wrapper import (
    PipelineConfigNotFoundError,
    PipelineConfigReadApi,
    PipelineRunLogNotFoundError,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunLogView,
    PipelineRunStatistics,
    RunStatus,
    TriggerType,
)
from dynamodb_wrapper.cli.context import CliUsageError
from dynamodb_wrapper.cli.inputs import parse_aware_datetime
from dynamodb_wrapper.cli.options import (
    AllPages,
    EveryFn,
    Limit,
    NextToken,
    PageFn,
    check_ids,
    list_items,
    output,
)
from dynamodb_wrapper.cli.render import Column, Output, field, format_duration

__all__ = ["app", "print_statistics"]

app = typer.Typer(
    help="Pipeline runs: start, finish, list, show, stats.",
    no_args_is_help=True,
)

COLUMNS = [
    field("run_id", "run"),
    field("pipeline_id", "pipeline"),
    field("status"),
    field("trigger_type", "trigger"),
    field("start_time", "started"),
    Column("duration", lambda r: format_duration(r.duration_seconds), justify="right"),
    field("retry_count", "retries", justify="right"),
    field("current_stage", "stage"),
    field("error_message", "error", max_width=50),
]
STAGE_COLUMNS = [
    field("stage_name", "stage"),
    field("status"),
    field("start_time", "started"),
    field("end_time", "ended"),
    Column("duration", lambda s: format_duration(s.duration_seconds), justify="right"),
    field("records_processed", "records", justify="right"),
    field("error_message", "error", max_width=60),
]

RunId = Annotated[str, typer.Argument(help="The run id.", show_default=False, callback=check_ids)]
Since = Annotated[
    str | None,
    typer.Option("--since", help="Runs started at or after this ISO-8601 time (with offset)."),
]
Until = Annotated[
    str | None,
    typer.Option("--until", help="Runs started at or before this ISO-8601 time (with offset)."),
]


@app.command("start")
def start(
    ctx: typer.Context,
    pipeline_id: Annotated[
        str, typer.Argument(help="The pipeline to run.", show_default=False, callback=check_ids)
    ],
    trigger: Annotated[TriggerType, typer.Option("--trigger")] = TriggerType.MANUAL,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Default: a new time-ordered id.")
    ] = None,
) -> None:
    """Record a new running run of an existing pipeline; prints the run id."""
    state, out = output(ctx)
    pipeline = PipelineConfigReadApi(state.config).get_by_id(
        pipeline_id, projection=["pipeline_id", "environment", "version"]
    )
    if pipeline is None:
        raise PipelineConfigNotFoundError(
            f"pipeline {pipeline_id!r} does not exist", key={"pipeline_id": pipeline_id}
        )
    fields: dict[str, Any] = {}
    if pipeline.environment is not None:
        fields["environment"] = pipeline.environment
    if pipeline.version is not None:
        fields["pipeline_version"] = pipeline.version
    run = PipelineRunLogsWriteApi(state.config).start_pipeline_run(
        pipeline_id, trigger_type=trigger, run_id=run_id, **fields
    )
    if out.json_mode:
        out.json(run)
    else:
        out.print(run.run_id)


@app.command("finish")
def finish(
    ctx: typer.Context,
    run_id: RunId,
    status: Annotated[
        RunStatus,
        typer.Option("--status", help="A terminal status: success, failed, cancelled, skipped."),
    ],
    error: Annotated[str | None, typer.Option("--error", help="error_message")] = None,
    records: Annotated[
        int | None, typer.Option("--records", help="total_records_processed", min=0)
    ] = None,
    failed_records: Annotated[
        int | None, typer.Option("--failed-records", help="total_records_failed", min=0)
    ] = None,
) -> None:
    """Finish a running run (refused if it already finished)."""
    state, out = output(ctx)
    metrics: dict[str, Any] = {}
    if records is not None:
        metrics["total_records_processed"] = records
    if failed_records is not None:
        metrics["total_records_failed"] = failed_records
    run = PipelineRunLogsWriteApi(state.config).finish_pipeline_run(
        run_id, status, error_message=error, **metrics
    )
    if out.json_mode:
        out.json(run)
    else:
        out.print(
            f"run [bold]{run.run_id}[/bold] finished: {run.status.value} "
            f"after {format_duration(run.duration_seconds)}"
        )


@app.command("list")
def list_runs(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline", help="Runs of this pipeline (newest first).", callback=check_ids
        ),
    ] = None,
    status: Annotated[
        RunStatus | None, typer.Option("--status", help="Only runs in this status.")
    ] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 20,
    next_token: NextToken = None,
    all_pages: AllPages = False,
) -> None:
    """List runs of a pipeline (--pipeline) or in a status (--status), newest first."""
    state, out = output(ctx)
    start_time = parse_aware_datetime(since, "--since")
    end_time = parse_aware_datetime(until, "--until")
    api = PipelineRunLogsReadApi(state.config)
    tz = state.zone_name

    # The pipeline column says nothing when every run belongs to --pipeline.
    columns = COLUMNS if pipeline is None else [c for c in COLUMNS if c.header != "pipeline"]

    def run(page: PageFn[PipelineRunLogView], every: EveryFn[PipelineRunLogView]) -> None:
        list_items(
            out,
            page=page,
            every=every,
            columns=columns,
            limit=limit,
            next_token=next_token,
            all_pages=all_pages,
        )

    if pipeline is not None:
        pipeline_id = pipeline
        run(
            lambda n, t: api.query_by_pipeline(
                pipeline_id,
                start_time=start_time,
                end_time=end_time,
                status=status,
                limit=n,
                next_token=t,
                user_timezone=tz,
            ),
            lambda: api.iter_by_pipeline(
                pipeline_id,
                start_time=start_time,
                end_time=end_time,
                status=status,
                user_timezone=tz,
            ),
        )
    elif status is not None:
        run_status = status
        run(
            lambda n, t: api.query_by_status(
                run_status,
                start_time=start_time,
                end_time=end_time,
                limit=n,
                next_token=t,
                user_timezone=tz,
            ),
            lambda: api.iter_by_status(
                run_status, start_time=start_time, end_time=end_time, user_timezone=tz
            ),
        )
    else:
        raise CliUsageError("give --pipeline ID and/or --status STATUS")


@app.command("show")
def show(ctx: typer.Context, run_id: RunId) -> None:
    """Show one run with its stages."""
    state, out = output(ctx)
    view = PipelineRunLogsReadApi(state.config).get_by_id(run_id, user_timezone=state.zone_name)
    if view is None:
        raise PipelineRunLogNotFoundError(f"run {run_id!r} does not exist", key={"run_id": run_id})
    if out.json_mode:
        out.json(view)
        return
    out.record(view, title=f"run {run_id}", skip=("stages",))
    if view.stages:
        out.print()
        out.table(view.stages, STAGE_COLUMNS, title="stages")


STAT_ROWS: list[tuple[str, Any]] = [
    ("runs", lambda s: s.total_runs),
    ("by status", lambda s: ", ".join(f"{k} {v}" for k, v in sorted(s.by_status.items()))),
    ("success rate", lambda s: _percent(s.success_rate)),
    ("duration p50", lambda s: format_duration(s.duration_p50)),
    ("duration p95", lambda s: format_duration(s.duration_p95)),
    ("average duration", lambda s: format_duration(s.average_duration)),
    ("records processed", lambda s: f"{s.total_records_processed:,}"),
    ("records failed", lambda s: f"{s.total_records_failed:,}"),
]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def print_statistics(out: Output, stats: PipelineRunStatistics, title: str) -> None:
    """One pipeline's statistics as a two-column table."""
    out.table(
        [(label, get(stats)) for label, get in STAT_ROWS],
        [Column("figure", lambda r: r[0]), Column("value", lambda r: r[1], justify="right")],
        title=title,
    )


@app.command("stats")
def stats(
    ctx: typer.Context,
    pipeline_id: Annotated[
        str, typer.Argument(help="The pipeline.", show_default=False, callback=check_ids)
    ],
    since: Since = None,
    until: Until = None,
) -> None:
    """Success rate, duration p50/p95 and record totals of a pipeline's runs."""
    state, out = output(ctx)
    start_time = parse_aware_datetime(since, "--since")
    end_time = parse_aware_datetime(until, "--until")
    result = PipelineRunLogsReadApi(state.config).get_pipeline_run_statistics(
        pipeline_id, start_time=start_time, end_time=end_time
    )
    if (
        result.total_runs == 0
        and PipelineConfigReadApi(state.config).get_by_id(pipeline_id, ["pipeline_id"]) is None
    ):
        raise PipelineConfigNotFoundError(
            f"pipeline {pipeline_id!r} does not exist", key={"pipeline_id": pipeline_id}
        )
    if out.json_mode:
        out.json(result)
    else:
        print_statistics(out, result, f"runs of {pipeline_id}")
