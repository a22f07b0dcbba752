"""PynamoDB 6.1 models equivalent to ``PipelineConfig`` and ``PipelineRunLog`` (bench only).

Same attributes, same keys and the same GSIs (names included) as the library's models; nested
stages and data-quality results are typed ``MapAttribute`` s in ``ListAttribute`` s, datetimes are
``UTCDateTimeAttribute`` s. As in the library, the boolean GSI key ``is_active`` is stored as the
string ``"true"``/``"false"`` (DynamoDB keys cannot be ``BOOL``).

The classes are built by :func:`build_models` because the endpoint (``Meta.host``) and the table
names are only known at run time. Importing this module imports PynamoDB and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

__all__ = ["PynamoModels", "build_models", "client_of", "config_model", "run_log_model"]


class StageMap(MapAttribute):  # type: ignore[type-arg]
    stage_name = UnicodeAttribute()
    status = UnicodeAttribute()
    start_time = UTCDateTimeAttribute(null=True)
    end_time = UTCDateTimeAttribute(null=True)
    duration_seconds = NumberAttribute(null=True)
    records_processed = NumberAttribute(null=True)
    error_message = UnicodeAttribute(null=True)


class DataQualityMap(MapAttribute):  # type: ignore[type-arg]
    check_name = UnicodeAttribute()
    passed = BooleanAttribute()
    expected_value = NumberAttribute(null=True)
    actual_value = NumberAttribute(null=True)
    error_message = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class PynamoModels:
    """The two model classes bound to one endpoint and one table prefix."""

    PipelineConfig: Any
    PipelineRunLog: Any


def build_models(
    host: str,
    config_table: str,
    run_log_table: str,
    region: str = "us-east-1",
    access_key: str = "bench",
    secret_key: str = "bench",
) -> PynamoModels:
    """Model classes pointed at ``host`` with the given physical table names."""

    class _Meta:
        billing_mode = "PAY_PER_REQUEST"

    _Meta.host = host  # type: ignore[attr-defined]
    _Meta.region = region  # type: ignore[attr-defined]
    _Meta.aws_access_key_id = access_key  # type: ignore[attr-defined]
    _Meta.aws_secret_access_key = secret_key  # type: ignore[attr-defined]

    class ActivePipelinesIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
        class Meta:
            index_name = "ActivePipelinesIndex"
            projection = AllProjection()

        is_active = UnicodeAttribute(hash_key=True)
        updated_at = UTCDateTimeAttribute(range_key=True)

    class EnvironmentIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
        class Meta:
            index_name = "EnvironmentIndex"
            projection = AllProjection()

        environment = UnicodeAttribute(hash_key=True)
        created_at = UTCDateTimeAttribute(range_key=True)

    class PipelineConfig(Model):
        class Meta(_Meta):
            table_name = config_table

        pipeline_id = UnicodeAttribute(hash_key=True)
        pipeline_name = UnicodeAttribute()
        description = UnicodeAttribute(null=True)
        source_type = UnicodeAttribute()
        source_config = MapAttribute(default=dict)  # type: ignore[var-annotated]
        destination_type = UnicodeAttribute()
        destination_config = MapAttribute(default=dict)  # type: ignore[var-annotated]
        schedule_expression = UnicodeAttribute(null=True)
        is_active = UnicodeAttribute(default="true")  # GSI key: "true"/"false"
        environment = UnicodeAttribute(default="dev")
        version = UnicodeAttribute(default="1.0.0")
        config = MapAttribute(default=dict)  # type: ignore[var-annotated]
        spark_config = MapAttribute(default=dict)  # type: ignore[var-annotated]
        cpu_cores = NumberAttribute(null=True)
        memory_gb = NumberAttribute(null=True)
        tags = MapAttribute(default=dict)  # type: ignore[var-annotated]
        created_by = UnicodeAttribute(null=True)
        updated_by = UnicodeAttribute(null=True)
        created_at = UTCDateTimeAttribute()
        updated_at = UTCDateTimeAttribute()
        item_version = NumberAttribute(default=1)

        active_index = ActivePipelinesIndex()
        environment_index = EnvironmentIndex()

    class PipelineRunsIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
        class Meta:
            index_name = "PipelineRunsIndex"
            projection = AllProjection()

        pipeline_id = UnicodeAttribute(hash_key=True)
        start_time = UTCDateTimeAttribute(range_key=True)

    class StatusRunsIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
        class Meta:
            index_name = "StatusRunsIndex"
            projection = AllProjection()

        status = UnicodeAttribute(hash_key=True)
        start_time = UTCDateTimeAttribute(range_key=True)

    class PipelineRunLog(Model):
        class Meta(_Meta):
            table_name = run_log_table

        run_id = UnicodeAttribute(hash_key=True)
        pipeline_id = UnicodeAttribute()
        status = UnicodeAttribute(default="pending")
        trigger_type = UnicodeAttribute(default="manual")
        start_time = UTCDateTimeAttribute()
        end_time = UTCDateTimeAttribute(null=True)
        duration_seconds = NumberAttribute(null=True)
        stages = ListAttribute(of=StageMap, default=list)  # type: ignore[var-annotated]
        current_stage = UnicodeAttribute(null=True)
        total_records_processed = NumberAttribute(null=True)
        total_records_failed = NumberAttribute(null=True)
        input_data_size_bytes = NumberAttribute(null=True)
        output_data_size_bytes = NumberAttribute(null=True)
        spark_application_id = UnicodeAttribute(null=True)
        cpu_hours = NumberAttribute(null=True)
        memory_usage_gb = NumberAttribute(null=True)
        data_quality_results = ListAttribute(  # type: ignore[var-annotated]
            of=DataQualityMap, default=list
        )
        data_quality_passed = BooleanAttribute(default=True)
        error_message = UnicodeAttribute(null=True)
        error_stack_trace = UnicodeAttribute(null=True)
        retry_count = NumberAttribute(default=0)
        pipeline_version = UnicodeAttribute(null=True)
        config_snapshot = MapAttribute(default=dict)  # type: ignore[var-annotated]
        environment = UnicodeAttribute(default="dev")
        spark_version = UnicodeAttribute(null=True)
        python_version = UnicodeAttribute(null=True)
        input_tables = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
        output_tables = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
        log_level = UnicodeAttribute(default="info")
        log_messages = ListAttribute(default=list)  # type: ignore[var-annotated]
        monitoring_urls = MapAttribute(default=dict)  # type: ignore[var-annotated]
        tags = MapAttribute(default=dict)  # type: ignore[var-annotated]
        created_by = UnicodeAttribute(null=True)
        last_heartbeat = UTCDateTimeAttribute(null=True)
        expires_at = NumberAttribute(null=True)  # TTL attribute (epoch seconds, as the library)
        created_at = UTCDateTimeAttribute()
        updated_at = UTCDateTimeAttribute()
        item_version = NumberAttribute(default=1)

        pipeline_index = PipelineRunsIndex()
        status_index = StatusRunsIndex()

    return PynamoModels(PipelineConfig=PipelineConfig, PipelineRunLog=PipelineRunLog)


def client_of(model: Any) -> Any:
    """The botocore client a PynamoDB model class sends its requests with."""
    return model._get_connection().connection.client


def config_model(models: PynamoModels, fields: dict[str, Any]) -> Any:
    """A ``PipelineConfig`` instance from library-style fields (bool key as a string)."""
    values = dict(fields)
    values["is_active"] = "true" if values.get("is_active", True) else "false"
    if values.get("memory_gb") is not None:  # NumberAttribute serializes with json.dumps
        values["memory_gb"] = float(values["memory_gb"])
    return models.PipelineConfig(**values)


def run_log_model(models: PynamoModels, fields: dict[str, Any]) -> Any:
    """A ``PipelineRunLog`` instance from library-style fields (nested maps typed)."""
    values = dict(fields)
    values["stages"] = [StageMap(**s) for s in values.get("stages", [])]
    values["data_quality_results"] = [
        DataQualityMap(**r) for r in values.get("data_quality_results", [])
    ]
    return models.PipelineRunLog(**values)
