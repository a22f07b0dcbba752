"""Pipeline run logs domain: ``PipelineRunLogsReadApi`` and ``PipelineRunLogsWriteApi``.

Each name is imported on first use (see :mod:`dynamodb_wrapper._lazy`), so reading does not load
the write side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynamodb_wrapper._lazy import lazy_exports

if TYPE_CHECKING:
    from dynamodb_wrapper.handlers.pipeline_run_logs.commands import (
        PipelineRunLogsWriteApi,
        new_run_id,
    )
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

_EXPORTS: dict[str, str] = {
    "PipelineRunLogsWriteApi": "dynamodb_wrapper.handlers.pipeline_run_logs.commands",
    "new_run_id": "dynamodb_wrapper.handlers.pipeline_run_logs.commands",
    "PipelineRunLogsReadApi": "dynamodb_wrapper.handlers.pipeline_run_logs.queries",
    "PipelineRunStatistics": "dynamodb_wrapper.handlers.pipeline_run_logs.queries",
    "TimeBucket": "dynamodb_wrapper.handlers.pipeline_run_logs.queries",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
