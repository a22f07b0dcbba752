"""Domain models of the three tables, each with its ``Meta`` (the single source of truth).

Each domain has a ``*Fields`` base holding its business fields. The table model adds the
timestamps and ``Meta``; the write DTO (``models/dtos.py``) adds the business rules. So a field is
declared once, and the DTO can never drift from what the table stores.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from dynamodb_wrapper.core.model import DynamoModel, StrictModel, UTCDateTime
from dynamodb_wrapper.core.timeutils import utc_now

__all__ = [
    "Identifier",
    "validate_identifier",
    "DataFormat",
    "DataQualityResult",
    "Environment",
    "LogLevel",
    "PipelineConfig",
    "PipelineConfigFields",
    "PipelineRunLog",
    "PipelineRunLogFields",
    "RunStatus",
    "StageInfo",
    "TableConfig",
    "TableConfigFields",
    "TableType",
    "TimestampedModel",
    "TriggerType",
    "VersionedModel",
]


_ID = re.compile(r"[A-Za-z0-9._:-]{1,255}")


def validate_identifier(value: str) -> str:
    """An id: 1-255 characters of ``[A-Za-z0-9._:-]``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError("must be 1-255 characters of letters, digits, '.', '_', ':' or '-'")
    return value


#: The ids of the three domains (pipeline, table and run ids).
Identifier = Annotated[str, AfterValidator(validate_identifier)]


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class TableType(StrEnum):
    SOURCE = "source"
    DESTINATION = "destination"
    LOOKUP = "lookup"
    INTERMEDIATE = "intermediate"


class DataFormat(StrEnum):
    PARQUET = "parquet"
    JSON = "json"
    CSV = "csv"
    AVRO = "avro"
    DELTA = "delta"


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.SKIPPED})


