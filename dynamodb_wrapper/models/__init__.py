"""Domain models (with Meta), read views and write DTOs.

Each name is imported on first use (see :mod:`dynamodb_wrapper._lazy`): the read APIs need the
models and views, not the write DTOs (and their cron parser).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynamodb_wrapper._lazy import lazy_exports

if TYPE_CHECKING:
    from dynamodb_wrapper.models.domain_models import (
        DOMAIN_MODELS,
        DataFormat,
        DataQualityResult,
        Environment,
        Identifier,
        LogLevel,
        PipelineConfig,
        PipelineConfigFields,
        PipelineRunLog,
        PipelineRunLogFields,
        RunStatus,
        StageInfo,
        TableConfig,
        TableConfigFields,
        TableType,
        TimestampedModel,
        TriggerType,
        VersionedModel,
        validate_identifier,
    )
    from dynamodb_wrapper.models.dtos import (
        ALLOWED_TRANSITIONS,
        PipelineConfigUpsert,
        PipelineRunLogStatusUpdate,
        PipelineRunLogUpsert,
        TableConfigUpsert,
        WriteDTO,
    )
    from dynamodb_wrapper.models.views import (
        FlexibleView,
        PipelineConfigSummary,
        PipelineConfigView,
        PipelineRunLogView,
        PipelineRunSummary,
        TableConfigSummary,
        TableConfigView,
    )

__all__ = [
    "DOMAIN_MODELS",
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
    "ALLOWED_TRANSITIONS",
    "PipelineConfigUpsert",
    "PipelineRunLogStatusUpdate",
    "PipelineRunLogUpsert",
    "TableConfigUpsert",
    "WriteDTO",
    "FlexibleView",
    "PipelineConfigSummary",
    "PipelineConfigView",
    "PipelineRunLogView",
    "PipelineRunSummary",
    "TableConfigSummary",
    "TableConfigView",
]

_EXPORTS: dict[str, str] = {
    "ALLOWED_TRANSITIONS": "dynamodb_wrapper.models.dtos",
    "DOMAIN_MODELS": "dynamodb_wrapper.models.domain_models",
    "DataFormat": "dynamodb_wrapper.models.domain_models",
    "DataQualityResult": "dynamodb_wrapper.models.domain_models",
    "Environment": "dynamodb_wrapper.models.domain_models",
    "FlexibleView": "dynamodb_wrapper.models.views",
    "Identifier": "dynamodb_wrapper.models.domain_models",
    "LogLevel": "dynamodb_wrapper.models.domain_models",
    "PipelineConfig": "dynamodb_wrapper.models.domain_models",
    "PipelineConfigFields": "dynamodb_wrapper.models.domain_models",
    "PipelineConfigSummary": "dynamodb_wrapper.models.views",
    "PipelineConfigUpsert": "dynamodb_wrapper.models.dtos",
    "PipelineConfigView": "dynamodb_wrapper.models.views",
    "PipelineRunLog": "dynamodb_wrapper.models.domain_models",
    "PipelineRunLogFields": "dynamodb_wrapper.models.domain_models",
    "PipelineRunLogStatusUpdate": "dynamodb_wrapper.models.dtos",
    "PipelineRunLogUpsert": "dynamodb_wrapper.models.dtos",
    "PipelineRunLogView": "dynamodb_wrapper.models.views",
    "PipelineRunSummary": "dynamodb_wrapper.models.views",
    "RunStatus": "dynamodb_wrapper.models.domain_models",
    "StageInfo": "dynamodb_wrapper.models.domain_models",
    "TableConfig": "dynamodb_wrapper.models.domain_models",
    "TableConfigFields": "dynamodb_wrapper.models.domain_models",
    "TableConfigSummary": "dynamodb_wrapper.models.views",
    "TableConfigUpsert": "dynamodb_wrapper.models.dtos",
    "TableConfigView": "dynamodb_wrapper.models.views",
    "TableType": "dynamodb_wrapper.models.domain_models",
    "TimestampedModel": "dynamodb_wrapper.models.domain_models",
    "TriggerType": "dynamodb_wrapper.models.domain_models",
    "VersionedModel": "dynamodb_wrapper.models.domain_models",
    "WriteDTO": "dynamodb_wrapper.models.dtos",
    "validate_identifier": "dynamodb_wrapper.models.domain_models",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
