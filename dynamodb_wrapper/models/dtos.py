"""Write DTOs: validated, frozen inputs of the write APIs.

Each DTO takes the business fields of its domain (``*Fields`` in ``domain_models.py``) and adds
the business rules of ``shared/DOMAIN.md``. Failures raise ``dynamodb_wrapper.ValidationError``
naming the field. Datetimes must be timezone-aware (naive values are refused, never guessed).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlparse

from croniter import croniter
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator

from dynamodb_wrapper.core.model import StrictModel, UTCDateTime
from dynamodb_wrapper.models.domain_models import (
    PipelineConfigFields,
    PipelineRunLogFields,
    RunStatus,
    StageInfo,
    TableConfigFields,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "PipelineConfigUpsert",
    "PipelineRunLogStatusUpdate",
    "PipelineRunLogUpsert",
    "TableConfigUpsert",
    "WriteDTO",
    "validate_identifier",
]

_ID = re.compile(r"^[A-Za-z0-9._:-]{1,255}$")
_RATE = re.compile(r"^rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_LOCATION_SCHEMES = frozenset(
    {
        "s3",
        "s3a",
        "s3n",
        "gs",
        "abfs",
        "abfss",
        "wasb",
        "wasbs",
        "adl",
        "hdfs",
        "file",
        "dbfs",
        "jdbc",
        "http",
        "https",
        "kafka",
    }
)
SPARK_STORAGE_LEVELS = frozenset(
    {
        "NONE",
        "DISK_ONLY",
        "DISK_ONLY_2",
        "DISK_ONLY_3",
        "MEMORY_ONLY",
        "MEMORY_ONLY_2",
        "MEMORY_ONLY_SER",
        "MEMORY_ONLY_SER_2",
        "MEMORY_AND_DISK",
        "MEMORY_AND_DISK_2",
        "MEMORY_AND_DISK_SER",
        "MEMORY_AND_DISK_SER_2",
        "OFF_HEAP",
    }
)

#: The run status machine: which status may follow which. Terminal statuses have no successor.
ALLOWED_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.PENDING: frozenset({RunStatus.RUNNING, RunStatus.SKIPPED, RunStatus.CANCELLED}),
    RunStatus.RUNNING: frozenset({RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELLED}),
    RunStatus.SUCCESS: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
    RunStatus.SKIPPED: frozenset(),
}


def validate_identifier(value: str) -> str:
    """An id: 1-255 characters of ``[A-Za-z0-9._:-]``."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError("must be 1-255 characters of letters, digits, '.', '_', ':' or '-'")
    return value


Identifier = Annotated[str, AfterValidator(validate_identifier)]
Name = Annotated[str, Field(min_length=1, max_length=255)]


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    expression = value.strip()
    if _RATE.match(expression):
        return expression
    inner = (
        expression[5:-1] if expression.startswith("cron(") and expression.endswith(")") else None
    )
    if inner is not None:
        # AWS EventBridge: 6 fields (min hour day-of-month month day-of-week year), '?' allowed.
        fields = inner.split()
        if len(fields) != 6:
            raise ValueError("cron(...) expressions take 6 fields")
        candidate = " ".join(f.replace("?", "*") for f in fields[:5])
    else:
        candidate = expression
    if not croniter.is_valid(candidate):
        raise ValueError(f"{value!r} is not a valid cron expression")
    return expression


class WriteDTO(StrictModel):
    """Base of write DTOs: frozen, no unknown fields, NaN/infinity refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    def changes(self) -> dict[str, Any]:
        """The fields the caller set explicitly (for partial updates)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class PipelineConfigUpsert(PipelineConfigFields, WriteDTO):
    """Input of ``create_pipeline`` / ``upsert_pipeline``."""

    pipeline_id: Identifier
    pipeline_name: Name
    source_type: Name
    destination_type: Name
    cpu_cores: int | None = Field(default=None, gt=0, le=4096)
    memory_gb: Decimal | None = Field(default=None, gt=0, le=1_000_000)
    version: Annotated[str, Field(min_length=1, max_length=64)] = "1.0.0"

    @field_validator("schedule_expression")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return _check_cron(value)


def _check_location(value: str) -> str:
    if value.startswith("/"):
        return value
    parsed = urlparse(value)
    if parsed.scheme.lower() not in _LOCATION_SCHEMES:
        raise ValueError(
            "must be an absolute path or a URI with one of the schemes "
            + ", ".join(sorted(_LOCATION_SCHEMES))
        )
    if parsed.scheme.lower() == "jdbc":
        # jdbc:<subprotocol>:<details>, e.g. jdbc:postgresql://host/db
        subprotocol, _, details = value[5:].partition(":")
        if not subprotocol or not details:
            raise ValueError("JDBC URLs look like jdbc:<driver>:<details>")
        return value
    if not (parsed.netloc or parsed.path.strip("/")):
        raise ValueError("URI has no bucket, host or path")
    return value


class TableConfigUpsert(TableConfigFields, WriteDTO):
    """Input of ``create_table`` / ``upsert_table``."""

    table_id: Identifier
    pipeline_id: Identifier
    table_name: Name
    location: Annotated[str, AfterValidator(_check_location)]
    retention_days: int | None = Field(default=None, gt=0, le=36500)
    archive_after_days: int | None = Field(default=None, gt=0, le=36500)
    record_count: int | None = Field(default=None, ge=0)
    size_bytes: int | None = Field(default=None, ge=0)

    @field_validator("cache_level")
    @classmethod
    def _storage_level(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in SPARK_STORAGE_LEVELS:
            raise ValueError(
                f"must be a Spark storage level: {', '.join(sorted(SPARK_STORAGE_LEVELS))}"
            )
        return value.upper() if value is not None else None

    @field_validator("archive_after_days")
    @classmethod
    def _retention(cls, value: int | None, info: ValidationInfo) -> int | None:
        retention = info.data.get("retention_days")  # declared before, so already validated
        if value is not None and retention is not None and value >= retention:
            raise ValueError("archive_after_days must be less than retention_days")
        return value


class PipelineRunLogUpsert(PipelineRunLogFields, WriteDTO):
    """Input of ``create_run_log`` / ``upsert_run_log``."""

    run_id: Identifier
    pipeline_id: Identifier
    duration_seconds: float | None = Field(default=None, ge=0)
    retry_count: int = Field(default=0, ge=0)
    total_records_processed: int | None = Field(default=None, ge=0)
    total_records_failed: int | None = Field(default=None, ge=0)
    input_data_size_bytes: int | None = Field(default=None, ge=0)
    output_data_size_bytes: int | None = Field(default=None, ge=0)
    cpu_hours: float | None = Field(default=None, ge=0)
    memory_usage_gb: float | None = Field(default=None, ge=0)
    expires_at: int | None = Field(default=None, gt=0)

    @field_validator("end_time")
    @classmethod
    def _end_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        _check_order(info.data.get("start_time"), value)
        return value

    @field_validator("stages")
    @classmethod
    def _stage_times(cls, stages: list[StageInfo]) -> list[StageInfo]:
        for stage in stages:
            _check_order(stage.start_time, stage.end_time, f"stage {stage.stage_name!r}: ")
        return stages


def _check_order(start: datetime | None, end: datetime | None, prefix: str = "") -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{prefix}end_time must not be before start_time")


class PipelineRunLogStatusUpdate(WriteDTO):
    """Input of a run status change; the transition rules are enforced in the write itself."""

    run_id: Identifier
    status: RunStatus
    error_message: str | None = None
    error_stack_trace: str | None = None
    end_time: UTCDateTime | None = None
    current_stage: str | None = None
