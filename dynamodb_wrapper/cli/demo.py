"""``dynamodb-wrapper demo``: load a realistic data set and show what on-call looks at."""

from __future__ import annotations

import os
import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.rule import Rule
from rich.text import Text

from dynamodb_wrapper import (
    DynamoDBConfig,
    PipelineConfigReadApi,
    PipelineConfigWriteApi,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunLogView,
    TableConfigWriteApi,
    ensure_tables,
    utc_now,
)
from dynamodb_wrapper.cli.context import State, get_state, resolve_zone
from dynamodb_wrapper.cli.demo_data import DemoData, generate
from dynamodb_wrapper.cli.render import Column, Output, field, format_duration
from dynamodb_wrapper.local import DynamoDBLocal

__all__ = ["demo"]

DEMO_PREFIX = "demo"

ACTIVE_COLUMNS = [
    field("pipeline_id", "pipeline"),
    field("pipeline_name", "name"),
    field("environment", "env"),
    field("schedule_expression", "schedule"),
    field("updated_at", "updated"),
]
LAST_DAY_COLUMNS = [
    Column("pipeline", lambda r: r["pipeline_id"]),
    Column("runs", lambda r: r["runs"], justify="right"),
    Column("success", lambda r: r["success"], justify="right"),
    Column("failed", lambda r: _count(r["failed"], "bold red"), justify="right"),
    Column("running", lambda r: _count(r["running"], "yellow"), justify="right"),
    Column("last start", lambda r: r["last_start"]),
]
FAILURE_COLUMNS = [
    field("start_time", "started"),
    field("pipeline_id", "pipeline"),
    field("current_stage", "stage"),
    field("retry_count", "retry", justify="right"),
    field("error_message", "error"),
]
STATS_COLUMNS = [
    field("pipeline_id", "pipeline"),
    field("total_runs", "runs", justify="right"),
    Column("success rate", lambda s: _rate(s.success_rate), justify="right"),
    Column("p50", lambda s: format_duration(s.duration_p50), justify="right"),
    Column("p95", lambda s: format_duration(s.duration_p95), justify="right"),
    Column("records", lambda s: f"{s.total_records_processed:,}", justify="right"),
]


def _count(value: int, style: str) -> Text:
    return Text(str(value), style=style if value else "dim")


def _rate(rate: float | None) -> Text:
    if rate is None:
        return Text("-", style="dim")
    style = "green" if rate >= 0.95 else "yellow" if rate >= 0.85 else "bold red"
    return Text(f"{rate:.1%}", style=style)


def _demo_config(state: State, stack: ExitStack, out: Output) -> tuple[DynamoDBConfig, str, bool]:
    """``(config, where, own_server)``: the configured endpoint (or the background DynamoDB
    Local), else a DynamoDB Local started here and stopped when ``stack`` closes."""
    extra: dict[str, Any] = {}
    if state.table_prefix is None and not os.environ.get("DYNAMODB_TABLE_PREFIX"):
        extra["table_prefix"] = DEMO_PREFIX
    config = state.build_config(**extra)
    if config.endpoint_url is not None:
        if state.endpoint_source == "background":
            return config, "background DynamoDB Local", False
        return config, "configured endpoint", False
    with out.err.status("starting DynamoDB Local…"):
        server = stack.enter_context(DynamoDBLocal())
    config = state.build_config(endpoint_url=server.endpoint_url, **extra)
    return config, "DynamoDB Local started for this demo (stopped at the end)", True


def _load(out: Output, config: DynamoDBConfig, data: DemoData) -> None:
    with out.progress() as progress:
        task = progress.add_task("loading demo data", total=data.total)
        done = 0

        def advance(base: int) -> Any:
            return lambda n: progress.update(task, completed=base + n)

        done += PipelineConfigWriteApi(config).upsert_many(data.pipelines, advance(done))
        done += TableConfigWriteApi(config).upsert_many(data.tables, advance(done))
        writer = PipelineRunLogsWriteApi(config)
        for start in range(0, len(data.runs), 1000):
            chunk = data.runs[start : start + 1000]
            done += writer.upsert_many(chunk, advance(done))
        progress.update(task, completed=done)


def _last_day(
    runs_api: PipelineRunLogsReadApi, pipeline_ids: list[str], since: datetime, tz: str
) -> list[dict[str, Any]]:
    rows = []
    for pipeline_id in pipeline_ids:
        statuses: Counter[str] = Counter()
        last: datetime | None = None
        for run in runs_api.iter_by_pipeline(
            pipeline_id,
            start_time=since,
            projection=["status", "start_time"],
            user_timezone=tz,
        ):
            statuses[str(run.status)] += 1
            if run.start_time is not None and (last is None or run.start_time > last):
                last = run.start_time
        rows.append(
            {
                "pipeline_id": pipeline_id,
                "runs": sum(statuses.values()),
                "success": statuses["success"],
                "failed": statuses["failed"],
                "running": statuses["running"] + statuses["pending"],
                "last_start": last,
            }
        )
    return rows


