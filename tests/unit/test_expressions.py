"""Unit tests of dynamodb_wrapper.core.expressions: placeholders, key conditions, updates."""

from __future__ import annotations

import functools
import json
import operator
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodb_wrapper.core.expressions import (
    Attr,
    ExpressionBuilder,
    Key,
    SortCondition,
    Update,
    WireValue,
    build_key_condition,
)
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime
from dynamodb_wrapper.exceptions import ConfigurationError, ValidationError

NAME_PLACEHOLDER = re.compile(r"#n\d+")
VALUE_PLACEHOLDER = re.compile(r":v\d+")
RESERVED = ["status", "name", "data", "environment", "timestamp"]


class Run(DynamoModel):
    run_id: str
    pipeline_id: str
    status: str = "pending"
    start_time: UTCDateTime
    is_active: bool = True
    retry_count: int = 0
    score: Decimal = Decimal(0)
    name: str = ""
    tags: set[str] | None = None
    stages: list[dict[str, Any]] = []

    class Meta:
        table_name = "runs"
        partition_key = "run_id"
        gsis = [
            {"name": "PipelineRunsIndex", "partition_key": "pipeline_id", "sort_key": "start_time"},
            {"name": "ActiveIndex", "partition_key": "is_active", "sort_key": "retry_count"},
            {"name": "ScoreIndex", "partition_key": "status", "sort_key": "score"},
            {"name": "NameIndex", "partition_key": "name"},
        ]


class Event(DynamoModel):
    tenant: str
    seq: int
    body: str = ""

    class Meta:
        table_name = "events"
        partition_key = "tenant"
        sort_key = "seq"


META = Run.table_meta()
EVENT_META = Event.table_meta()
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def placeholders_used(*expressions: str) -> tuple[set[str], set[str]]:
    text = " ".join(expressions)
    return set(NAME_PLACEHOLDER.findall(text)), set(VALUE_PLACEHOLDER.findall(text))


def assert_request_is_exact(builder: ExpressionBuilder, *expressions: str) -> dict[str, Any]:
    """request_parts() carries exactly the placeholders the expressions use, no empty maps."""
    parts = builder.request_parts()
    names, values = placeholders_used(*expressions)
    assert set(parts.get("ExpressionAttributeNames", {})) == names
    assert set(parts.get("ExpressionAttributeValues", {})) == values
    for key in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if key in parts:
            assert parts[key], f"{key} must be omitted when empty"
    return parts


def resolve(builder: ExpressionBuilder, expression: str) -> str:
    """Substitute the name placeholders back (to check which attribute each one stands for)."""
    return NAME_PLACEHOLDER.sub(lambda m: builder.names[m.group(0)], expression)


def resolve_all(builder: ExpressionBuilder, expression: str) -> str:
    """Substitute names and values (values as compact JSON of their wire form)."""
    return VALUE_PLACEHOLDER.sub(
        lambda m: json.dumps(builder.values[m.group(0)], separators=(",", ":")),
        resolve(builder, expression),
    )


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("word", RESERVED)
def test_reserved_words_become_placeholders(word: str) -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(Attr(word).eq("x"))
    assert word not in expression
    assert NAME_PLACEHOLDER.fullmatch(expression.split(" ")[0])
    assert list(builder.names.values()) == [word]
    assert_request_is_exact(builder, expression)


def test_every_name_is_a_placeholder_even_if_not_reserved() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(Attr("retry_count").lt(3) & Attr("my_field").exists())
    assert "retry_count" not in expression
    assert "my_field" not in expression
    assert resolve(builder, expression) == "(retry_count < :v0 AND attribute_exists(my_field))"


def test_nested_path() -> None:
    builder = ExpressionBuilder()
    rendered = builder.name("a.b[2].c")
    assert re.fullmatch(r"#n\d+\.#n\d+\[2\]\.#n\d+", rendered)
    assert resolve(builder, rendered) == "a.b[2].c"
    assert len(builder.names) == 3
    multi = builder.name("status[0][10].data")
    assert re.fullmatch(r"#n\d+\[0\]\[10\]\.#n\d+", multi)
    assert resolve(builder, multi) == "status[0][10].data"


