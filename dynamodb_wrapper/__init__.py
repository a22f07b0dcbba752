"""dynamodb_wrapper: typed, fast, safe CQRS access to pipeline metadata in Amazon DynamoDB.

Quick start::

    from dynamodb_wrapper import (
        DynamoDBConfig, PipelineConfigReadApi, PipelineConfigWriteApi, PipelineConfigUpsert,
        ensure_tables,
    )

    config = DynamoDBConfig(endpoint_url="http://127.0.0.1:8000")
    ensure_tables(config)
    PipelineConfigWriteApi(config).create_pipeline(
        PipelineConfigUpsert(pipeline_id="p-1", pipeline_name="Orders", source_type="s3",
                             destination_type="warehouse")
    )
    pipelines, next_token = PipelineConfigReadApi(config).query_active_pipelines(limit=50)
"""

from dynamodb_wrapper.config import (
    DynamoDBConfig,
)
from dynamodb_wrapper.core.expressions import (
    Attr,
    Key,
    SortCondition,
    Update,
)
from dynamodb_wrapper.core.model import (
    DynamoDBMixin,
    DynamoModel,
    FlexibleView,
)
from dynamodb_wrapper.core.provisioning import (
    drop_tables,
    ensure_tables,
)
from dynamodb_wrapper.core.repository import (
    ReadApi,
    WriteApi,
)
from dynamodb_wrapper.core.table_gateway import (
    TableGateway,
    create_table_gateway,
)
from dynamodb_wrapper.exceptions import (
    BatchGetError,
    BatchWriteError,
    CancellationReason,
    ConditionCheckFailedError,
    ConfigurationError,
    ConflictError,
    ConnectionError,
    DynamoDBWrapperError,
    InvalidPaginationTokenError,
    InvalidStatusTransitionError,
    ItemAlreadyExistsError,
    ItemNotFoundError,
    ItemTooLargeError,
    PipelineConfigAlreadyExistsError,
    PipelineConfigNotFoundError,
    PipelineRunLogAlreadyExistsError,
    PipelineRunLogNotFoundError,
    RetryableError,
    TableConfigAlreadyExistsError,
    TableConfigNotFoundError,
    TableNotFoundError,
    TransactionCanceledError,
    TransactionConflictError,
    ValidationError,
    VersionConflictError,
)
from dynamodb_wrapper.handlers.pipeline_config import (
    PipelineConfigReadApi,
    PipelineConfigWriteApi,
)
from dynamodb_wrapper.handlers.pipeline_run_logs import (
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunStatistics,
    TimeBucket,
)
from dynamodb_wrapper.handlers.table_config import (
    TableConfigReadApi,
    TableConfigWriteApi,
)
from dynamodb_wrapper.models import (
    ALLOWED_TRANSITIONS,
    DOMAIN_MODELS,
    DataFormat,
    DataQualityResult,
    Environment,
    LogLevel,
    PipelineConfig,
    PipelineConfigFields,
    PipelineConfigSummary,
    PipelineConfigUpsert,
    PipelineConfigView,
    PipelineRunLog,
    PipelineRunLogFields,
    PipelineRunLogStatusUpdate,
    PipelineRunLogUpsert,
    PipelineRunLogView,
    PipelineRunSummary,
    RunStatus,
    StageInfo,
    TableConfig,
    TableConfigFields,
    TableConfigSummary,
    TableConfigUpsert,
    TableConfigView,
    TableType,
    TimestampedModel,
    TriggerType,
    VersionedModel,
    WriteDTO,
    validate_identifier,
)
from dynamodb_wrapper.utils import (
    build_gsi_key_condition,
    build_model_key,
    build_projection_expression,
    ensure_timezone_aware,
    extract_model_metadata,
    to_user_timezone,
    to_utc,
    utc_now,
)

__version__ = "0.1.0"

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Attr",
    "BatchGetError",
    "BatchWriteError",
    "CancellationReason",
    "ConditionCheckFailedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionError",
    "DOMAIN_MODELS",
    "DataFormat",
    "DataQualityResult",
    "DynamoDBConfig",
    "DynamoDBMixin",
    "DynamoDBWrapperError",
    "DynamoModel",
    "Environment",
    "FlexibleView",
    "InvalidPaginationTokenError",
    "InvalidStatusTransitionError",
    "ItemAlreadyExistsError",
    "ItemNotFoundError",
    "ItemTooLargeError",
    "Key",
    "LogLevel",
    "PipelineConfig",
    "PipelineConfigAlreadyExistsError",
    "PipelineConfigFields",
    "PipelineConfigNotFoundError",
    "PipelineConfigReadApi",
    "PipelineConfigSummary",
    "PipelineConfigUpsert",
    "PipelineConfigView",
    "PipelineConfigWriteApi",
    "PipelineRunLog",
    "PipelineRunLogAlreadyExistsError",
    "PipelineRunLogFields",
    "PipelineRunLogNotFoundError",
    "PipelineRunLogStatusUpdate",
    "PipelineRunLogUpsert",
    "PipelineRunLogView",
    "PipelineRunLogsReadApi",
    "PipelineRunLogsWriteApi",
    "PipelineRunStatistics",
    "PipelineRunSummary",
    "ReadApi",
    "RetryableError",
    "RunStatus",
    "SortCondition",
    "StageInfo",
    "TableConfig",
    "TableConfigAlreadyExistsError",
    "TableConfigFields",
    "TableConfigNotFoundError",
    "TableConfigReadApi",
    "TableConfigSummary",
    "TableConfigUpsert",
    "TableConfigView",
    "TableConfigWriteApi",
    "TableGateway",
    "TableNotFoundError",
    "TableType",
    "TimeBucket",
    "TimestampedModel",
    "TransactionCanceledError",
    "TransactionConflictError",
    "TriggerType",
    "Update",
    "ValidationError",
    "VersionConflictError",
    "VersionedModel",
    "WriteApi",
    "WriteDTO",
    "build_gsi_key_condition",
    "build_model_key",
    "build_projection_expression",
    "create_table_gateway",
    "drop_tables",
    "ensure_tables",
    "ensure_timezone_aware",
    "extract_model_metadata",
    "to_user_timezone",
    "to_utc",
    "utc_now",
    "validate_identifier",
]
