"""Pipeline run logs domain: ``PipelineRunLogsReadApi`` and ``PipelineRunLogsWriteApi``."""

from dynamodb_wrapper.handlers.pipeline_run_logs.commands import PipelineRunLogsWriteApi, new_run_id
from dynamodb_wrapper.handlers.pipeline_run_logs.queries import (
    PipelineRunLogsReadApi,
    PipelineRunStatistics,
    TimeBucket,
)

__all__ = [
    "PipelineRunLogsReadApi",
    "PipelineRunLogsWriteApi",
    "PipelineRunStatistics",
    "TimeBucket",
    "new_run_id",
]
