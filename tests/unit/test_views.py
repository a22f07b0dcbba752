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


def test_carry_unknown_matches_elements_by_their_key() -> None:
    """A rewritten list keeps each stored element's unknown keys on the element of the same
    ``element_key`` (stages by name), whatever its position; the new values win."""
    from dynamodb_wrapper.core.model import carry_unknown_value, stored_model
    from dynamodb_wrapper.models.domain_models import StageInfo

    stored = [
        stored_model(StageInfo, {"stage_name": "a", "status": "running", "host": "h-a"}),
        stored_model(StageInfo, {"stage_name": "b", "status": "running", "host": "h-b"}),
    ]
    new = [StageInfo(stage_name="b", status="success"), StageInfo(stage_name="c", status="pending")]
    carry_unknown_value(new, stored)
    assert new[0].model_extra == {"host": "h-b"} and new[0].status == "success"
    assert not new[1].model_extra
