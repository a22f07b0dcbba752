"""Full views stay in step with their domain models; every view validates any projection."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from dynamodb_wrapper.models import (
    PipelineConfig,
    PipelineConfigSummary,
    PipelineConfigView,
    PipelineRunLog,
    PipelineRunLogView,
    PipelineRunSummary,
    TableConfig,
    TableConfigSummary,
    TableConfigView,
)

PAIRS = [
    (PipelineConfig, PipelineConfigView, PipelineConfigSummary),
    (TableConfig, TableConfigView, TableConfigSummary),
    (PipelineRunLog, PipelineRunLogView, PipelineRunSummary),
]


@pytest.mark.parametrize(("model", "view", "summary"), PAIRS)
def test_full_view_has_exactly_the_model_fields(
    model: type[BaseModel], view: type[BaseModel], summary: type[BaseModel]
) -> None:
    assert set(view.model_fields) == set(model.model_fields)
    assert set(summary.model_fields) < set(model.model_fields)


@pytest.mark.parametrize(("model", "view", "summary"), PAIRS)
def test_every_view_field_is_optional(
    model: type[BaseModel], view: type[BaseModel], summary: type[BaseModel]
) -> None:
    for cls in (view, summary):
        assert cls.model_validate({}).model_dump() == dict.fromkeys(cls.model_fields)


@pytest.mark.parametrize(("model", "view", "summary"), PAIRS)
def test_summary_views_read_only_their_fields(
    model: type[BaseModel], view: type[BaseModel], summary: type[BaseModel]
) -> None:
    assert view.projection_fields() is None  # type: ignore[attr-defined]
    assert summary.projection_fields() == list(summary.model_fields)  # type: ignore[attr-defined]
