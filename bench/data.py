"""Deterministic benchmark data: pipeline configs and run logs, as plain field dicts.

Every contender is fed the *same* logical records, each in its own natural input form, built
before the timed section:

* ``dynamodb_wrapper``: write DTOs (``PipelineConfigUpsert`` / ``PipelineRunLogUpsert``);
* raw botocore client: pre-built wire items (``{"S": ...}``), the floor;
* boto3 resource ``Table``: plain Python dicts (``Decimal`` numbers, as boto3 requires);
* PynamoDB: model instances.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "BASE_TIME",
    "pipeline_config_fields",
    "run_log_fields",
    "stamp",
    "wire_to_python",
]

#: All generated timestamps are offsets from this instant (aware UTC).
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)

_SOURCES = ("s3", "kafka", "postgres", "api")
_DESTS = ("warehouse", "s3", "delta", "elastic")
_STAGES = ("extract", "validate", "transform", "enrich", "load")
_STATUSES = ("success", "success", "success", "failed", "running")
_TRIGGERS = ("schedule", "manual", "event", "api", "backfill")


def pipeline_config_fields(pipeline_id: str, seed: int) -> dict[str, Any]:
    """Business fields of one realistic pipeline configuration (``PipelineConfigUpsert``)."""
    rng = random.Random(seed)
    source = _SOURCES[seed % len(_SOURCES)]
    dest = _DESTS[seed % len(_DESTS)]
    return {
        "pipeline_id": pipeline_id,
        "pipeline_name": f"Pipeline {pipeline_id}",
        "description": f"Moves {source} data into the {dest} every night (bench record {seed}).",
        "source_type": source,
        "source_config": {
            "bucket": f"raw-{seed % 7}",
            "prefix": f"landing/{pipeline_id}/",
            "format": "parquet",
            "partitions": rng.randint(1, 64),
        },
        "destination_type": dest,
        "destination_config": {"database": "analytics", "table": f"t_{seed}", "mode": "merge"},
        "schedule_expression": "cron(0 2 * * ? *)" if seed % 2 else "rate(1 hour)",
        "is_active": seed % 5 != 0,
        "environment": ("dev", "staging", "prod")[seed % 3],
        "version": f"1.{seed % 10}.0",
        "config": {"retries": 3, "alert_email": "data@example.com"},
        "spark_config": {"spark.executor.memory": "4g", "spark.executor.cores": "2"},
        "cpu_cores": 1 + seed % 16,
        "memory_gb": Decimal(f"{1 + seed % 32}.5"),
        "tags": {"team": f"team-{seed % 4}", "tier": "gold"},
        "created_by": "bench",
    }


def run_log_fields(run_id: str, pipeline_id: str, seed: int) -> dict[str, Any]:
    """Business fields of one run log with 3-5 stages, 1.1-1.5 KB on the wire (so a 1,000-item
    query page is about 1 MB)."""
    rng = random.Random(seed)
    start = BASE_TIME + timedelta(seconds=seed)
    status = _STATUSES[seed % len(_STATUSES)]
    stages: list[dict[str, Any]] = []
    clock = start
    for name in _STAGES[: 3 + seed % 3]:
        took = rng.randint(5, 600)
        stages.append(
            {
                "stage_name": name,
                "status": "success",
                "duration_seconds": float(took),
                "records_processed": rng.randint(1_000, 5_000_000),
            }
        )
        clock += timedelta(seconds=took)
    fields: dict[str, Any] = {
        "run_id": run_id,
        "pipeline_id": pipeline_id,
        "status": status,
        "trigger_type": _TRIGGERS[seed % len(_TRIGGERS)],
        "start_time": start,
        "stages": stages,
        "current_stage": stages[-1]["stage_name"],
        "total_records_processed": sum(s["records_processed"] for s in stages),
        "total_records_failed": rng.randint(0, 100),
        "data_quality_passed": status != "failed",
        "retry_count": seed % 3,
        "environment": ("dev", "staging", "prod")[seed % 3],
        "tags": {"team": f"team-{seed % 4}"},
        "expires_at": 1_900_000_000 + seed,
    }
    if status == "running":
        stages[-1]["status"] = "running"
        del stages[-1]["duration_seconds"]
    else:
        fields["end_time"] = clock
        fields["duration_seconds"] = (clock - start).total_seconds()
    if status == "failed":
        stages[-1]["status"] = "failed"
        stages[-1]["error_message"] = "upstream file missing"
        fields["error_message"] = "stage failed: upstream file missing"
    return fields


def stamp(fields: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """``fields`` plus what the write APIs add: ``created_at``/``updated_at`` and version 1."""
    moment = now or datetime.now(UTC)
    return {**fields, "created_at": moment, "updated_at": moment, "item_version": 1}


def wire_to_python(item: dict[str, Any]) -> dict[str, Any]:
    """A wire item as boto3's resource layer takes it (``Decimal`` numbers, plain containers)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}