def test_repeated_names_reuse_one_placeholder() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(
        Attr("status").eq("a") | Attr("status").eq("b") | Attr("config.status").exists()
    )
    assert list(builder.names.values()).count("status") == 1
    assert len(set(NAME_PLACEHOLDER.findall(expression))) == 2  # status, config
    assert len(NAME_PLACEHOLDER.findall(expression)) == 4
    projection = builder.projection(["status", "name"])
    assert list(builder.names.values()).count("status") == 1
    assert_request_is_exact(builder, expression, projection)


@pytest.mark.parametrize("path", ["", "[2]", "[0][1]"])
def test_invalid_paths_rejected(path: str) -> None:
    with pytest.raises(ValidationError):
        ExpressionBuilder().name(path)


# --------------------------------------------------------------------------- conditions


def test_condition_values_are_wire_encoded() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(
        Attr("a").eq("x")
        & Attr("b").gte(Decimal("1.5"))
        & Attr("c").between(1, 9)
        & Attr("d").begins_with("pre")
        & Attr("e").ne(True)
        & Attr("f").eq(datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))))
    )
    assert_request_is_exact(builder, expression)
    assert sorted(builder.values.values(), key=repr) == sorted(
        [
            {"S": "x"},
            {"N": "1.5"},
            {"N": "1"},
            {"N": "9"},
            {"S": "pre"},
            {"BOOL": True},
            {"S": "2024-01-01T00:00:00.000000Z"},
        ],
        key=repr,
    )
    assert "BETWEEN" in expression
    assert "begins_with(" in expression


def test_condition_bool_key_attribute_encoded_as_string_with_meta() -> None:
    builder = ExpressionBuilder(META)
    expression = builder.condition(Attr("is_active").eq(True) & Attr("retry_count").lt(3))
    values = builder.request_parts()["ExpressionAttributeValues"]
    assert {"S": "true"} in values.values()
    assert {"BOOL": True} not in values.values()
    assert_request_is_exact(builder, expression)


def test_in_with_100_values_allowed_101_rejected() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(Attr("status").is_in([f"s{i}" for i in range(100)]))
    assert len(builder.values) == 100
    assert_request_is_exact(builder, expression)
    with pytest.raises(ValidationError) as info:
        ExpressionBuilder().condition(Attr("status").is_in([f"s{i}" for i in range(101)]))
    assert info.value.field == "status"


def test_condition_rejects_non_conditions() -> None:
    with pytest.raises(ValidationError):
        ExpressionBuilder().condition("status = :v0")  # type: ignore[arg-type]


def test_condition_size_and_attribute_type() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(
        Attr("tags").size().gt(2) & Attr("name").attribute_type("S") & Attr("x").not_exists()
    )
    assert resolve(builder, expression).count("size(tags)") == 1
    assert "attribute_not_exists(" in expression
    assert_request_is_exact(builder, expression)


# --------------------------------------------------------------------------- projection


def test_projection() -> None:
    builder = ExpressionBuilder(META, fields=Run.model_fields)
    projection = builder.projection(["run_id", "status", "name", "status", "stages[0].x"])
    assert resolve(builder, projection) == "run_id, status, name, stages[0].x"
    for word in ("status", "name"):
        assert word not in projection
    assert_request_is_exact(builder, projection)


def test_projection_unknown_field_rejected_when_fields_known() -> None:
    builder = ExpressionBuilder(META, fields=Run.model_fields)
    with pytest.raises(ValidationError) as info:
        builder.projection(["run_id", "colour"])
    assert info.value.field == "colour"
    assert "colour" in str(info.value)
    with pytest.raises(ValidationError):
        builder.projection(["nope.child"])
    # Without known fields, any name is accepted.
    assert ExpressionBuilder().projection(["colour"]) == "#n0"


def test_empty_projection_rejected() -> None:
    with pytest.raises(ValidationError):
        ExpressionBuilder().projection([])
    with pytest.raises(ValidationError):
        ExpressionBuilder(META, fields=Run.model_fields).projection(iter(()))


# --------------------------------------------------------------------------- request parts


def test_request_parts_empty_builder_has_no_maps() -> None:
    assert ExpressionBuilder().request_parts() == {}


def test_request_parts_names_only() -> None:
    builder = ExpressionBuilder()
    expression = builder.condition(Attr("status").exists())
    parts = assert_request_is_exact(builder, expression)
    assert "ExpressionAttributeValues" not in parts
    assert parts["ExpressionAttributeNames"] == {"#n0": "status"}


