"""Unit tests of dynamodb_wrapper.core.wire_models: response bodies validated straight into models.

The promise: a body the wire validator accepts gives exactly the objects the standard path gives
(``json.loads`` + ``from_dynamodb_item``), and a body it rejects is re-read by the standard path,
so the outcome (objects or the precise ValidationError) never depends on which path ran.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dynamodb_wrapper.core import wire_models
from dynamodb_wrapper.core.codec import encode_value, json_default
from dynamodb_wrapper.core.fastpath import BODY
from dynamodb_wrapper.core.model import FlexibleView, StrictModel, UTCDateTime
from dynamodb_wrapper.core.wire_models import read_response, response_validator
from dynamodb_wrapper.exceptions import ValidationError
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

from .test_codec import Record, records

NOW = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)


def body_of(items: list[dict[str, Any]], **extra: Any) -> bytes:
    """A Query response body as DynamoDB sends it (bytes as base64 text)."""
    return json.dumps({"Items": items, "Count": len(items), **extra}, default=json_default).encode()


def standard(body: bytes, cls: Any) -> dict[str, Any]:
    """The standard path: json.loads, then from_dynamodb_item per item."""
    return read_response(json.loads(body), cls, "Items")


def fast(body: bytes, cls: Any) -> dict[str, Any]:
    """The wire path as the gateway takes it (falls back to the standard path on rejection)."""
    return read_response({BODY: body}, cls, "Items")


def outcome(read: Callable[[], dict[str, Any]]) -> tuple[str, Any]:
    try:
        return "ok", read()["Items"]
    except ValidationError as exc:
        return "error", str(exc)


def run_log(i: int = 0, **changes: Any) -> PipelineRunLog:
    values: dict[str, Any] = {
        "run_id": f"run-{i}",
        "pipeline_id": "pipe-1",
        "status": "success",
        "start_time": NOW,
        "end_time": NOW,
        "duration_seconds": 12.5,
        "stages": [
            {"stage_name": "extract", "status": "success", "records_processed": 10},
            {"stage_name": "load", "status": "running", "start_time": NOW, "duration_seconds": 1},
        ],
        "data_quality_results": [
            {"check_name": "rows", "passed": True, "expected_value": 10, "actual_value": "10"}
        ],
        "total_records_processed": 10,
        "input_tables": ["a", "b"],
        "config_snapshot": {"retries": 3, "nested": {"x": [1, "two", None, True]}},
        "log_messages": [{"level": "info", "n": 1}],
        "tags": {"team": "data"},
        "expires_at": 1_900_000_000,
        "created_at": NOW,
        "updated_at": NOW,
        "item_version": 3,
    }
    values.update(changes)
    return PipelineRunLog(**values)


def pipeline_config(i: int = 0) -> PipelineConfig:
    return PipelineConfig(
        pipeline_id=f"pipe-{i}",
        pipeline_name="Nightly",
        source_type="s3",
        source_config={"bucket": "raw", "partitions": 4},
        destination_type="warehouse",
        is_active=i % 2 == 0,  # a GSI key: stored as "true"/"false"
        environment="prod",
        memory_gb="1.25",
        cpu_cores=2,
        tags={"team": "data"},
    )


def table_config(i: int = 0) -> TableConfig:
    return TableConfig(
        table_id=f"tbl-{i}",
        pipeline_id="pipe-1",
        table_name="events",
        table_type="source",
        data_format="parquet",
        location="s3://bucket/events/",
        partition_columns=["dt"],
        data_quality_checks=[{"rule": "not_null", "column": "id"}],
        last_updated_data=NOW,
        record_count=12,
        caching_enabled=True,
    )


DOMAIN_ITEMS: list[tuple[type[BaseModel], list[dict[str, Any]]]] = [
    (PipelineRunLog, [run_log(i).to_dynamodb_item() for i in range(3)]),
    (PipelineRunLogView, [run_log(i).to_dynamodb_item() for i in range(3)]),
    (PipelineRunSummary, [run_log(i).to_dynamodb_item() for i in range(3)]),
    (PipelineConfig, [pipeline_config(i).to_dynamodb_item() for i in range(2)]),
    (PipelineConfigView, [pipeline_config(i).to_dynamodb_item() for i in range(2)]),
    (PipelineConfigSummary, [pipeline_config(i).to_dynamodb_item() for i in range(2)]),
    (TableConfig, [table_config(i).to_dynamodb_item() for i in range(2)]),
    (TableConfigView, [table_config(i).to_dynamodb_item() for i in range(2)]),
    (TableConfigSummary, [table_config(i).to_dynamodb_item() for i in range(2)]),
]


# --------------------------------------------------------------------------- equal results


@pytest.mark.parametrize(("cls", "items"), DOMAIN_ITEMS, ids=lambda v: getattr(v, "__name__", ""))
def test_domain_models_and_views_validate_straight_from_the_body(
    cls: type[BaseModel], items: list[dict[str, Any]]
) -> None:
    validator = response_validator(cls, "Items")
    assert validator is not None, f"{cls.__name__} should have a wire validator"
    body = body_of(items, LastEvaluatedKey={"run_id": {"S": "x"}}, ScannedCount=9)
    parsed = validator.validate_json(body)  # the wire path itself, no fallback
    expected = standard(body, cls)
    assert parsed["Items"] == expected["Items"]
    assert [type(v) for v in parsed["Items"]] == [cls] * len(items)
    assert [v.model_fields_set for v in parsed["Items"]] == [
        v.model_fields_set for v in expected["Items"]
    ]
    assert parsed["LastEvaluatedKey"] == {"run_id": {"S": "x"}}
    assert (parsed["Count"], parsed["ScannedCount"]) == (len(items), 9)


def test_nested_models_are_their_own_classes_with_utc_datetimes() -> None:
    body = body_of([run_log().to_dynamodb_item()])
    validator = response_validator(PipelineRunLogView, "Items")
    assert validator is not None
    view = validator.validate_json(body)["Items"][0]
    assert type(view.stages[1]).__name__ == "StageInfo"
    assert view.stages[1].start_time.tzinfo is UTC
    assert view.start_time.tzinfo is UTC
    assert view.config_snapshot == {"retries": 3, "nested": {"x": [1, "two", None, True]}}
    assert view.data_quality_results[0].expected_value == 10


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_any_valid_record_reads_the_same_on_both_paths(record: Record) -> None:
    """Every supported type (sets, bytes, Decimal, IntEnum, dates, nested models, Any maps)."""
    body = body_of([record.to_dynamodb_item()])
    validator = response_validator(Record, "Items")
    assert validator is not None
    parsed = validator.validate_json(body)["Items"]
    assert parsed == standard(body, Record)["Items"] == [record]


def test_get_item_envelope() -> None:
    validator = response_validator(PipelineConfigView, "Item")
    assert validator is not None
    item = pipeline_config().to_dynamodb_item()
    found = read_response({BODY: json.dumps({"Item": item}).encode()}, PipelineConfigView, "Item")
    assert found["Item"] == PipelineConfigView.from_dynamodb_item(item)
    assert "Item" not in read_response({BODY: b"{}"}, PipelineConfigView, "Item")
    assert read_response({BODY: b""}, PipelineConfigView, "Items")["Items"] == []


def test_building_leaves_the_classes_own_validators_alone() -> None:
    stage: Any = PipelineRunLog.model_fields["stages"].annotation
    classes = [PipelineRunLog, stage.__args__[0]]
    PipelineRunLog.model_rebuild()
    before = [c.__dict__.get("__pydantic_complete__") for c in classes]
    wire_models._validators.pop((PipelineRunLog, "Item"), None)
    assert response_validator(PipelineRunLog, "Item") is not None
    assert [c.__dict__.get("__pydantic_complete__") for c in classes] == before
    assert before[0] is True
    # The class's own validator still reads decoded values, not the wire form.
    assert (
        run_log().model_dump() == PipelineRunLog.model_validate(run_log().model_dump()).model_dump()
    )
    with pytest.raises(pydantic.ValidationError):
        PipelineRunLog.__pydantic_validator__.validate_python({"run_id": {"S": "x"}})


# --------------------------------------------------------------------------- odd stored data


def _mutate(item: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(item)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DELETE = object()
BASE = run_log().to_dynamodb_item()

#: (description, path in the wire item, new wire value, does the wire validator reject it?)
ODD_DATA: list[tuple[str, list[Any], Any, bool]] = [
    ("NULL in an optional string", ["error_message"], {"NULL": True}, True),
    ("NULL in an optional number", ["duration_seconds"], {"NULL": True}, True),
    ("NULL in a required field", ["pipeline_id"], {"NULL": True}, True),
    ("number stored for a string", ["current_stage"], {"N": "5"}, True),
    ("string stored for an int", ["retry_count"], {"S": "7"}, True),
    ("string stored for a float", ["duration_seconds"], {"S": "1.5"}, True),
    ("bool stored as text", ["data_quality_passed"], {"S": "false"}, False),
    ("bool stored as a number", ["data_quality_passed"], {"N": "0"}, True),
    ("unknown enum value", ["status"], {"S": "exploded"}, True),
    ("naive datetime", ["start_time"], {"S": "2025-01-01T00:00:00"}, True),
    ("number with an exponent for an int", ["total_records_processed"], {"N": "1E+2"}, True),
    ("missing required attribute", ["run_id"], _DELETE, True),
    ("stage as NULL in the list", ["stages", "L", 0], {"NULL": True}, True),
    ("stages stored as a map", ["stages"], {"M": {}}, True),
    ("stages stored as NULL", ["stages"], {"NULL": True}, True),
    ("unknown attribute in a stage", ["stages", "L", 0, "M", "rogue"], {"S": "x"}, False),
    ("stage with a second type tag", ["stages", "L", 0, "NULL"], True, True),
    (
        "stage field of the wrong type",
        ["stages", "L", 0, "M", "records_processed"],
        {"S": "1"},
        True,
    ),
    ("negative stage duration", ["stages", "L", 1, "M", "duration_seconds"], {"N": "-1"}, True),
    ("tags map holding a number", ["tags", "M", "team"], {"N": "1"}, True),
    ("tags map holding NULL", ["tags", "M", "team"], {"NULL": True}, True),
    ("tags stored as a list", ["tags"], {"L": []}, True),
    ("list of strings holding a number", ["input_tables", "L", 1], {"N": "2"}, True),
    ("list of strings as a string set", ["input_tables"], {"SS": ["a"]}, True),
    ("list of maps holding a string", ["log_messages", "L", 0], {"S": "x"}, True),
    ("number nested in an Any map", ["config_snapshot", "M", "retries"], {"N": "1.50"}, False),
    ("binary in an Any map", ["config_snapshot", "M", "blob"], {"B": "AAE="}, False),
    ("string set in an Any map", ["config_snapshot", "M", "set"], {"SS": ["a"]}, False),
    ("unknown attribute", ["rogue"], {"S": "x"}, False),
    ("unknown NULL attribute", ["rogue"], {"NULL": True}, False),
    ("unknown nested map", ["rogue"], {"M": {"a": {"L": [{"N": "1.50"}, {"B": "AAE="}]}}}, False),
]


@pytest.mark.parametrize("cls", [PipelineRunLog, PipelineRunLogView], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("what", "path", "value", "rejected"), ODD_DATA, ids=[c[0] for c in ODD_DATA]
)
def test_odd_stored_data_has_the_standard_outcome(
    cls: type[BaseModel], what: str, path: list[Any], value: Any, rejected: bool
) -> None:
    body = body_of([BASE, _mutate(BASE, path, value)])
    assert outcome(lambda: fast(body, cls)) == outcome(lambda: standard(body, cls))
    validator = response_validator(cls, "Items")
    assert validator is not None
    if rejected:
        # Silently skipping the value would be wrong: the wire path must hand it over.
        if cls is PipelineRunLogView and path == ["run_id"]:
            validator.validate_json(body)  # views need no field
            return
        with pytest.raises(pydantic.ValidationError):
            validator.validate_json(body)
    else:
        validator.validate_json(body)


def test_a_rejected_body_reports_the_standard_error() -> None:
    body = body_of([_mutate(BASE, ["stages", "L", 0, "M", "records_processed"], {"S": "x"})])
    with pytest.raises(ValidationError) as info:
        fast(body, PipelineRunLog)
    assert info.value.field == "stages.0.records_processed"


def test_unknown_attributes_are_kept_decoded_by_both_paths() -> None:
    """Attributes another writer (or a newer version) stored are data: both read paths keep
    them, decoded, in ``model_extra`` (nested models too); views drop top-level ones only."""
    wider = _mutate(BASE, ["legacy_flags"], {"L": [{"S": "a"}, {"NULL": True}, {"N": "1.50"}]})
    wider = _mutate(wider, ["gone"], {"NULL": True})
    wider = _mutate(wider, ["stages", "L", 0, "M", "executor_host"], {"S": "h-1"})
    body = body_of([wider])
    validator = response_validator(PipelineRunLog, "Items")
    assert validator is not None
    validator.validate_json(body)  # the wire path itself takes it (no fallback)
    for read in (fast, standard):
        (run,) = read(body, PipelineRunLog)["Items"]
        assert run.model_extra == {"legacy_flags": ["a", None, Decimal("1.50")], "gone": None}
        assert run.stages[0].model_extra == {"executor_host": "h-1"}
        assert "executor_host" not in run.stages[0].model_dump()  # dumps hold declared fields
        (view,) = read(body, PipelineRunLogView)["Items"]
        assert not view.model_extra
        assert view.stages is not None and view.stages[0].model_extra == {"executor_host": "h-1"}


# --------------------------------------------------------------------------- other classes


class Tree(BaseModel):
    name: str
    children: list[Tree] = Field(default_factory=list)


class Forest(FlexibleView):
    full_item = True
    trees: list[Tree] | None = None
    best: Tree | None = None


class BeforeStrip(FlexibleView):
    name: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class Wrapped(StrictModel):
    key: str
    value: int = 0

    @model_validator(mode="before")
    @classmethod
    def _lower(cls, data: Any) -> Any:
        return {k.lower(): v for k, v in data.items()} if isinstance(data, dict) else data


class Aliased(FlexibleView):
    value: str | None = Field(default=None, alias="Value")


class KeepsExtras(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str


class Strict(FlexibleView):
    model_config = ConfigDict(strict=True)
    at: UTCDateTime | None = None


@pytest.mark.parametrize("cls", [Wrapped, Aliased, KeepsExtras, Strict], ids=lambda c: c.__name__)
def test_classes_it_does_not_understand_take_the_standard_path(cls: type[BaseModel]) -> None:
    assert response_validator(cls, "Items") is None
    assert response_validator(cls, "Item") is None


def test_recursive_and_before_validated_fields_are_decoded_first() -> None:
    tree = Tree(name="a", children=[Tree(name="b", children=[Tree(name="c")])])
    item = {
        "trees": {"L": [{"M": {"name": {"S": "a"}, "children": {"L": []}}}]},
        "best": encode_value(tree),
    }
    body = body_of([item])
    validator = response_validator(Forest, "Items")
    assert validator is not None
    parsed = validator.validate_json(body)["Items"]
    assert parsed == standard(body, Forest)["Items"]
    assert parsed[0].best == tree

    body = body_of([{"name": {"S": "  padded  "}}])
    validator = response_validator(BeforeStrip, "Items")
    assert validator is not None
    assert validator.validate_json(body)["Items"][0].name == "padded"
    body = body_of([{"name": {"N": "1"}}])  # the before-validator sees decoded values only
    assert outcome(lambda: fast(body, BeforeStrip)) == outcome(lambda: standard(body, BeforeStrip))
