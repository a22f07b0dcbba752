"""Read models: every field optional, so any projection validates.

A full view has the fields of its domain model (a test keeps them in step); a summary view holds
the few fields a listing needs, and reads fetch only those (the projection is derived from the
view's fields). Unknown attributes are ignored, so a view never fails on a wider item.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from dynamodb_wrapper.core.model import FlexibleView, UTCDateTime
from dynamodb_wrapper.models.domain_models import (
    DataFormat,
    DataQualityResult,
    Environment,
    LogLevel,
    RunStatus,
    StageInfo,
    TableType,
    TriggerType,
)

__all__ = [
    "FlexibleView",
    "PipelineConfigSummary",
    "PipelineConfigView",
    "PipelineRunLogView",
    "PipelineRunSummary",
    "TableConfigSummary",
    "TableConfigView",
]


class PipelineConfigView(FlexibleView):
    """A pipeline configuration, possibly partial."""

    full_item: ClassVar[bool] = True

    pipeline_id: str | None = None
    pipeline_name: str | None = None
    description: str | None = None
    source_type: str | None = None
    source_config: dict[str, Any] | None = None
    destination_type: str | None = None
    destination_config: dict[str, Any] | None = None
    schedule_expression: str | None = None
    is_active: bool | None = None
    environment: Environment | None = None
    version: str | None = None
    config: dict[str, Any] | None = None
    spark_config: dict[str, Any] | None = None
    cpu_cores: int | None = None
    memory_gb: Decimal | None = None
    tags: dict[str, str] | None = None
    created_by: str | None = None
    updated_by: str | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    item_version: int | None = None


class PipelineConfigSummary(FlexibleView):
    """What a pipeline listing shows."""

    pipeline_id: str | None = None
    pipeline_name: str | None = None
    environment: Environment | None = None
    is_active: bool | None = None
    schedule_expression: str | None = None
    updated_at: UTCDateTime | None = None


class TableConfigView(FlexibleView):
    """A table configuration, possibly partial."""

    full_item: ClassVar[bool] = True

    table_id: str | None = None
    pipeline_id: str | None = None
    table_name: str | None = None
    table_type: TableType | None = None
    data_format: DataFormat | None = None
    schema_definition: dict[str, Any] | None = None
    partition_columns: list[str] | None = None
    primary_key_columns: list[str] | None = None
    location: str | None = None
    connection_config: dict[str, Any] | None = None
    read_options: dict[str, Any] | None = None
    write_options: dict[str, Any] | None = None
    validation_rules: dict[str, Any] | None = None
    data_quality_checks: list[dict[str, Any]] | None = None
    caching_enabled: bool | None = None
    cache_level: str | None = None
    retention_days: int | None = None
    archive_after_days: int | None = None
    environment: Environment | None = None
    is_active: bool | None = None
    description: str | None = None
    tags: dict[str, str] | None = None
    last_updated_data: UTCDateTime | None = None
    record_count: int | None = None
    size_bytes: int | None = None
    created_by: str | None = None
    updated_by: str | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    item_version: int | None = None


class TableConfigSummary(FlexibleView):
    """What a table listing shows, with its statistics."""

    table_id: str | None = None
    pipeline_id: str | None = None
    table_name: str | None = None
    table_type: TableType | None = None
    data_format: DataFormat | None = None
    is_active: bool | None = None
    record_count: int | None = None
    size_bytes: int | None = None
    last_updated_data: UTCDateTime | None = None


class PipelineRunLogView(FlexibleView):
    """A pipeline run, possibly partial."""

    full_item: ClassVar[bool] = True

    run_id: str | None = None
    pipeline_id: str | None = None
    status: RunStatus | None = None
    trigger_type: TriggerType | None = None
    start_time: UTCDateTime | None = None
    end_time: UTCDateTime | None = None
    duration_seconds: float | None = None
    stages: list[StageInfo] | None = None
    current_stage: str | None = None
    total_records_processed: int | None = None
    total_records_failed: int | None = None
    input_data_size_bytes: int | None = None
    output_data_size_bytes: int | None = None
    spark_application_id: str | None = None
    cpu_hours: float | None = None
    memory_usage_gb: float | None = None
    data_quality_results: list[DataQualityResult] | None = None
    data_quality_passed: bool | None = None
    error_message: str | None = None
    error_stack_trace: str | None = None
    retry_count: int | None = None
    pipeline_version: str | None = None
    config_snapshot: dict[str, Any] | None = None
    environment: Environment | None = None
    spark_version: str | None = None
    python_version: str | None = None
    input_tables: list[str] | None = None
    output_tables: list[str] | None = None
    log_level: LogLevel | None = None
    log_messages: list[dict[str, Any]] | None = None
    monitoring_urls: dict[str, str] | None = None
    tags: dict[str, str] | None = None
    created_by: str | None = None
    last_heartbeat: UTCDateTime | None = None
    expires_at: int | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None
    item_version: int | None = None


class PipelineRunSummary(FlexibleView):
    """What a run listing shows."""

    run_id: str | None = None
    pipeline_id: str | None = None
    status: RunStatus | None = None
    trigger_type: TriggerType | None = None
    start_time: UTCDateTime | None = None
    end_time: UTCDateTime | None = None
    duration_seconds: float | None = None
    current_stage: str | None = None
    error_message: str | None = None
    retry_count: int | None = None
