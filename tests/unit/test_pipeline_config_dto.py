"""Unit tests of ``PipelineConfigUpsert``: every business rule, valid and invalid (no I/O).

Each refusal must be the library's ``ValidationError`` (also a ``ValueError``) naming the field.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pydantic
import pytest

from dynamodb_wrapper.exceptions import ValidationError
from dynamodb_wrapper.models.domain_models import Environment, PipelineConfig
from dynamodb_wrapper.models.dtos import PipelineConfigUpsert, WriteDTO

BASE: dict[str, Any] = {
    "pipeline_id": "new-pipeline",
    "pipeline_name": "My Pipeline",
    "source_type": "s3",
    "destination_type": "warehouse",
}


def make(**overrides: Any) -> PipelineConfigUpsert:
    return PipelineConfigUpsert(**{**BASE, **overrides})


def refused(field: str | None, **overrides: Any) -> ValidationError:
    """Build a DTO that must fail, and check the error names ``field``."""
    with pytest.raises(ValidationError) as info:
        make(**overrides)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, pydantic.ValidationError)
    assert info.value.field == field, info.value
    assert info.value.errors, "the structured details are kept"
    return info.value


def test_the_seed_example_and_its_defaults() -> None:
    dto = PipelineConfigUpsert(
        pipeline_id="new-pipeline",
        pipeline_name="My Pipeline",
        source_type="s3",
        destination_type="warehouse",
    )
    assert isinstance(dto, WriteDTO)
    assert dto.is_active is True
    assert dto.environment is Environment.DEV
    assert dto.version == "1.0.0"
    assert dto.schedule_expression is None and dto.description is None
    assert dto.cpu_cores is None and dto.memory_gb is None
    assert dto.config == {} and dto.spark_config == {} and dto.tags == {}
    assert dto.changes() == BASE  # only what the caller set


def test_the_dto_declares_every_business_field_of_the_model() -> None:
    stamps = {"created_at", "updated_at", "item_version"}  # maintained by the write APIs
    assert set(PipelineConfigUpsert.model_fields) == set(PipelineConfig.model_fields) - stamps


@pytest.mark.parametrize("field", ["pipeline_name", "source_type", "destination_type"])
def test_required_fields(field: str) -> None:
    values = {k: v for k, v in BASE.items() if k != field}
    with pytest.raises(ValidationError) as info:
        PipelineConfigUpsert(**values)
    assert info.value.field == field


def test_pipeline_id_is_required() -> None:
    with pytest.raises(ValidationError) as info:
        PipelineConfigUpsert(**{k: v for k, v in BASE.items() if k != "pipeline_id"})
    assert info.value.field == "pipeline_id"


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    "value",
    ["a", "Z", "9", "new-pipeline", "ns:pipe_1.v2", "A-z_0.9:x", "x" * 255, "-", "..", "a:b:c"],
)
def test_valid_ids(value: str) -> None:
    assert make(pipeline_id=value).pipeline_id == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "x" * 256,
        "x" * 1000,
        "with space",
        " leading",
        "trailing ",
        "a/b",
        "a\\b",
        "a#b",
        "a@b",
        "a,b",
        "pipéline",
        "pipe\u00a0line",
        "\u0661\u0662",  # Arabic-Indic digits: \d would accept them
        "\uff46\uff55\uff4c\uff4c",  # full-width letters
        "tab\tin",
        "emoji-🚀",
        "a\x00b",
        None,
        123,
        ["a"],
    ],
)
def test_invalid_ids(value: Any) -> None:
    refused("pipeline_id", pipeline_id=value)


@pytest.mark.parametrize("value", ["pipe-1\n", "x" * 255 + "\n"])
def test_a_trailing_newline_is_not_part_of_an_id(value: str) -> None:
    refused("pipeline_id", pipeline_id=value)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("field", ["pipeline_name", "source_type", "destination_type"])
def test_names_take_1_to_255_characters(field: str) -> None:
    assert getattr(make(**{field: "x"}), field) == "x"
    assert getattr(make(**{field: "ü" * 255}), field) == "ü" * 255
    refused(field, **{field: ""})
    refused(field, **{field: "x" * 256})
    refused(field, **{field: None})


@pytest.mark.parametrize("value", ["", "x" * 65])
def test_version_length(value: str) -> None:
    refused("version", version=value)


def test_version_may_be_any_short_string() -> None:
    assert make(version="2024.05-rc1").version == "2024.05-rc1"


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize("value", ["dev", "staging", "prod", *Environment])
def test_valid_environments(value: Any) -> None:
    assert make(environment=value).environment is Environment(value)


@pytest.mark.parametrize("value", ["test", "production", "PROD", "Dev", "", " dev", None, 1])
def test_invalid_environments(value: Any) -> None:
    refused("environment", environment=value)


# --------------------------------------------------------------------------- cron


@pytest.mark.parametrize(
    "value",
    [
        "0 12 * * *",
        "*/5 * * * *",
        "0 0 1 1 *",
        "15 2 * * 1-5",
        "0 9-17/2 * * mon-fri",
        "0 0 L * *",
        "@daily",
        "@hourly",
        "@weekly",
        "@monthly",
        "@yearly",
        "@midnight",
        "cron(0 12 * * ? *)",
        "cron(0 10 ? * 2#1 *)",
        "cron(0 10 15W * ? *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 0 1 * ? *)",
        "rate(5 minutes)",
        "rate(1 minute)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(7 days)",
        "rate(1 day)",
    ],
)
def test_valid_schedules(value: str) -> None:
    assert make(schedule_expression=value).schedule_expression == value


def test_schedules_are_stripped() -> None:
    assert make(schedule_expression="  @daily ").schedule_expression == "@daily"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "not a cron",
        "* * * *",
        "61 * * * *",
        "0 25 * * *",
        "0 0 32 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "@fortnightly",
        "@",
        "cron()",
        "cron(0 12 * * ?)",  # AWS cron takes 6 fields
        "cron(0 12 * * ? * *)",
        "cron(61 12 * * ? *)",
        "cron 0 12 * * ? *",
        "rate(0 minutes)",
        "rate(-5 minutes)",
        "rate(5 weeks)",
        "rate(5)",
        "rate(minutes)",
        "rate(1.5 hours)",
        "rate 5 minutes",
    ],
)
def test_invalid_schedules(value: str) -> None:
    refused("schedule_expression", schedule_expression=value)


@pytest.mark.parametrize("value", ["cron(0 12 * * ? notayear)", "cron(0 12 * * ? 1900)"])
def test_the_year_of_an_aws_cron_is_checked(value: str) -> None:
    refused("schedule_expression", schedule_expression=value)


@pytest.mark.parametrize("value", ["cron(0 12 * * * *)", "cron(0 12 1 * MON *)"])
def test_an_aws_cron_needs_a_question_mark_in_one_day_field(value: str) -> None:
    refused("schedule_expression", schedule_expression=value)


def test_the_aws_docs_last_friday_example_is_valid() -> None:
    value = "cron(15 10 ? * 6L 2022-2023)"
    assert make(schedule_expression=value).schedule_expression == value


def test_no_schedule_is_fine() -> None:
    assert make(schedule_expression=None).schedule_expression is None


# --------------------------------------------------------------------------- resources


@pytest.mark.parametrize("value", [1, 2, 64, 4096, "8"])
def test_valid_cpu_cores(value: Any) -> None:
    assert make(cpu_cores=value).cpu_cores == int(value)


@pytest.mark.parametrize(
    "value", [0, -1, -64, 4097, 1.5, "two", float("nan"), float("inf"), float("-inf")]
)
def test_invalid_cpu_cores(value: Any) -> None:
    refused("cpu_cores", cpu_cores=value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.5"), Decimal("0.5")),
        (1, Decimal(1)),
        (0.1, Decimal("0.1")),  # the float's shortest repr, not its binary expansion
        ("2.75", Decimal("2.75")),
        (Decimal("1000000"), Decimal("1000000")),
        (Decimal("1E-9"), Decimal("1E-9")),
    ],
)
def test_valid_memory(value: Any, expected: Decimal) -> None:
    assert make(memory_gb=value).memory_gb == expected


@pytest.mark.parametrize(
    "value",
    [
        0,
        Decimal(0),
        Decimal("-0.5"),
        -1,
        Decimal("1000000.1"),
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        "NaN",
        "inf",
        "lots",
    ],
)
def test_invalid_memory(value: Any) -> None:
    refused("memory_gb", memory_gb=value)


@pytest.mark.parametrize(
    ("field", "number"),
    [
        ("config", float("nan")),
        ("config", float("inf")),
        ("config", Decimal("NaN")),
        ("spark_config", float("-inf")),
        ("source_config", float("nan")),
        ("destination_config", float("nan")),
    ],
)
def test_nan_and_infinity_inside_dicts(field: str, number: Any) -> None:
    with pytest.raises(ValidationError) as info:
        make(**{field: {"x": number}})
    assert info.value.field is not None and info.value.field.startswith(field)


# --------------------------------------------------------------------------- other fields


def test_tags_are_str_to_str() -> None:
    assert make(tags={"team": "data", "tier": "1"}).tags == {"team": "data", "tier": "1"}
    error = refused("tags.tier", tags={"team": "data", "tier": 1})
    assert "tags.tier" in str(error)


def test_is_active_is_a_bool() -> None:
    assert make(is_active=False).is_active is False
    refused("is_active", is_active="maybe")


def test_nested_configs_are_kept_as_given() -> None:
    nested = {"a": {"b": [1, 2, {"c": None}]}, "flag": True, "ratio": Decimal("0.25")}
    dto = make(config=nested, spark_config={"spark.executor.memory": "4g"})
    assert dto.config == nested
    assert dto.spark_config == {"spark.executor.memory": "4g"}


# --------------------------------------------------------------------------- frozen / extra


@pytest.mark.parametrize(
    ("field", "value"),
    [("pipeline_name", "other"), ("pipeline_id", "other"), ("is_active", False), ("cpu_cores", 2)],
)
def test_the_dto_is_frozen(field: str, value: Any) -> None:
    dto = make()
    before = dto.model_dump()
    with pytest.raises(ValidationError) as info:
        setattr(dto, field, value)
    assert info.value.field == field
    assert dto.model_dump() == before


def test_copies_are_validated_again_by_model_validate() -> None:
    dto = make()
    assert PipelineConfigUpsert.model_validate(dto.model_dump()) == dto
    assert copy.deepcopy(dto) == dto
    with pytest.raises(ValidationError) as info:
        PipelineConfigUpsert.model_validate({**dto.model_dump(), "cpu_cores": 0})
    assert info.value.field == "cpu_cores"


@pytest.mark.parametrize(
    "extra", ["bogus", "created_at", "updated_at", "pipelineId", "PIPELINE_ID", "Pipeline_Name"]
)
def test_unknown_fields_are_refused(extra: str) -> None:
    refused(extra, **{extra: "x"})


def test_the_first_of_several_errors_is_named_and_all_are_kept() -> None:
    with pytest.raises(ValidationError) as info:
        make(pipeline_id="", cpu_cores=0, environment="qa")
    assert info.value.field == "pipeline_id"
    assert {".".join(map(str, e["loc"])) for e in info.value.errors} == {
        "pipeline_id",
        "cpu_cores",
        "environment",
    }
    assert "+2 more" in str(info.value)