def demo(
    ctx: typer.Context,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Time zone of the report (same as the global --tz)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the data set.")] = 7,
    days: Annotated[
        int, typer.Option("--days", min=1, max=90, help="Days of run history to generate.")
    ] = 30,
) -> None:
    """Load a realistic data set into DynamoDB Local and show what an on-call engineer wants.

    Uses the configured endpoint (or a background `local start` server); otherwise starts
    DynamoDB Local for the run. Tables get the prefix 'demo' unless --table-prefix is given.
    """
    state = get_state(ctx)
    if tz is not None:
        resolve_zone(tz)  # before starting anything
    out = Output(json_mode=state.json, zone=resolve_zone("UTC"))
    started = time.perf_counter()
    with ExitStack() as stack:
        config, origin, own_server = _demo_config(state, stack, out)
        zone_name = tz or state.tz or config.user_timezone or "UTC"
        out.zone = resolve_zone(zone_name)
        out.note(
            f"{origin}: {config.endpoint_url}; tables {config.get_table_name('pipeline_config')}, …"
        )
        with out.err.status("creating tables…"):
            ensure_tables(config)
        now = utc_now().replace(microsecond=0)
        data = generate(seed, now, days)
        load_started = time.perf_counter()
        _load(out, config, data)
        load_seconds = time.perf_counter() - load_started
        loaded = {
            "pipelines": len(data.pipelines),
            "table_configs": len(data.tables),
            "runs": len(data.runs),
        }
        out.note(
            f"loaded {loaded['pipelines']} pipelines, {loaded['table_configs']} table configs "
            f"and {loaded['runs']} runs ({days} days) in {load_seconds:.1f}s"
        )
        report = _report(config, now, days, zone_name)
        elapsed = time.perf_counter() - started
        if out.json_mode:
            out.json(
                {
                    "endpoint_url": config.endpoint_url,
                    "table_prefix": config.table_prefix,
                    "time_zone": zone_name,
                    "loaded": loaded,
                    **report,
                    "seconds": round(elapsed, 2),
                }
            )
        else:
            _print_report(out, report, zone_name, days)
            if not own_server:
                out.print(
                    Text(
                        f"explore: dynamodb-wrapper --endpoint-url {config.endpoint_url} "
                        f"--table-prefix {config.table_prefix} pipelines list --active",
                        style="dim",
                    ),
                    soft_wrap=True,
                )
        out.note(f"demo finished in {elapsed:.1f}s")


def _report(config: DynamoDBConfig, now: datetime, days: int, tz: str) -> dict[str, Any]:
    pipelines_api = PipelineConfigReadApi(config)
    runs_api = PipelineRunLogsReadApi(config)
    active = list(pipelines_api.iter_active_pipelines(user_timezone=tz))
    active.sort(key=lambda p: (str(p.environment), str(p.pipeline_id)))
    ids = [str(p.pipeline_id) for p in active]
    day_ago = now - timedelta(hours=24)
    last_day = _last_day(runs_api, ids, day_ago, tz)
    failures_since = day_ago
    failures, _ = runs_api.get_failed_runs_since(day_ago, limit=10, user_timezone=tz)
    if not failures:
        failures_since = now - timedelta(days=days)
        failures, _ = runs_api.get_failed_runs_since(failures_since, limit=10, user_timezone=tz)
    running = runs_api.get_running_runs(user_timezone=tz)
    statistics = [
        runs_api.get_pipeline_run_statistics(pid, start_time=now - timedelta(days=days))
        for pid in ids
    ]
    statistics.sort(key=lambda s: s.success_rate if s.success_rate is not None else 2.0)
    return {
        "now": now,
        "active_pipelines": active,
        "runs_last_24h": last_day,
        "running": running,
        "recent_failures": {"since": failures_since, "runs": failures},
        "statistics": statistics,
    }


def _print_report(out: Output, report: dict[str, Any], tz: str, days: int) -> None:
    zone_note = f"times in {tz}"
    out.print(Rule(Text(f"Active pipelines ({len(report['active_pipelines'])})", style="bold")))
    out.table(report["active_pipelines"], ACTIVE_COLUMNS, title=zone_note)

    last_day: list[dict[str, Any]] = report["runs_last_24h"]
    totals = Counter[str]()
    for row in last_day:
        totals.update({k: row[k] for k in ("runs", "success", "failed", "running")})
    out.print()
    out.print(Rule(Text("Runs in the last 24 h", style="bold")))
    out.print(
        f"{totals['runs']} runs: {totals['success']} succeeded, "
        f"[bold red]{totals['failed']} failed[/], [yellow]{totals['running']} running[/]"
    )
    out.table(last_day, LAST_DAY_COLUMNS, title=zone_note)
    running: list[PipelineRunLogView] = report["running"]
    if running:
        out.table(
            running,
            [
                field("run_id", "run"),
                field("pipeline_id", "pipeline"),
                field("current_stage", "stage"),
                field("start_time", "started"),
            ],
            title="running now",
        )

    failures = report["recent_failures"]
    out.print()
    since = failures["since"].astimezone(out.zone)
    out.print(Rule(Text("Recent failures", style="bold")))
    out.table(
        failures["runs"],
        FAILURE_COLUMNS,
        title=f"newest 10 since {since:%Y-%m-%d %H:%M %Z} ({zone_note})",
        empty="no failures",
    )

    out.print()
    out.print(
        Rule(Text(f"Success rate and p95 duration per pipeline (last {days} days)", style="bold"))
    )
    out.table(report["statistics"], STATS_COLUMNS, title="worst first")