def test_request_parts_is_a_copy() -> None:
    builder = ExpressionBuilder()
    builder.condition(Attr("a").eq(1))
    parts = builder.request_parts()
    parts["ExpressionAttributeNames"]["#x"] = "y"
    assert "#x" not in builder.names


attribute_names = st.sampled_from(
    ["status", "name", "data", "environment", "timestamp", "retry_count", "a.b", "l[1].x"]
)
scalar_values = st.one_of(st.text(max_size=5), st.integers(-1000, 1000), st.booleans())
simple_conditions = st.one_of(
    st.builds(lambda n, v: Attr(n).eq(v), attribute_names, scalar_values),
    st.builds(lambda n, v: Attr(n).lt(v), attribute_names, st.integers(-10, 10)),
    st.builds(lambda n: Attr(n).exists(), attribute_names),
    st.builds(
        lambda n, vs: Attr(n).is_in(vs),
        attribute_names,
        st.lists(scalar_values, min_size=1, max_size=5),
    ),
)
conditions = st.recursive(
    simple_conditions,
    lambda children: st.one_of(
        st.builds(operator.and_, children, children),
        st.builds(operator.or_, children, children),
        st.builds(operator.invert, children),
    ),
    max_leaves=8,
)


@settings(deadline=None)
@given(conditions, st.one_of(st.none(), conditions), st.lists(attribute_names, max_size=3))
def test_request_parts_match_expressions_property(
    filter_condition: Any, condition: Any, projection: list[str]
) -> None:
    builder = ExpressionBuilder()
    expressions = [builder.condition(filter_condition)]
    if condition is not None:
        expressions.append(builder.condition(condition))
    if projection:
        expressions.append(builder.projection(projection))
    parts = assert_request_is_exact(builder, *expressions)
    # No raw attribute name survives in the expressions.
    for expression in expressions:
        stripped = NAME_PLACEHOLDER.sub("", VALUE_PLACEHOLDER.sub("", expression))
        for word in ("status", "name", "data", "environment", "timestamp", "retry_count"):
            assert word not in stripped
    # Each distinct path part has exactly one placeholder.
    names = parts.get("ExpressionAttributeNames", {})
    assert len(set(names.values())) == len(names)


# --------------------------------------------------------------------------- key conditions


def test_build_key_condition_table_partition_only() -> None:
    builder = ExpressionBuilder(META)
    expression = build_key_condition(META, builder, "run-1")
    assert resolve(builder, expression) == "run_id = :v0"
    assert builder.values == {":v0": {"S": "run-1"}}
    assert_request_is_exact(builder, expression)


def test_build_key_condition_table_with_sort_key() -> None:
    builder = ExpressionBuilder(EVENT_META)
    expression = build_key_condition(EVENT_META, builder, "t1", SortCondition("gt", (5,)))
    assert resolve(builder, expression) == "(tenant = :v0 AND seq > :v1)"
    assert builder.values == {":v0": {"S": "t1"}, ":v1": {"N": "5"}}


@pytest.mark.parametrize(
    ("operator_name", "rendered"),
    [
        ("eq", "start_time = :v1"),
        ("lt", "start_time < :v1"),
        ("lte", "start_time <= :v1"),
        ("gt", "start_time > :v1"),
        ("gte", "start_time >= :v1"),
    ],
)
def test_build_key_condition_gsi_sort_operators(operator_name: str, rendered: str) -> None:
    builder = ExpressionBuilder(META)
    when = datetime(2024, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))
    expression = build_key_condition(
        META,
        builder,
        "p1",
        SortCondition(operator_name, (when,)),
        "PipelineRunsIndex",  # type: ignore[arg-type]
    )
    assert resolve(builder, expression) == f"(pipeline_id = :v0 AND {rendered})"
    assert builder.values[":v1"] == {"S": "2024-01-01T00:00:00.000000Z"}


def test_build_key_condition_begins_with() -> None:
    builder = ExpressionBuilder(META)
    expression = build_key_condition(
        META, builder, "p1", SortCondition("begins_with", ("2024-01",)), "PipelineRunsIndex"
    )
    assert resolve(builder, expression) == "(pipeline_id = :v0 AND begins_with(start_time, :v1))"
    assert builder.values[":v1"] == {"S": "2024-01"}


