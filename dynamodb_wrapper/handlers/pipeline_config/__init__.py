"""Pipeline configuration domain: ``PipelineConfigReadApi`` and ``PipelineConfigWriteApi``.

Each name is imported on first use (see :mod:`dynamodb_wrapper._lazy`), so reading does not load
the write side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynamodb_wrapper._lazy import lazy_exports

if TYPE_CHECKING:
    from dynamodb_wrapper.handlers.pipeline_config.commands import PipelineConfigWriteApi
    from dynamodb_wrapper.handlers.pipeline_config.queries import PipelineConfigReadApi

__all__ = ["PipelineConfigReadApi", "PipelineConfigWriteApi"]

_EXPORTS: dict[str, str] = {
    "PipelineConfigWriteApi": "dynamodb_wrapper.handlers.pipeline_config.commands",
    "PipelineConfigReadApi": "dynamodb_wrapper.handlers.pipeline_config.queries",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
