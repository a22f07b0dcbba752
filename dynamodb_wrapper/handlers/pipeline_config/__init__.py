"""Pipeline configuration domain: ``PipelineConfigReadApi`` and ``PipelineConfigWriteApi``."""

from dynamodb_wrapper.handlers.pipeline_config.commands import PipelineConfigWriteApi
from dynamodb_wrapper.handlers.pipeline_config.queries import PipelineConfigReadApi

__all__ = ["PipelineConfigReadApi", "PipelineConfigWriteApi"]