@pytest.mark.parametrize("with_meta", [True, False])
@pytest.mark.parametrize(("value", "stored"), [(True, "true"), (False, "false")])
def test_bool_gsi_partition_key_encoded_as_string(
    with_meta: bool, value: bool, stored: str
) -> None:
    builder = ExpressionBuilder(META) if with_meta else ExpressionBuilder()
    expression = build_key_condition(META, builder, value, index_name="ActiveIndex")
    assert resolve(builder, expression) == "is_active = :v0"
    assert builder.values == {":v0": {"S": stored}}


@pytest.mark.parametrize("with_meta", [True, False])
@pytest.mark.parametrize("value", [None, "", 5])
def test_bad_partition_values_rejected(with_meta: bool, value: Any) -> None:
    builder = ExpressionBuilder(META) if with_meta else ExpressionBuilder()
    with pytest.raises(ValidationError):
        build_key_condition(META, builder, value)


@pytest.mark.parametrize("with_meta", [True, False])
def test_bad_sort_values_rejected(with_meta: bool) -> None:
    builder = ExpressionBuilder(EVENT_META) if with_meta else ExpressionBuilder()
    for sort in (SortCondition("gt", (None,)), SortCondition("eq", ("5",))):
        with pytest.raises(ValidationError):
            build_key_condition(EVENT_META, builder, "t", sort)


def test_sort_condition_range() -> None:
    assert SortCondition.range(None, None) is None
    assert SortCondition.range(1, None) == SortCondition("gte", (1,))
    assert SortCondition.range(None, 9) == SortCondition("lte", (9,))
    assert SortCondition.range(1, 9) == SortCondition("between", (1, 9))


@pytest.mark.parametrize(
    ("low", "high", "rendered"),
    [
        (T0, None, "start_time >= :v1"),
        (None, T0, "start_time <= :v1"),
        (T0, T0 + timedelta(days=1), "start_time BETWEEN :v1 AND :v2"),
        (T0, T0, "start_time BETWEEN :v1 AND :v2"),  # inclusive, equal bounds allowed
    ],
)
def test_range_renders_inclusive_bounds(
    low: datetime | None, high: datetime | None, rendered: str
) -> None:
    builder = ExpressionBuilder(META)
    expression = build_key_condition(
        META, builder, "p1", SortCondition.range(low, high), "PipelineRunsIndex"
    )
    assert resolve(builder, expression) == f"(pipeline_id = :v0 AND {rendered})"
    assert_request_is_exact(builder, expression)


@pytest.mark.parametrize(("operator_name", "values"), [("between", (1,)), ("gt", (1, 2))])
def test_sort_condition_arity_checked(operator_name: str, values: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError):
        build_key_condition(
            META,
            ExpressionBuilder(META),
            True,
            SortCondition(operator_name, values),  # type: ignore[arg-type]
            "ActiveIndex",
        )


def test_open_range_is_no_sort_condition() -> None:
    builder = ExpressionBuilder(META)
    expression = build_key_condition(
        META, builder, "p1", SortCondition.range(None, None), "PipelineRunsIndex"
    )
    assert resolve(builder, expression) == "pipeline_id = :v0"


