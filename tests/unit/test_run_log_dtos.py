"""Unit tests of ``PipelineRunLogUpsert`` and ``PipelineRunLogStatusUpdate`` (no I/O).

Every business rule, valid and invalid: time order (run and stages), timezone-aware datetimes only
(aware non-UTC values are normalised to UTC, naive ones refused), non-negative counters, enums.
Each refusal must be the library's ``ValidationError`` naming the offending field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
import pytest

from dynamodb_wrapper.exceptions import ValidationError
from dynamodb_wrapper.models.domain_models import (
    DataQualityResult,
    Environment,
    LogLevel,
    PipelineRunLog,
    RunStatus,
    StageInfo,
    TriggerType,
)
from dynamodb_wrapper.models.dtos import PipelineRunLogStatusUpdate, PipelineRunLogUpsert

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PLUS_2 = timezone(timedelta(hours=2))
MINUS_5 = timezone(timedelta(hours=-5))
PARIS = ZoneInfo("Europe/Paris")

BASE: dict[str, Any] = {"run_id": "run-2024-05-01.001", "pipeline_id": "pipe-1", "start_time": T0}


def make(**overrides: Any) -> PipelineRunLogUpsert:
    return PipelineRunLogUpsert(**{**BASE, **overrides})


def status_update(**overrides: Any) -> PipelineRunLogStatusUpdate:
    return PipelineRunLogStatusUpdate(**{"run_id": "run-1", "status": "running", **overrides})


def check_refusal(info: pytest.ExceptionInfo[ValidationError], field: str) -> None:
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, pydantic.ValidationError)
    assert info.value.field == field, info.value


def refused(field: str, **overrides: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        make(**overrides)
    check_refusal(info, field)
    return info.value


def refused_update(field: str, **overrides: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        status_update(**overrides)
    check_refusal(info, field)
    return info.value


def stage(**fields: Any) -> dict[str, Any]:
    return {"stage_name": "extract", "status": "success", **fields}


# ================================================================ PipelineRunLogUpsert


def test_minimal_run_and_its_defaults() -> None:
    dto = make()
    assert dto.status is RunStatus.PENDING
    assert dto.trigger_type is TriggerType.MANUAL
    assert dto.log_level is LogLevel.INFO
    assert dto.environment is Environment.DEV
    assert dto.start_time == T0 and dto.end_time is None
    assert dto.retry_count == 0 and dto.data_quality_passed is True
    assert dto.stages == [] and dto.data_quality_results == [] and dto.tags == {}
    assert dto.expires_at is None


def test_the_dto_declares_every_business_field_of_the_model() -> None:
    stamps = {"created_at", "updated_at", "item_version"}  # maintained by the write APIs
    assert set(PipelineRunLogUpsert.model_fields) == set(PipelineRunLog.model_fields) - stamps


def test_a_complete_run() -> None:
    dto = make(
        status="success",
        trigger_type="schedule",
        end_time=T0 + timedelta(minutes=5),
        duration_seconds=300.0,
        stages=[
            stage(start_time=T0, end_time=T0 + timedelta(minutes=2), records_processed=10),
            StageInfo(stage_name="load", status=RunStatus.SUCCESS, start_time=T0),
        ],
        total_records_processed=10,
        total_records_failed=0,
        input_data_size_bytes=0,
        output_data_size_bytes=2048,
        cpu_hours=0.0,
        memory_usage_gb=1.5,
        data_quality_results=[{"check_name": "not_null", "passed": True, "actual_value": 0}],
        retry_count=2,
        environment="prod",
        log_level="debug",
        expires_at=1_900_000_000,
    )
    assert dto.status is RunStatus.SUCCESS and dto.trigger_type is TriggerType.SCHEDULE
    assert [s.stage_name for s in dto.stages] == ["extract", "load"]
    assert isinstance(dto.data_quality_results[0], DataQualityResult)


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize("field", ["run_id", "pipeline_id"])
@pytest.mark.parametrize("value", ["r", "01HX5Z.run:1-a_b", "x" * 255])
def test_valid_ids(field: str, value: str) -> None:
    assert getattr(make(**{field: value}), field) == value


@pytest.mark.parametrize("field", ["run_id", "pipeline_id"])
@pytest.mark.parametrize(
    "value", ["", "x" * 256, "run 1", "run/1", "rün", "run\t1", "run#1", None, 42]
)
def test_invalid_ids(field: str, value: Any) -> None:
    refused(field, **{field: value})


def test_a_trailing_newline_is_not_part_of_a_run_id() -> None:
    refused("run_id", run_id="run-1\n")


# --------------------------------------------------------------------------- time order


@pytest.mark.parametrize(
    "end",
    [
        T0,  # a zero-length run
        T0 + timedelta(microseconds=1),
        T0 + timedelta(days=3),
        T0.astimezone(MINUS_5),  # same instant, earlier wall clock
        datetime(2024, 5, 1, 7, 0, 1, tzinfo=MINUS_5),  # one second later in UTC
    ],
)
def test_end_time_at_or_after_start_time(end: datetime) -> None:
    dto = make(end_time=end)
    assert dto.end_time == end and dto.end_time >= dto.start_time


@pytest.mark.parametrize(
    "end",
    [
        T0 - timedelta(microseconds=1),
        T0 - timedelta(days=1),
        datetime(2024, 5, 1, 13, 30, tzinfo=PLUS_2),  # later wall clock, earlier instant
    ],
)
def test_end_time_before_start_time_is_refused(end: datetime) -> None:
    error = refused("end_time", end_time=end)
    assert "end_time" in str(error) and "start_time" in str(error)


def test_end_time_is_checked_against_a_non_utc_start() -> None:
    start = datetime(2024, 5, 1, 14, 0, tzinfo=PLUS_2)  # == T0
    assert make(start_time=start, end_time=T0).end_time == T0
    refused("end_time", start_time=start, end_time=T0 - timedelta(seconds=1))


@pytest.mark.parametrize(
    "times",
    [
        {},
        {"start_time": T0},
        {"end_time": T0},
        {"start_time": T0, "end_time": T0},
        {"start_time": T0, "end_time": T0 + timedelta(hours=1)},
        {"start_time": T0.astimezone(PLUS_2), "end_time": T0.astimezone(MINUS_5)},
    ],
)
def test_valid_stage_times(times: dict[str, Any]) -> None:
    dto = make(stages=[stage(**times)])
    assert dto.stages[0].start_time == times.get("start_time")
    assert dto.stages[0].end_time == times.get("end_time")


@pytest.mark.parametrize("position", [0, 2])
def test_a_stage_ending_before_it_starts_is_refused(position: int) -> None:
    stages = [stage(stage_name=f"s{i}", start_time=T0, end_time=T0) for i in range(3)]
    stages[position] = stage(
        stage_name="bad", start_time=T0, end_time=T0 - timedelta(microseconds=1)
    )
    with pytest.raises(ValidationError) as info:
        make(stages=stages)
    assert info.value.field == f"stages.{position}.end_time", info.value


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_time", datetime(2024, 5, 1, 12, 0)),
        ("start_time", "2024-05-01T12:00:00"),
        ("start_time", "2024-05-01 12:00"),
        ("end_time", datetime(2024, 5, 2, 12, 0)),
        ("end_time", "2024-05-02T12:00:00.123456"),
    ],
)
def test_naive_datetimes_are_refused(field: str, value: Any) -> None:
    error = refused(field, **{field: value})
    assert "timezone" in str(error)


@pytest.mark.parametrize("field", ["start_time", "end_time"])
def test_naive_stage_datetimes_are_refused(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        make(stages=[stage(start_time=T0), stage(**{field: datetime(2024, 5, 1, 12, 0)})])
    check_refusal(info, f"stages.1.{field}")


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, 14, 0, tzinfo=PLUS_2),
        datetime(2024, 5, 1, 7, 0, tzinfo=MINUS_5),
        datetime(2024, 5, 1, 14, 0, tzinfo=PARIS),  # CEST, +02:00
        "2024-05-01T14:00:00+02:00",
        "2024-05-01T12:00:00Z",
        "2024-05-01T07:00:00-05:00",
    ],
)
def test_aware_datetimes_are_normalised_to_utc(value: Any) -> None:
    dto = make(start_time=value, end_time=value)
    for result in (dto.start_time, dto.end_time):
        assert result == T0
        assert result.utcoffset() == timedelta(0) and result.tzinfo is UTC
    staged = make(stages=[stage(start_time=value, end_time=value)]).stages[0]
    assert staged.start_time == T0 and staged.start_time.tzinfo is UTC  # type: ignore[union-attr]
    assert staged.end_time == T0 and staged.end_time.tzinfo is UTC  # type: ignore[union-attr]


def test_start_time_is_required() -> None:
    with pytest.raises(ValidationError) as info:
        PipelineRunLogUpsert(run_id="r", pipeline_id="p")
    check_refusal(info, "start_time")


# --------------------------------------------------------------------------- counters


COUNTERS = [
    "retry_count",
    "total_records_processed",
    "total_records_failed",
    "input_data_size_bytes",
    "output_data_size_bytes",
]
AMOUNTS = ["duration_seconds", "cpu_hours", "memory_usage_gb"]


@pytest.mark.parametrize("field", COUNTERS + AMOUNTS)
def test_zero_and_positive_counters(field: str) -> None:
    assert getattr(make(**{field: 0}), field) == 0
    assert getattr(make(**{field: 12}), field) == 12


@pytest.mark.parametrize("field", COUNTERS + AMOUNTS)
@pytest.mark.parametrize("value", [-1, -(10**12)])
def test_negative_counters_are_refused(field: str, value: int) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize("field", AMOUNTS)
@pytest.mark.parametrize("value", [-0.001, float("nan"), float("inf"), float("-inf"), "nan"])
def test_negative_or_non_finite_amounts_are_refused(field: str, value: Any) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize("field", COUNTERS)
@pytest.mark.parametrize("value", [1.5, "many", float("nan")])
def test_counters_are_integers(field: str, value: Any) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_expires_at_is_positive_epoch_seconds(value: Any) -> None:
    refused("expires_at", expires_at=value)


@pytest.mark.parametrize("field", ["records_processed", "duration_seconds"])
def test_negative_stage_counters_are_refused(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        make(stages=[stage(**{field: -1})])
    check_refusal(info, f"stages.0.{field}")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_stage_durations_are_refused(value: float) -> None:
    with pytest.raises(ValidationError) as info:
        make(stages=[stage(duration_seconds=value)])
    check_refusal(info, "stages.0.duration_seconds")


# --------------------------------------------------------------------------- enums


@pytest.mark.parametrize(
    ("field", "enum"),
    [
        ("status", RunStatus),
        ("trigger_type", TriggerType),
        ("log_level", LogLevel),
        ("environment", Environment),
    ],
)
def test_every_enum_value_is_accepted(field: str, enum: Any) -> None:
    for member in enum:
        assert getattr(make(**{field: member.value}), field) is member
        assert getattr(make(**{field: member}), field) is member


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "done"),
        ("status", "SUCCESS"),
        ("status", ""),
        ("status", None),
        ("trigger_type", "cron"),
        ("trigger_type", "Manual"),
        ("log_level", "verbose"),
        ("log_level", "WARN"),
        ("environment", "test"),
        ("environment", "Prod"),
    ],
)
def test_unknown_enum_values_are_refused(field: str, value: Any) -> None:
    refused(field, **{field: value})


def test_stage_status_is_an_enum() -> None:
    assert make(stages=[stage(status="running")]).stages[0].status is RunStatus.RUNNING
    with pytest.raises(ValidationError) as info:
        make(stages=[stage(status="halfway")])
    check_refusal(info, "stages.0.status")


# --------------------------------------------------------------------------- nested shapes


def test_nested_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        make(stages=[stage(colour="red")])
    check_refusal(info, "stages.0.colour")
    with pytest.raises(ValidationError) as info:
        make(data_quality_results=[{"check_name": "c", "passed": True, "weight": 1}])
    check_refusal(info, "data_quality_results.0.weight")
    with pytest.raises(ValidationError) as info:
        make(data_quality_results=[{"check_name": "c"}])
    check_refusal(info, "data_quality_results.0.passed")


def test_string_maps_and_lists() -> None:
    dto = make(monitoring_urls={"spark": "https://ui"}, input_tables=["a", "b"])
    assert dto.monitoring_urls == {"spark": "https://ui"} and dto.input_tables == ["a", "b"]
    refused("monitoring_urls.spark", monitoring_urls={"spark": 1})
    refused("input_tables.1", input_tables=["a", 2])


# --------------------------------------------------------------------------- frozen / extra


def test_the_upsert_is_frozen() -> None:
    dto = make()
    with pytest.raises(ValidationError) as info:
        dto.status = RunStatus.RUNNING  # type: ignore[misc]
    assert info.value.field == "status"
    assert dto.status is RunStatus.PENDING


@pytest.mark.parametrize("extra", ["created_at", "updated_at", "state", "runId"])
def test_unknown_fields_are_refused(extra: str) -> None:
    refused(extra, **{extra: "x"})


def test_changes_are_what_the_caller_set() -> None:
    assert make(status="running").changes() == {**BASE, "status": RunStatus.RUNNING}


# ================================================================ PipelineRunLogStatusUpdate


def test_status_update_minimal() -> None:
    update = status_update()
    assert update.status is RunStatus.RUNNING
    assert update.end_time is None and update.error_message is None
    assert update.changes() == {"run_id": "run-1", "status": RunStatus.RUNNING}


@pytest.mark.parametrize("status", list(RunStatus))
def test_status_update_accepts_every_status(status: RunStatus) -> None:
    assert status_update(status=status.value).status is status


@pytest.mark.parametrize("value", ["done", "RUNNING", "", None, 3])
def test_status_update_refuses_unknown_statuses(value: Any) -> None:
    refused_update("status", status=value)


def test_status_update_needs_a_status_and_a_valid_run_id() -> None:
    with pytest.raises(ValidationError) as info:
        PipelineRunLogStatusUpdate(run_id="run-1")
    check_refusal(info, "status")
    for bad in ("", "run 1", "run/1", "x" * 256):
        refused_update("run_id", run_id=bad)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, 7, 0, tzinfo=MINUS_5),
        datetime(2024, 5, 1, 14, 0, tzinfo=PARIS),
        "2024-05-01T14:00:00+02:00",
        T0,
    ],
)
def test_status_update_end_time_is_normalised_to_utc(value: Any) -> None:
    update = status_update(status="success", end_time=value)
    assert update.end_time == T0 and update.end_time.tzinfo is UTC  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [datetime(2024, 5, 1, 12, 0), "2024-05-01T12:00:00", "soon"])
def test_status_update_refuses_naive_or_bad_end_times(value: Any) -> None:
    refused_update("end_time", end_time=value)


def test_status_update_is_frozen_and_closed() -> None:
    update = status_update(error_message="boom")
    with pytest.raises(ValidationError) as info:
        update.error_message = "other"  # type: ignore[misc]
    assert info.value.field == "error_message"
    refused_update("start_time", start_time=T0)
    refused_update("pipeline_id", pipeline_id="p")


def test_related_fields_list_every_cross_field_rule() -> None:
    """A partial update skips the stored item unless a change is in ``related_fields``: every
    field validator that reads other fields (``info.data``) must be listed there."""
    import inspect

    from dynamodb_wrapper.models import dtos

    for cls in (dtos.PipelineConfigUpsert, dtos.TableConfigUpsert, dtos.PipelineRunLogUpsert):
        related = set().union(*cls.related_fields) if cls.related_fields else set()
        for decorator in cls.__pydantic_decorators__.field_validators.values():
            if "info" in inspect.signature(decorator.func).parameters:
                fields = set(decorator.info.fields)
                assert fields <= related, (cls.__name__, fields)
