"""Domain-specific errors: thin subclasses, selected by the generic APIs via class attributes."""

from __future__ import annotations

from dynamodb_wrapper.exceptions.base import (
    ConflictError,
    ItemAlreadyExistsError,
    ItemNotFoundError,
)

__all__ = [
    "InvalidStatusTransitionError",
    "PipelineConfigAlreadyExistsError",
    "PipelineConfigNotFoundError",
    "PipelineRunLogAlreadyExistsError",
    "PipelineRunLogNotFoundError",
    "TableConfigAlreadyExistsError",
    "TableConfigNotFoundError",
]


class PipelineConfigNotFoundError(ItemNotFoundError):
    """No pipeline configuration with that id."""


class PipelineConfigAlreadyExistsError(ItemAlreadyExistsError):
    """A pipeline configuration with that id exists already."""


class TableConfigNotFoundError(ItemNotFoundError):
    """No table configuration with that id."""


class TableConfigAlreadyExistsError(ItemAlreadyExistsError):
    """A table configuration with that id exists already."""


class PipelineRunLogNotFoundError(ItemNotFoundError):
    """No pipeline run with that id."""


class PipelineRunLogAlreadyExistsError(ItemAlreadyExistsError):
    """A pipeline run with that id exists already."""


class InvalidStatusTransitionError(ConflictError):
    """The run's stored status does not allow the requested one (checked inside the write)."""
