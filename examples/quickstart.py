"""Quick start: the three domains end to end on an auto-started DynamoDB Local.

Run: ``make demo`` (or ``python examples/quickstart.py``). If ``DYNAMODB_ENDPOINT_URL`` is set,
that endpoint is used instead of starting DynamoDB Local.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from dynamodb_wrapper import (
    ConflictError,
    DynamoDBConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    StageInfo,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigWriteApi,
    ensure_tables,
)
from dynamodb_wrapper.local import DynamoDBLocal


def run(config: DynamoDBConfig, out: list[str]) -> None:
    """Create, read and summarise one pipeline, its tables and a few runs."""
    ensure_tables(config)
    pipelines_w, pipelines_r = PipelineConfigWriteApi(config), PipelineConfigReadApi(config)
    tables_w, tables_r = TableConfigWriteApi(config), TableConfigReadApi(config)
    runs_w, runs_r = PipelineRunLogsWriteApi(config), PipelineRunLogsReadApi(config)

    pipelines_w.upsert_pipeline(
        PipelineConfigUpsert(
            pipeline_id="orders-daily",
            pipeline_name="Orders daily load",
            source_type="s3",
            destination_type="warehouse",
            schedule_expression="0 2 * * *",
            environment="prod",
            tags={"team": "data-platform"},
        )
    )
    try:
        pipelines_w.create_pipeline(
            PipelineConfigUpsert(
                pipeline_id="orders-daily",
                pipeline_name="duplicate",
                source_type="s3",
                destination_type="warehouse",
            )
        )
    except ConflictError as exc:
        out.append(f"create twice -> {type(exc).__name__}")

    for table_type, location in (("source", "s3://raw/orders/"), ("destination", "/warehouse/orders")):
        tables_w.upsert_table(
            TableConfigUpsert(
                table_id=f"orders-{table_type}",
                pipeline_id="orders-daily",
                table_name=f"orders_{table_type}",
                table_type=table_type,
                data_format="parquet",
                location=location,
            )
        )

    start = datetime.now(UTC) - timedelta(hours=3)
    for hour, outcome in enumerate(("success", "failed", "success")):
        run_log = runs_w.start_pipeline_run(
            "orders-daily", trigger_type="schedule", start_time=start + timedelta(hours=hour)
        )
        runs_w.add_stage(run_log.run_id, StageInfo(stage_name="extract", status="success"))
        runs_w.finish_pipeline_run(
            run_log.run_id,
            outcome,
            error_message="upstream file missing" if outcome == "failed" else None,
            total_records_processed=1000 * (hour + 1),
            end_time=start + timedelta(hours=hour, minutes=5 + hour),
        )

    active, _ = pipelines_r.query_active_pipelines(limit=50, user_timezone="America/New_York")
    for pipeline in active:
        out.append(f"active pipeline {pipeline.pipeline_id}: updated {pipeline.updated_at}")
    sources = tables_r.get_source_tables("orders-daily")
    out.append(f"source tables: {[t.table_name for t in sources]}")
    runs, _ = runs_r.query_by_pipeline("orders-daily", limit=10, user_timezone="Europe/Paris")
    for r in runs:
        out.append(f"run {r.run_id} {r.status} started {r.start_time} ({r.duration_seconds}s)")
    stats = runs_r.get_pipeline_run_statistics("orders-daily")
    out.append(
        f"success rate {stats.success_rate:.0%}, p95 duration {stats.duration_p95}s, "
        f"records {stats.total_records_processed}"
    )


def main() -> int:
    lines: list[str] = []
    with ExitStack() as stack:
        endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL")
        if not endpoint:
            endpoint = stack.enter_context(DynamoDBLocal()).endpoint_url
            print(f"started DynamoDB Local at {endpoint}")
        config = DynamoDBConfig(
            endpoint_url=endpoint,
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            table_prefix="quickstart",
        )
        run(config, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