class TriggerType(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    EVENT = "event"
    API = "api"
    BACKFILL = "backfill"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class _Nested(StrictModel):
    """Nested value models: strict, and their errors are the library's ValidationError."""


class StageInfo(_Nested):
    """One stage of a pipeline run."""

    #: Identifies a stage among a run's stages (a write replacing the list keeps each stored
    #: stage's unknown keys on the stage of the same name).
    element_key: ClassVar[str] = "stage_name"

    stage_name: str
    status: RunStatus
    start_time: UTCDateTime | None = None
    end_time: UTCDateTime | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    records_processed: int | None = Field(default=None, ge=0)
    error_message: str | None = None

    @field_validator("end_time")
    @classmethod
    def _end_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_time")
        if value is not None and start is not None and value < start:
            raise ValueError("a stage's end_time must not be before its start_time")
        return value


class DataQualityResult(_Nested):
    """The outcome of one data-quality check."""

    element_key: ClassVar[str] = "check_name"

    check_name: str
    passed: bool
    expected_value: Any = None
    actual_value: Any = None
    error_message: str | None = None


class TimestampedModel(DynamoModel):
    """A table model with ``created_at`` / ``updated_at`` (aware UTC), kept by the write APIs."""

    created_at: UTCDateTime = Field(default_factory=utc_now)
    updated_at: UTCDateTime = Field(default_factory=utc_now)


class VersionedModel(TimestampedModel):
    """A timestamped model with ``item_version`` for optimistic locking.

    Declare ``version_attribute = "item_version"`` in ``Meta``: the write APIs then start it at
    1, add one on every write, and accept ``expected_version=`` on updates and deletes.
    """

    item_version: int = Field(default=0, ge=0)


# --------------------------------------------------------------------------- pipeline config


class PipelineConfigFields(BaseModel):
    """Business fields of a pipeline configuration."""

    # Only a base of the model and DTO classes, which build their own validators (on first use).
    model_config = ConfigDict(defer_build=True)

    pipeline_id: Identifier
    pipeline_name: str
    description: str | None = None
    source_type: str
    source_config: dict[str, Any] = Field(default_factory=dict)
    destination_type: str
    destination_config: dict[str, Any] = Field(default_factory=dict)
    schedule_expression: str | None = None
    is_active: bool = True
    environment: Environment = Environment.DEV
    version: str = "1.0.0"
    config: dict[str, Any] = Field(default_factory=dict)
    spark_config: dict[str, Any] = Field(default_factory=dict)
    cpu_cores: int | None = None
    memory_gb: Decimal | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    created_by: str | None = None
    updated_by: str | None = None


class PipelineConfig(PipelineConfigFields, VersionedModel):
    """A pipeline configuration (table ``pipeline_config``)."""

    class Meta:
        table_name = "pipeline_config"
        partition_key = "pipeline_id"
        sort_key = None
        gsis = [
            {
                "name": "ActivePipelinesIndex",
                "partition_key": "is_active",
                "sort_key": "updated_at",
            },
            {"name": "EnvironmentIndex", "partition_key": "environment", "sort_key": "created_at"},
        ]
        version_attribute = "item_version"


# --------------------------------------------------------------------------- table config


class TableConfigFields(BaseModel):
    """Business fields of a table configuration."""

    # Only a base of the model and DTO classes, which build their own validators (on first use).
    model_config = ConfigDict(defer_build=True)

    table_id: Identifier
    pipeline_id: Identifier
    table_name: str
    table_type: TableType
    data_format: DataFormat
    schema_definition: dict[str, Any] = Field(default_factory=dict)
    partition_columns: list[str] = Field(default_factory=list)
    primary_key_columns: list[str] = Field(default_factory=list)
    location: str
    connection_config: dict[str, Any] = Field(default_factory=dict)
    read_options: dict[str, Any] = Field(default_factory=dict)
    write_options: dict[str, Any] = Field(default_factory=dict)
    validation_rules: dict[str, Any] = Field(default_factory=dict)
    data_quality_checks: list[dict[str, Any]] = Field(default_factory=list)
    caching_enabled: bool = False
    cache_level: str | None = None
    retention_days: int | None = None
    archive_after_days: int | None = None
    environment: Environment = Environment.DEV
    is_active: bool = True
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    last_updated_data: UTCDateTime | None = None
    record_count: int | None = None
    size_bytes: int | None = None
    created_by: str | None = None
    updated_by: str | None = None


class TableConfig(TableConfigFields, VersionedModel):
    """A table configuration (table ``table_config``)."""

    class Meta:
        table_name = "table_config"
        partition_key = "table_id"
        sort_key = None
        gsis = [
            {
                "name": "PipelineTablesIndex",
                "partition_key": "pipeline_id",
                "sort_key": "table_type",
            },
            {"name": "TableTypeIndex", "partition_key": "table_type", "sort_key": "pipeline_id"},
        ]
        version_attribute = "item_version"


# --------------------------------------------------------------------------- run logs


class PipelineRunLogFields(BaseModel):
    """Business fields of a pipeline run log."""

    # Only a base of the model and DTO classes, which build their own validators (on first use).
    model_config = ConfigDict(defer_build=True)

    run_id: Identifier
    pipeline_id: Identifier
    status: RunStatus = RunStatus.PENDING
    trigger_type: TriggerType = TriggerType.MANUAL
    start_time: UTCDateTime
    end_time: UTCDateTime | None = None
    duration_seconds: float | None = None
    stages: list[StageInfo] = Field(default_factory=list)
    current_stage: str | None = None
    total_records_processed: int | None = None
    total_records_failed: int | None = None
    input_data_size_bytes: int | None = None
    output_data_size_bytes: int | None = None
    spark_application_id: str | None = None
    cpu_hours: float | None = None
    memory_usage_gb: float | None = None
    data_quality_results: list[DataQualityResult] = Field(default_factory=list)
    data_quality_passed: bool = True
    error_message: str | None = None
    error_stack_trace: str | None = None
    retry_count: int = 0
    pipeline_version: str | None = None
    config_snapshot: dict[str, Any] = Field(default_factory=dict)
    environment: Environment = Environment.DEV
    spark_version: str | None = None
    python_version: str | None = None
    input_tables: list[str] = Field(default_factory=list)
    output_tables: list[str] = Field(default_factory=list)
    log_level: LogLevel = LogLevel.INFO
    log_messages: list[dict[str, Any]] = Field(default_factory=list)
    monitoring_urls: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    created_by: str | None = None
    last_heartbeat: UTCDateTime | None = None
    expires_at: int | None = None


class PipelineRunLog(PipelineRunLogFields, VersionedModel):
    """One run of a pipeline (table ``pipeline_run_logs``); ``expires_at`` is the TTL."""

    class Meta:
        table_name = "pipeline_run_logs"
        partition_key = "run_id"
        sort_key = None
        gsis = [
            {"name": "PipelineRunsIndex", "partition_key": "pipeline_id", "sort_key": "start_time"},
            {"name": "StatusRunsIndex", "partition_key": "status", "sort_key": "start_time"},
        ]
        ttl_attribute = "expires_at"
        version_attribute = "item_version"


#: The library's table models, provisioned by ``ensure_tables(config)``.
DOMAIN_MODELS = (PipelineConfig, TableConfig, PipelineRunLog)