@pytest.mark.parametrize(
    ("index", "low", "high"),
    [
        ("PipelineRunsIndex", T0 + timedelta(microseconds=1), T0),
        # 10:00+02:00 is 08:00Z, after 07:30Z although its wall time reads later than 09:30.
        (
            "PipelineRunsIndex",
            datetime(2024, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
            datetime(2024, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("PipelineRunsIndex", "2024-02", "2024-01"),
        ("ActiveIndex", 10, 9),
        ("ActiveIndex", 2, -3),
        ("ScoreIndex", Decimal("1.5"), Decimal("1.25")),
        ("ScoreIndex", Decimal("10"), 9),
    ],
)
def test_between_start_after_end_rejected(index: str, low: Any, high: Any) -> None:
    with pytest.raises(ValidationError):
        build_key_condition(
            META, ExpressionBuilder(META), "p", SortCondition("between", (low, high)), index
        )


@pytest.mark.parametrize(
    ("index", "low", "high"),
    [
        (
            "PipelineRunsIndex",
            datetime(2024, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))),  # 07:30Z
            datetime(2024, 1, 1, 8, 0, tzinfo=UTC),
        ),
        ("ActiveIndex", 9, 10),
        ("ActiveIndex", -3, 2),
        ("ScoreIndex", Decimal("9"), 10),  # numeric, not lexical, order
        ("ScoreIndex", Decimal("1.25"), Decimal("1.5")),
    ],
)
def test_between_in_order_accepted(index: str, low: Any, high: Any) -> None:
    partition: Any = True if index == "ActiveIndex" else "p"
    builder = ExpressionBuilder(META)
    expression = build_key_condition(
        META, builder, partition, SortCondition("between", (low, high)), index
    )
    assert "BETWEEN" in expression


def test_sort_condition_on_index_without_sort_key_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        build_key_condition(
            META, ExpressionBuilder(META), "n", SortCondition("eq", ("x",)), "NameIndex"
        )
    assert "NameIndex" in str(info.value)
    with pytest.raises(ValidationError):
        build_key_condition(META, ExpressionBuilder(META), "r", SortCondition("eq", ("x",)))


def test_unknown_index_rejected() -> None:
    with pytest.raises(ConfigurationError) as info:
        build_key_condition(META, ExpressionBuilder(META), "x", index_name="NopeIndex")
    assert "PipelineRunsIndex" in str(info.value)


def test_attr_in_key_condition_rejected() -> None:
    builder = ExpressionBuilder(META)
    with pytest.raises(ValidationError) as info:
        builder.condition(Key("run_id").eq("a") & Attr("status").eq("x"), key_condition=True)
    assert info.value.field == "status"
    # The same condition is fine as a filter.
    assert builder.condition(Key("run_id").eq("a") & Attr("status").eq("x"))


# --------------------------------------------------------------------------- updates


def test_update_rendering_all_actions() -> None:
    builder = ExpressionBuilder()
    update = (
        Update()
        .set("status", "running")
        .set_if_not_exists("created_by", "me")
        .remove("error_message")
        .add("retry_count", 1)
        .delete("tags", {"old"})
        .append("stages", [{"n": 1}])
        .prepend("log", ["first"])
        .remove("data.nested[2]")
    )
    expression = builder.update(update)
    assert resolve_all(builder, expression) == (
        'SET status = {"S":"running"}, created_by = if_not_exists(created_by, {"S":"me"}), '
        'stages = list_append(if_not_exists(stages, {"L":[]}), {"L":[{"M":{"n":{"N":"1"}}}]}), '
        'log = list_append({"L":[{"S":"first"}]}, if_not_exists(log, {"L":[]})) '
        "REMOVE error_message, data.nested[2] "
        'ADD retry_count {"N":"1"} '
        'DELETE tags {"SS":["old"]}'
    )
    for word in ("status", "data", "error_message"):
        assert word not in expression
    assert_request_is_exact(builder, expression)


def test_update_only_remove_has_no_values() -> None:
    builder = ExpressionBuilder()
    expression = builder.update(Update().remove("a").remove("b"))
    assert resolve(builder, expression) == "REMOVE a, b"
    parts = assert_request_is_exact(builder, expression)
    assert "ExpressionAttributeValues" not in parts


def test_from_changes_none_means_remove() -> None:
    update = Update.from_changes({"status": "done", "error_message": None, "retry_count": 2})
    assert update.actions == [
        ("set", "status", "done"),
        ("remove", "error_message", None),
        ("set", "retry_count", 2),
    ]
    builder = ExpressionBuilder(META)
    expression = builder.update(update)
    assert (
        resolve(builder, expression) == "SET status = :v0, retry_count = :v1 REMOVE error_message"
    )
    assert_request_is_exact(builder, expression)


def test_update_bool_gsi_key_encoded_as_string_with_meta() -> None:
    builder = ExpressionBuilder(META)
    builder.update(Update().set("is_active", False))
    assert builder.values == {":v0": {"S": "false"}}


@pytest.mark.parametrize(
    "build",
    [
        lambda: Update().set("a", 1).set("a", 2),
        lambda: Update().set("a", 1).remove("a"),
        lambda: Update().add("a", 1).delete("a", {1}),
        lambda: Update.from_changes({"a": 1}).append("a", [1]),
    ],
)
def test_same_path_twice_rejected(build: Any) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.field == "a"


def test_empty_update_rejected() -> None:
    with pytest.raises(ValidationError):
        ExpressionBuilder().update(Update())
    with pytest.raises(ValidationError):
        ExpressionBuilder(META).update(Update.from_changes({}))


def test_updating_a_table_key_rejected_with_meta() -> None:
    with pytest.raises(ValidationError) as info:
        ExpressionBuilder(META).update(Update().set("run_id", "other"))
    assert info.value.field == "run_id"
    with pytest.raises(ValidationError) as info:
        ExpressionBuilder(EVENT_META).update(Update().set("body", "x").add("seq", 1))
    assert info.value.field == "seq"
    with pytest.raises(ValidationError):
        ExpressionBuilder(META).update(Update().remove("run_id"))
    # GSI keys are ordinary attributes of the table and may change.
    assert ExpressionBuilder(META).update(Update().set("pipeline_id", "p2"))


def test_set_none_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        Update().set("status", None)
    assert info.value.field == "status"


@pytest.mark.parametrize("action", ["set_if_not_exists", "add", "delete"])
def test_none_values_rejected_for_value_actions(action: str) -> None:
    with pytest.raises(ValidationError):
        getattr(Update(), action)("status", None)


def test_update_value_errors_name_the_path() -> None:
    with pytest.raises(ValidationError) as info:
        ExpressionBuilder().update(Update().set("config", {"x": [float("nan")]}))
    assert info.value.field == "config.x[0]"


# --------------------------------------------------------------------------- 4 KB limit


def _or_chain(count: int) -> Any:
    return functools.reduce(operator.or_, [Attr("status").eq(f"s{i}") for i in range(count)])


def test_expression_over_4kb_rejected() -> None:
    # Each term renders as roughly "#n0 = :vNNN OR " (~20 bytes): 400 terms exceed 4 KB.
    small = ExpressionBuilder().condition(_or_chain(50))
    assert len(small.encode()) < 4096
    with pytest.raises(ValidationError):
        ExpressionBuilder().condition(_or_chain(400))


def test_projection_over_4kb_rejected() -> None:
    fields = [f"f{i}" for i in range(1000)]  # "#nNNN, " is 7 bytes each
    with pytest.raises(ValidationError):
        ExpressionBuilder().projection(fields)


def test_update_over_4kb_rejected() -> None:
    update = Update()
    for i in range(400):
        update.set(f"f{i}", i)
    with pytest.raises(ValidationError):
        ExpressionBuilder().update(update)
    update = Update()
    for i in range(50):
        update.set(f"f{i}", i)
    assert len(ExpressionBuilder().update(update).encode()) <= 4096


def test_bool_fields_compare_in_both_stored_forms() -> None:
    """A bool may be stored as BOOL or as "true"/"false" (bool keys, other writers): ``=`` and
    ``IN`` match either form, ``<>`` neither; other attributes render as before."""
    from dynamodb_wrapper.models.domain_models import TableConfig

    builder = ExpressionBuilder(TableConfig.table_meta())
    text = builder.condition(Attr("is_active").eq(True) & Attr("table_type").eq("source"))
    assert text == "(#n0 IN (:v0, :v1) AND #n1 = :v2)"
    assert builder.values == {
        ":v0": {"BOOL": True},
        ":v1": {"S": "true"},
        ":v2": {"S": "source"},
    }
    builder = ExpressionBuilder(TableConfig.table_meta())
    assert builder.condition(Attr("caching_enabled").ne(False)) == "(#n0 <> :v0 AND #n0 <> :v1)"
    assert builder.values == {":v0": {"BOOL": False}, ":v1": {"S": "false"}}
    with pytest.raises(ValidationError) as info:
        ExpressionBuilder(TableConfig.table_meta()).condition(Attr("is_active").eq("yes"))
    assert info.value.field == "is_active"


def test_a_bool_field_compared_with_a_stored_wire_value_is_compared_as_given() -> None:
    from dynamodb_wrapper.models.domain_models import TableConfig

    builder = ExpressionBuilder(TableConfig.table_meta())
    assert builder.condition(Attr("is_active").eq(WireValue({"S": "true"}))) == "#n0 = :v0"
    assert builder.values == {":v0": {"S": "true"}}
