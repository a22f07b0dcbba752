"""A realistic, deterministic data set for ``dynamodb-wrapper demo``.

Everything comes from one ``random.Random(seed)`` and a reference time ``now``: 20 pipelines over
dev/staging/prod with cron schedules, 3 table configs each, and the runs their schedules imply
over the last ``days`` days, with 2-4 stages, about 10 % failures with their errors, retries, and
a few runs still going.

Run ids are ``run-<pipeline>-<n>`` with ``n`` counted from the newest run, so loading the set
again into the same tables replaces the previous demo runs instead of adding to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter

from dynamodb_wrapper import (
    DataQualityResult,
    PipelineConfigUpsert,
    PipelineRunLogUpsert,
    StageInfo,
    TableConfigUpsert,
)

__all__ = ["DemoData", "generate"]


@dataclass(frozen=True)
class _Blueprint:
    stem: str
    name: str
    source_type: str
    destination_type: str
    schedule: str
    minutes: float  # typical duration
    stages: tuple[str, ...]
    volume: int  # typical records per run
    flaky: float  # failure probability


# stem | name | source | destination | cron | minutes | stages | records per run | failure rate
_TABLE = """
orders-ingest         | Orders ingest               | kafka      | delta         | 0 * * * *    |  6 | extract validate load            |    180000 | 0.06
clickstream-sessions  | Clickstream sessionization  | kafka      | s3            | 30 * * * *   | 11 | extract transform load           |   2400000 | 0.12
payments-reconcile    | Payments reconciliation     | postgres   | warehouse     | 15 */4 * * * | 18 | extract validate transform load  |     95000 | 0.18
inventory-snapshot    | Inventory snapshot          | mysql      | delta         | 0 */6 * * *  |  9 | extract load                     |     40000 | 0.04
fraud-features        | Fraud feature store         | delta      | feature-store | 45 */4 * * * | 24 | extract transform publish        |    600000 | 0.09
shipping-events       | Carrier shipping events     | api        | delta         | 10 */6 * * * |  7 | ingest dedupe load               |     75000 | 0.22
customers-sync        | Customer 360 sync           | salesforce | warehouse     | 30 2 * * *   | 35 | extract validate transform load  |   1200000 | 0.08
finance-ledger        | General ledger close        | postgres   | warehouse     | 0 3 * * *    | 48 | extract validate transform load  |    350000 | 0.05
marketing-attribution | Marketing attribution       | s3         | warehouse     | 0 5 * * *    | 42 | extract transform load           |    900000 | 0.12
product-catalog       | Product catalog publish     | postgres   | elasticsearch | 20 */6 * * * | 12 | extract transform publish        |     60000 | 0.03
support-tickets       | Support tickets             | api        | warehouse     | 0 4 * * *    | 14 | ingest load                      |     20000 | 0.15
ad-spend              | Ad spend import             | api        | s3            | 0 7 * * *    |  8 | ingest validate load             |     15000 | 0.20
churn-scores          | Churn model scoring         | delta      | warehouse     | 30 6 * * *   | 55 | extract transform score load     |   2000000 | 0.07
search-logs           | Search log rollup           | s3         | delta         | 0 1 * * *    | 26 | extract transform load           |   5000000 | 0.06
currency-rates        | Currency rates              | api        | postgres      | 5 */6 * * *  |  2 | ingest load                      |       400 | 0.10
email-campaigns       | Email campaign events       | s3         | delta         | 0 8 * * *    | 17 | extract dedupe load              |    450000 | 0.08
returns-analytics     | Returns analytics           | delta      | warehouse     | 0 9 * * *    | 21 | extract transform load           |     70000 | 0.05
gdpr-erasure          | GDPR erasure requests       | postgres   | delta         | 0 0 * * *    | 31 | extract validate load            |      3000 | 0.04
partner-feeds         | Partner product feeds       | sftp       | s3            | 0 10 * * *   |  9 | ingest validate                  |    120000 | 0.10
warehouse-costs       | Warehouse cost report       | api        | postgres      | 0 11 * * *   |  5 | ingest transform                 |      2500 | 0.04
"""  # noqa: E501

BLUEPRINTS = tuple(
    _Blueprint(
        stem=stem,
        name=name,
        source_type=source,
        destination_type=destination,
        schedule=cron,
        minutes=float(minutes),
        stages=tuple(stages.split()),
        volume=int(volume),
        flaky=float(flaky),
    )
    for stem, name, source, destination, cron, minutes, stages, volume, flaky in (
        (cell.strip() for cell in row.split("|")) for row in _TABLE.strip().splitlines()
    )
)

#: Pipelines generated inactive (no runs): the last few blueprints.
INACTIVE = frozenset({"partner-feeds", "warehouse-costs", "gdpr-erasure"})
ENVIRONMENTS = ("prod", "staging", "dev")

ERRORS: dict[str, tuple[str, ...]] = {
    "extract": (
        "S3 GetObject failed: 503 Slow Down (retries exhausted)",
        "Kafka consumer lag exceeded 5000000 messages; aborting batch",
        "JDBC connection refused: db-replica-2:5432 (Connection timed out)",
        "Source file s3://acme-landing/orders/_SUCCESS not found after 30 min",
    ),
    "ingest": (
        "HTTP 429 Too Many Requests from partner API after 8 retries",
        "OAuth token expired and refresh failed: invalid_grant",
        "SFTP listing timed out after 300 s",
    ),
    "validate": (
        "Data quality check not_null(order_id) failed: 1,284 null values",
        "Schema drift: unexpected column 'discount_code' (string)",
        "Row count dropped 62% versus 7-day average (threshold 40%)",
    ),
    "transform": (
        "java.lang.OutOfMemoryError: GC overhead limit exceeded (executor 14)",
        "SparkException: Job aborted due to stage failure: Task 212 failed 4 times",
        "AnalysisException: cannot resolve 'customer_tier' given input columns",
    ),
    "dedupe": ("Duplicate key violation on (event_id) in 37 partitions",),
    "score": ("Model artifact churn-v14 not found in registry",),
    "load": (
        "Delta commit conflict: ConcurrentAppendException on partition event_date=today",
        "Warehouse COPY failed: disk quota exceeded on schema ANALYTICS",
        "Snowflake session terminated: statement timeout (3600 s)",
    ),
    "publish": ("Elasticsearch bulk index rejected 1,920 documents: es_rejected_execution",),
}


@dataclass
class DemoData:
    """The generated items, ready for ``upsert_many``."""

    pipelines: list[PipelineConfigUpsert] = field(default_factory=list)
    tables: list[TableConfigUpsert] = field(default_factory=list)
    runs: list[PipelineRunLogUpsert] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.pipelines) + len(self.tables) + len(self.runs)


def _location(rng: random.Random, kind: str, env: str, stem: str) -> tuple[str, str]:
    """``(location, data_format)`` for a source or destination of type ``kind``."""
    table = stem.replace("-", "_")
    if kind == "kafka":
        return f"kafka://broker-{rng.randint(1, 3)}.{env}.acme.internal:9092/{stem}", "avro"
    if kind in ("postgres", "mysql"):
        port = 5432 if kind == "postgres" else 3306
        return f"jdbc:{kind}://{kind}-{env}.acme.internal:{port}/{table}", "csv"
    if kind in ("api", "salesforce", "elasticsearch", "feature-store"):
        return f"https://{kind}.{env}.acme.internal/v2/{stem}", "json"
    if kind == "sftp":
        return f"/mnt/sftp/{env}/{stem}/incoming", "csv"
    if kind == "warehouse":
        return f"jdbc:snowflake://acme-{env}.snowflakecomputing.com/ANALYTICS/{table}", "parquet"
    if kind == "delta":
        return f"s3://acme-lake-{env}/silver/{table}/", "delta"
    return f"s3://acme-raw-{env}/{stem}/", rng.choice(("parquet", "json"))


def _pipelines(rng: random.Random) -> list[PipelineConfigUpsert]:
    pipelines = []
    for i, bp in enumerate(BLUEPRINTS):
        env = ENVIRONMENTS[i % 3] if i < 6 else rng.choices(ENVIRONMENTS, (5, 3, 2))[0]
        pipelines.append(
            PipelineConfigUpsert(
                pipeline_id=f"{bp.stem}-{env}",
                pipeline_name=bp.name,
                description=f"{bp.name}: {bp.source_type} to {bp.destination_type} ({env})",
                source_type=bp.source_type,
                source_config={"batch_size": rng.choice((500, 1000, 5000)), "format": "auto"},
                destination_type=bp.destination_type,
                destination_config={"mode": rng.choice(("append", "merge", "overwrite"))},
                schedule_expression=bp.schedule,
                is_active=bp.stem not in INACTIVE,
                environment=env,
                version=f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
                config={"owner_team": rng.choice(("data-platform", "analytics", "finance-eng"))},
                spark_config={
                    "spark.executor.memory": rng.choice(("4g", "8g", "16g")),
                    "spark.sql.shuffle.partitions": rng.choice((64, 200, 400)),
                },
                cpu_cores=rng.choice((2, 4, 8, 16)),
                memory_gb=rng.choice(("8", "16", "32", "61.5")),
                tags={
                    "team": rng.choice(("data-platform", "analytics", "finance-eng")),
                    "tier": rng.choice(("gold", "silver", "bronze")),
                },
                created_by=rng.choice(("alice", "bob", "chen", "dana")),
            )
        )
    return pipelines


def _tables(rng: random.Random, pipelines: list[PipelineConfigUpsert]) -> list[TableConfigUpsert]:
    tables = []
    for pipeline, bp in zip(pipelines, BLUEPRINTS, strict=True):
        env = pipeline.environment.value
        table = bp.stem.replace("-", "_")
        src_location, src_format = _location(rng, bp.source_type, env, bp.stem)
        dst_location, dst_format = _location(rng, bp.destination_type, env, bp.stem)
        third = rng.choice(("lookup", "intermediate", "source"))
        if third == "lookup":
            extra_location, extra_format = f"/mnt/reference/{env}/{table}_codes.csv", "csv"
        elif third == "intermediate":
            extra_location, extra_format = f"s3://acme-tmp-{env}/{table}/staging/", "parquet"
        else:
            extra_location, extra_format = f"s3://acme-raw-{env}/{bp.stem}-history/", "json"
        specs = (
            ("source", f"raw_{table}", src_location, src_format),
            ("destination", table, dst_location, dst_format),
            (third, f"{table}_{third}", extra_location, extra_format),
        )
        for table_type, name, location, data_format in specs:
            retention = rng.choice((None, 30, 90, 365))
            tables.append(
                TableConfigUpsert(
                    table_id=f"{pipeline.pipeline_id}.{name}",
                    pipeline_id=pipeline.pipeline_id,
                    table_name=name,
                    table_type=table_type,
                    data_format=data_format,
                    location=location,
                    schema_definition={
                        "columns": [
                            {"name": "id", "type": "string"},
                            {"name": "event_date", "type": "date"},
                            {"name": "amount", "type": "decimal(18,2)"},
                        ]
                    },
                    partition_columns=["event_date"] if table_type != "lookup" else [],
                    primary_key_columns=["id"],
                    read_options={"header": True} if data_format == "csv" else {},
                    write_options={"mergeSchema": True} if data_format == "delta" else {},
                    data_quality_checks=[{"check": "not_null", "column": "id"}],
                    caching_enabled=table_type == "lookup",
                    cache_level="MEMORY_ONLY" if table_type == "lookup" else None,
                    retention_days=retention,
                    archive_after_days=retention // 3 if retention else None,
                    environment=env,
                    is_active=pipeline.is_active,
                    description=f"{table_type} of {pipeline.pipeline_name}",
                    tags={"domain": bp.stem.split("-")[0]},
                    record_count=rng.randint(bp.volume, bp.volume * 400),
                    size_bytes=rng.randint(10**6, 5 * 10**11),
                    created_by=pipeline.created_by,
                )
            )
    return tables


def _stages(
    rng: random.Random,
    names: tuple[str, ...],
    start: datetime,
    duration: float,
    records: int,
    fail_at: int | None,
    running_at: int | None,
    error: str | None,
) -> list[StageInfo]:
    """Stages splitting ``duration``; stop at the failing or running stage."""
    weights = [rng.uniform(0.5, 2.0) for _ in names]
    scale = duration / sum(weights)
    stages = []
    moment = start
    for index, name in enumerate(names):
        length = weights[index] * scale
        if running_at is not None and index == running_at:
            stages.append(StageInfo(stage_name=name, status="running", start_time=moment))
            break
        failed = fail_at is not None and index == fail_at
        end = moment + timedelta(seconds=length)
        stages.append(
            StageInfo(
                stage_name=name,
                status="failed" if failed else "success",
                start_time=moment,
                end_time=end,
                duration_seconds=round(length, 3),
                records_processed=records if not failed else rng.randint(0, records),
                error_message=error if failed else None,
            )
        )
        if failed:
            break
        moment = end
    return stages


@dataclass
class _RunPlan:
    start: datetime
    trigger: str
    retry_count: int = 0
    still_running: bool = False


def _runs_of(
    rng: random.Random,
    pipeline: PipelineConfigUpsert,
    bp: _Blueprint,
    tables: list[str],
    now: datetime,
    days: int,
    keep_running: bool,
) -> list[PipelineRunLogUpsert]:
    window = now - timedelta(days=days)
    schedule = croniter(bp.schedule, window)
    plans: list[_RunPlan] = []
    while True:
        moment: datetime = schedule.get_next(datetime)
        if moment > now:
            break
        plans.append(_RunPlan(moment + timedelta(seconds=rng.uniform(0, 90)), "schedule"))
    if keep_running:  # someone re-ran it by hand a few minutes ago
        started = now - timedelta(minutes=rng.uniform(0.2, 0.8) * bp.minutes)
        plans.append(_RunPlan(started, "manual", still_running=True))
    runs: list[dict[str, Any]] = []
    pending = list(reversed(plans))
    while pending:
        plan = pending.pop()
        duration = bp.minutes * 60 * rng.lognormvariate(0, 0.3)
        if rng.random() < 0.04:
            duration *= rng.uniform(2, 4)  # the slow tail p95 is about
        records = int(bp.volume * rng.lognormvariate(0, 0.4))
        if plan.still_running:
            duration = max(duration, (now - plan.start).total_seconds() * 1.5)
        failed = rng.random() < (bp.flaky if plan.retry_count == 0 else 0.3)
        failed = failed and not plan.still_running
        fail_at = rng.randrange(len(bp.stages)) if failed else None
        if fail_at is not None:
            duration *= (fail_at + rng.uniform(0.2, 0.9)) / len(bp.stages)
        end = plan.start + timedelta(seconds=duration)
        running = end > now
        error = rng.choice(ERRORS[bp.stages[fail_at]]) if fail_at is not None else None
        running_at = None
        if running:
            elapsed = (now - plan.start).total_seconds()
            running_at = min(int(elapsed / duration * len(bp.stages)), len(bp.stages) - 1)
            fail_at, error = None, None
        stages = _stages(rng, bp.stages, plan.start, duration, records, fail_at, running_at, error)
        app_id = f"application_{int(plan.start.timestamp())}_{rng.randint(1, 9999):04d}"
        run: dict[str, Any] = {
            "pipeline_id": pipeline.pipeline_id,
            "trigger_type": plan.trigger,
            "start_time": plan.start,
            "stages": stages,
            "current_stage": stages[-1].stage_name,
            "retry_count": plan.retry_count,
            "spark_application_id": app_id,
            "environment": pipeline.environment,
            "pipeline_version": pipeline.version,
            "spark_version": "3.5.1",
            "python_version": "3.11.9",
            "input_tables": tables[:1] + tables[2:],
            "output_tables": tables[1:2],
            "monitoring_urls": {
                "spark_ui": f"https://spark-history.{pipeline.environment.value}.acme.internal"
                f"/history/{app_id}"
            },
            "tags": {"team": pipeline.tags.get("team", "")},
            "created_by": "scheduler" if plan.trigger == "schedule" else "oncall",
            "input_data_size_bytes": records * rng.randint(200, 900),
        }
        if "validate" in bp.stages:
            passed = not (fail_at is not None and bp.stages[fail_at] == "validate")
            run["data_quality_results"] = [
                DataQualityResult(check_name="not_null(id)", passed=passed, actual_value=0),
                DataQualityResult(check_name="row_count > 0", passed=True, actual_value=records),
            ]
            run["data_quality_passed"] = passed
        if running:
            run["status"] = "running"
        else:
            hours = duration / 3600
            run.update(
                status="failed" if fail_at is not None else "success",
                end_time=end,
                duration_seconds=round(duration, 3),
                total_records_processed=records if fail_at is None else records // 3,
                total_records_failed=0
                if fail_at is None
                else rng.randint(1, max(1, records // 50)),
                output_data_size_bytes=records * rng.randint(80, 400),
                cpu_hours=round(hours * (pipeline.cpu_cores or 4) * rng.uniform(0.5, 0.95), 3),
                memory_usage_gb=round(float(pipeline.memory_gb or 8) * rng.uniform(0.4, 0.9), 2),
                log_level="error" if fail_at is not None else "info",
            )
            if fail_at is not None:
                run["error_message"] = error
                run["error_stack_trace"] = (
                    f'Traceback (most recent call last):\n  File "jobs/{bp.stem}.py", '
                    f"line {rng.randint(40, 400)}, in {bp.stages[fail_at]}\n{error}"
                )
                retry_at = end + timedelta(minutes=rng.uniform(3, 15))
                if plan.retry_count < 2 and rng.random() < 0.6 and retry_at < now:
                    pending.append(_RunPlan(retry_at, plan.trigger, plan.retry_count + 1))
                    pending.sort(key=lambda p: p.start, reverse=True)
        runs.append(run)
    runs.sort(key=lambda r: r["start_time"], reverse=True)
    return [
        PipelineRunLogUpsert(run_id=f"run-{pipeline.pipeline_id}-{n:05d}", **run)
        for n, run in enumerate(runs)
    ]


def generate(seed: int, now: datetime, days: int) -> DemoData:
    """The demo data set for ``seed``, with runs over the ``days`` days before ``now``."""
    rng = random.Random(seed)
    data = DemoData()
    data.pipelines = _pipelines(rng)
    data.tables = _tables(rng, data.pipelines)
    tables_of: dict[str, list[str]] = {}
    for table in data.tables:
        tables_of.setdefault(table.pipeline_id, []).append(table.table_id)
    long_jobs = [
        p.pipeline_id
        for p, bp in zip(data.pipelines, BLUEPRINTS, strict=True)
        if p.is_active and bp.minutes >= 10
    ]
    running = set(rng.sample(long_jobs, k=min(3, len(long_jobs))))
    for pipeline, bp in zip(data.pipelines, BLUEPRINTS, strict=True):
        if not pipeline.is_active:
            continue
        data.runs.extend(
            _runs_of(
                rng,
                pipeline,
                bp,
                tables_of[pipeline.pipeline_id],
                now,
                days,
                pipeline.pipeline_id in running,
            )
        )
    return data
