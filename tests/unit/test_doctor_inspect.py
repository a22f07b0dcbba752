"""``inspect_item``: the doctor's checks of one wire item, without DynamoDB."""

from __future__ import annotations

from datetime import datetime

from dynamodb_wrapper import PipelineConfig, PipelineRunLog
from dynamodb_wrapper.core.doctor import Finding, inspect_item
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime


class Reading(DynamoModel):
    """A datetime sort key, a map of datetimes and a nested list of maps."""

    sensor: str
    taken_at: UTCDateTime
    marks: dict[str, datetime] = {}
    series: list[list[int]] = []

    class Meta:
        table_name = "doctor_readings"
        partition_key = "sensor"
        sort_key = "taken_at"


def _by_path(findings: list[Finding]) -> dict[str, Finding]:
    return {f.path: f for f in findings}


def test_a_canonical_item_has_no_findings() -> None:
    item = {
        "run_id": {"S": "r"},
        "pipeline_id": {"S": "p"},
        "start_time": {"S": "2024-05-01T10:00:00.000000Z"},
        "stages": {"L": [{"M": {"stage_name": {"S": "a"}, "status": {"S": "success"}}}]},
        "data_quality_passed": {"BOOL": True},
        "retry_count": {"N": "2"},
        "end_time": {"NULL": True},
    }
    assert inspect_item(PipelineRunLog, item) == []


def test_numbers_are_canonicalised_exactly_or_reported() -> None:
    item = {
        "pipeline_id": {"S": "p"},
        "cpu_cores": {"S": "1e3"},
        "memory_gb": {"S": "0.10"},
        "item_version": {"S": "NaN"},
        "is_active": {"S": "true"},
    }
    found = _by_path(inspect_item(PipelineConfig, item))
    assert found["cpu_cores"].canonical == {"N": "1000"}
    assert found["memory_gb"].canonical == {"N": "0.10"}
    assert found["item_version"].kind == "invalid_value" and not found["item_version"].fixable
    assert "is_active" not in found  # a bool key as "true" is the canonical form
    big = inspect_item(PipelineConfig, {"pipeline_id": {"S": "p"}, "memory_gb": {"S": "1" * 39}})
    assert [(f.kind, f.fixable) for f in big] == [("invalid_value", False)]


def test_table_keys_and_unaddressable_map_keys_are_reported_not_fixed() -> None:
    item = {
        "sensor": {"S": "s"},
        "taken_at": {"S": "2024-05-01T12:00:00+02:00"},
        "marks": {
            "M": {
                "first": {"S": "2024-05-01T12:00:00+02:00"},
                "a.b": {"S": "2024-05-01T12:00:00+02:00"},
            }
        },
        "series": {"L": [{"L": [{"N": "1"}, {"S": "2"}]}]},
    }
    found = _by_path(inspect_item(Reading, item))
    assert found["taken_at"].kind == "timestamp" and not found["taken_at"].fixable
    assert "table key" in (found["taken_at"].note or "")
    assert found["marks.first"].canonical == {"S": "2024-05-01T10:00:00.000000Z"}
    assert found["marks.first"].field == "marks.*"
    assert not found["marks.a.b"].fixable
    assert found["series[0][1]"].canonical == {"N": "2"}
    assert found["series[0][1]"].field == "series[][]"
