"""Unit tests of dynamodb_wrapper.core.metadata: Meta validation at class definition time."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from dynamodb_wrapper.core.metadata import (
    GSIDefinition,
    TableMeta,
    extract_model_metadata,
    key_attribute_type,
)
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime
from dynamodb_wrapper.exceptions import ConfigurationError


class Color(str, enum.Enum):  # noqa: UP042 - the (str, Enum) form models use
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Shape(enum.Enum):
    SQUARE = (1, 2)


def _config_error(excinfo: pytest.ExceptionInfo[ConfigurationError], *needles: str) -> None:
    message = str(excinfo.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


def make_model(name: str, fields: dict[str, Any], meta: dict[str, Any]) -> type[DynamoModel]:
    """Define a DynamoModel subclass (``fields``: annotation, or (annotation, default))."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": name}
    for field_name, spec in fields.items():
        if isinstance(spec, tuple):
            annotations[field_name], namespace[field_name] = spec
        else:
            annotations[field_name] = spec
    namespace["__annotations__"] = annotations
    namespace["Meta"] = type("Meta", (), {**meta, "__qualname__": f"{name}.Meta"})
    return type(name, (DynamoModel,), namespace)


# --------------------------------------------------------------------------- valid models


class Pipeline(DynamoModel):
    pipeline_id: str
    is_active: bool = True
    environment: Literal["dev", "staging", "prod"] = "dev"
    created_at: UTCDateTime
    updated_at: UTCDateTime
    name: str = ""
    expires_at: int | None = None
    revision: int = 0
    color: Color = Color.RED
    level: Level = Level.LOW

    class Meta:
        table_name = "unit_pipeline_config"
        partition_key = "pipeline_id"
        gsis = [
            {
                "name": "ActivePipelinesIndex",
                "partition_key": "is_active",
                "sort_key": "updated_at",
            },
            GSIDefinition(
                name="EnvironmentIndex", partition_key="environment", sort_key="created_at"
            ),
            {
                "name": "ColorIndex",
                "partition_key": "color",
                "sort_key": "level",
                "projection": "INCLUDE",
                "non_key_attributes": ["name"],
            },
            {"name": "KeysOnly", "partition_key": "name", "projection": "KEYS_ONLY"},
        ]
        ttl_attribute = "expires_at"
        version_attribute = "revision"


def test_valid_model_table_meta() -> None:
    meta = Pipeline.__table_meta__
    assert isinstance(meta, TableMeta)
    assert meta.model_name == "Pipeline"
    assert meta.table_name == "unit_pipeline_config"
    assert meta.partition_key == "pipeline_id"
    assert meta.sort_key is None
    assert meta.key_attributes == ("pipeline_id",)
    assert meta.ttl_attribute == "expires_at"
    assert meta.version_attribute == "revision"


def test_valid_model_attribute_types_cover_table_and_gsi_keys() -> None:
    meta = Pipeline.table_meta()
    assert dict(meta.attribute_types) == {
        "pipeline_id": "S",
        "is_active": "S",  # bools are stored as "true"/"false" when they are keys
        "updated_at": "S",  # datetimes as fixed-width strings
        "environment": "S",
        "created_at": "S",
        "color": "S",
        "level": "N",
        "name": "S",
    }
    assert meta.all_key_attributes == frozenset(meta.attribute_types)


def test_valid_model_bool_keys_include_bool_gsi_key() -> None:
    assert Pipeline.table_meta().bool_keys == frozenset({"is_active"})


def test_valid_model_gsis_from_dicts_and_gsidefinition() -> None:
    gsis = Pipeline.table_meta().gsis
    assert list(gsis) == ["ActivePipelinesIndex", "EnvironmentIndex", "ColorIndex", "KeysOnly"]
    assert gsis["ActivePipelinesIndex"] == GSIDefinition(
        name="ActivePipelinesIndex", partition_key="is_active", sort_key="updated_at"
    )
    assert gsis["EnvironmentIndex"].partition_key == "environment"
    assert gsis["EnvironmentIndex"].sort_key == "created_at"
    assert gsis["EnvironmentIndex"].projection == "ALL"
    assert gsis["ColorIndex"].projection == "INCLUDE"
    assert gsis["ColorIndex"].non_key_attributes == ("name",)
    assert gsis["KeysOnly"].projection == "KEYS_ONLY"
    assert gsis["KeysOnly"].sort_key is None


def test_index_keys() -> None:
    meta = Pipeline.table_meta()
    assert meta.index_keys(None) == ("pipeline_id", None)
    assert meta.index_keys("ActivePipelinesIndex") == ("is_active", "updated_at")
    assert meta.index_keys("KeysOnly") == ("name", None)


def test_unknown_gsi_lists_declared_names() -> None:
    with pytest.raises(ConfigurationError) as info:
        Pipeline.table_meta().gsi("Nope")
    _config_error(info, "Pipeline", "Nope", "ActivePipelinesIndex", "EnvironmentIndex", "KeysOnly")
    with pytest.raises(ConfigurationError):
        Pipeline.table_meta().index_keys("Nope")


def test_meta_is_immutable() -> None:
    meta = Pipeline.table_meta()
    with pytest.raises(AttributeError):
        meta.table_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        meta.gsis["X"] = GSIDefinition(name="X", partition_key="name")  # type: ignore[index]
    with pytest.raises(TypeError):
        meta.attribute_types["x"] = "S"  # type: ignore[index]


def test_caching_returns_the_same_object() -> None:
    first = extract_model_metadata(Pipeline)
    assert extract_model_metadata(Pipeline) is first
    assert Pipeline.table_meta() is first
    assert Pipeline.__table_meta__ is first


def test_model_with_sort_key() -> None:
    class Event(DynamoModel):
        tenant: str
        at: UTCDateTime
        seq: int = 0

        class Meta:
            table_name = "events"
            partition_key = "tenant"
            sort_key = "at"
            gsis = [{"name": "BySeq", "partition_key": "seq", "sort_key": "tenant"}]

    meta = Event.table_meta()
    assert meta.sort_key == "at"
    assert meta.key_attributes == ("tenant", "at")
    assert meta.index_keys(None) == ("tenant", "at")
    assert dict(meta.attribute_types) == {"tenant": "S", "at": "S", "seq": "N"}
    assert meta.bool_keys == frozenset()


def test_plain_datetime_decimal_bytes_and_int_literal_keys() -> None:
    class Misc(DynamoModel):
        pk: bytes
        when: datetime
        amount: Decimal = Decimal(0)
        tier: Literal[1, 2, 3] = 1
        flag: bool | None = None

        class Meta:
            table_name = "misc"
            partition_key = "pk"
            sort_key = "when"
            gsis = [
                {"name": "ByAmount", "partition_key": "amount"},
                {"name": "ByTier", "partition_key": "tier"},
                {"name": "ByFlag", "partition_key": "flag"},  # optional is fine for GSI keys
            ]

    meta = Misc.table_meta()
    assert dict(meta.attribute_types) == {
        "pk": "B",
        "when": "S",
        "amount": "N",
        "tier": "N",
        "flag": "S",
    }
    assert meta.bool_keys == frozenset({"flag"})


def test_subclass_without_meta_is_not_checked_at_definition() -> None:
    class Base(DynamoModel):
        pk: str

    # An abstract base without Meta is allowed; asking for its metadata is an error.
    assert Base.__table_meta__ is None
    with pytest.raises(ConfigurationError) as info:
        extract_model_metadata(Base)
    _config_error(info, "Base", "Meta")


@pytest.mark.parametrize(
    ("python_type", "expected"),
    [
        (str, "S"),
        (bool, "S"),
        (datetime, "S"),
        (Color, "S"),
        (int, "N"),
        (Decimal, "N"),
        (Level, "N"),
        (bytes, "B"),
        (float, None),
        (dict, None),
        (list, None),
        (Shape, None),
    ],
)
def test_key_attribute_type(python_type: type, expected: str | None) -> None:
    assert key_attribute_type(python_type) == expected


# --------------------------------------------------------------------------- misconfigurations


def test_missing_meta_plain_pydantic_model() -> None:
    class NoMeta(BaseModel):
        pk: str

    with pytest.raises(ConfigurationError) as info:
        extract_model_metadata(NoMeta)
    _config_error(info, "NoMeta", "Meta")


@pytest.mark.parametrize("missing", ["table_name", "partition_key"])
def test_missing_required_meta_attribute(missing: str) -> None:
    attrs: dict[str, Any] = {"table_name": "things", "partition_key": "pk"}
    del attrs[missing]
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"pk": str}, attrs)
    _config_error(info, "Thing", missing)


@pytest.mark.parametrize("value", ["", None, 42])
def test_empty_or_non_string_partition_key(value: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"pk": str}, {"table_name": "things", "partition_key": value})
    _config_error(info, "Thing", "partition_key")


@pytest.mark.parametrize("table_name", ["ab", "has space", "bad/name", "x" * 256, "", 7])
def test_invalid_table_name(table_name: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_model("BadTable", {"pk": str}, {"table_name": table_name, "partition_key": "pk"})
    _config_error(info, "BadTable", "table_name")


def test_unknown_meta_attribute_typo() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Typo(DynamoModel):
            pk: str

            class Meta:
                table_name = "typos"
                partition_key = "pk"
                partion_key = "pk"

    _config_error(info, "Typo", "partion_key")


def test_partition_key_not_a_field() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Missing(DynamoModel):
            pk: str

            class Meta:
                table_name = "missing"
                partition_key = "id"

    _config_error(info, "Missing", "partition_key", "'id'")


def test_sort_key_not_a_field() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Missing(DynamoModel):
            pk: str

            class Meta:
                table_name = "missing"
                partition_key = "pk"
                sort_key = "sk"

    _config_error(info, "Missing", "sort_key", "'sk'")


def test_sort_key_equal_to_partition_key() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Same(DynamoModel):
            pk: str

            class Meta:
                table_name = "same"
                partition_key = "pk"
                sort_key = "pk"

    _config_error(info, "Same", "sort_key")


@pytest.mark.parametrize("which", ["partition_key", "sort_key"])
def test_optional_table_key_rejected(which: str) -> None:
    attrs: dict[str, Any] = {"table_name": "things", "partition_key": "a", "sort_key": "b"}
    attrs[which] = "opt"
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"a": str, "b": str, "opt": (str | None, None)}, attrs)
    _config_error(info, "Thing", which, "'opt'", "Optional")


@pytest.mark.parametrize(
    "annotation",
    [dict[str, Any], float, list[str], dict, list, Shape, Literal["a", 1], str | int],
    ids=["dict_generic", "float", "list_generic", "dict", "list", "tuple_enum", "mixed", "union"],
)
@pytest.mark.parametrize("where", ["partition_key", "gsi"])
def test_unsupported_key_type(annotation: Any, where: str) -> None:
    if where == "partition_key":
        attrs: dict[str, Any] = {"table_name": "things", "partition_key": "bad"}
        fields: dict[str, Any] = {"bad": annotation}
    else:
        attrs = {
            "table_name": "things",
            "partition_key": "pk",
            "gsis": [{"name": "BadIndex", "partition_key": "bad"}],
        }
        fields = {"pk": str, "bad": annotation}
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", fields, attrs)
    _config_error(info, "Thing", "'bad'", "partition_key")


def test_gsi_key_not_a_field() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Bad(DynamoModel):
            pk: str

            class Meta:
                table_name = "bads"
                partition_key = "pk"
                gsis = [{"name": "ByX", "partition_key": "pk", "sort_key": "x"}]

    _config_error(info, "Bad", "gsis[0].sort_key", "'x'")


def test_duplicate_gsi_names() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Dup(DynamoModel):
            pk: str
            a: str = "a"
            b: str = "b"

            class Meta:
                table_name = "dups"
                partition_key = "pk"
                gsis = [
                    {"name": "Same", "partition_key": "a"},
                    GSIDefinition(name="Same", partition_key="b"),
                ]

    _config_error(info, "Dup", "gsis[1]", "'Same'", "duplicate")


@pytest.mark.parametrize("name", ["ab", "has space", "bad/name", "", 123, "x" * 256])
def test_bad_gsi_name(name: Any) -> None:
    with pytest.raises(ConfigurationError) as info:

        class BadName(DynamoModel):
            pk: str
            a: str = "a"

            class Meta:
                table_name = "bad_names"
                partition_key = "pk"
                gsis = [{"name": name, "partition_key": "a"}]

    _config_error(info, "BadName", "gsis[0].name")


def test_gsi_unknown_keys() -> None:
    with pytest.raises(ConfigurationError) as info:

        class Unknown(DynamoModel):
            pk: str
            a: str = "a"

            class Meta:
                table_name = "unknowns"
                partition_key = "pk"
                gsis = [{"name": "ByA", "partition_key": "a", "sortkey": "pk"}]

    _config_error(info, "Unknown", "gsis[0]", "sortkey")


def test_gsi_missing_partition_key() -> None:
    with pytest.raises(ConfigurationError) as info:

        class NoPk(DynamoModel):
            pk: str

            class Meta:
                table_name = "no_pks"
                partition_key = "pk"
                gsis = [{"name": "ByNothing"}]

    _config_error(info, "NoPk", "gsis[0]", "partition_key")


@pytest.mark.parametrize("entry", ["ByA", ("ByA", "a"), 3])
def test_gsi_entry_of_wrong_type(entry: Any) -> None:
    with pytest.raises(ConfigurationError) as info:

        class Wrong(DynamoModel):
            pk: str
            a: str = "a"

            class Meta:
                table_name = "wrongs"
                partition_key = "pk"
                gsis = [entry]

    _config_error(info, "Wrong", "gsis[0]")


def test_gsis_not_a_list() -> None:
    with pytest.raises(ConfigurationError) as info:

        class NotList(DynamoModel):
            pk: str

            class Meta:
                table_name = "not_lists"
                partition_key = "pk"
                gsis = "ByA"

    _config_error(info, "NotList", "gsis")


@pytest.mark.parametrize(
    "gsi",
    [
        {"name": "Inc", "partition_key": "a", "projection": "INCLUDE"},
        {"name": "Inc", "partition_key": "a", "projection": "INCLUDE", "non_key_attributes": []},
        {"name": "Inc", "partition_key": "a", "non_key_attributes": ["b"]},
        {
            "name": "Inc",
            "partition_key": "a",
            "projection": "KEYS_ONLY",
            "non_key_attributes": ["b"],
        },
        {
            "name": "Inc",
            "partition_key": "a",
            "projection": "INCLUDE",
            "non_key_attributes": ["zz"],
        },
        {"name": "Inc", "partition_key": "a", "projection": "SOME"},
    ],
    ids=[
        "include_no_attrs",
        "include_empty",
        "all_with_attrs",
        "keys_with_attrs",
        "unknown",
        "bad",
    ],
)
def test_include_projection_rules(gsi: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as info:

        class Inc(DynamoModel):
            pk: str
            a: str = "a"
            b: str = "b"

            class Meta:
                table_name = "incs"
                partition_key = "pk"
                gsis = [gsi]

    _config_error(info, "Inc", "gsis[0]")


def test_include_projection_valid() -> None:
    class IncOk(DynamoModel):
        pk: str
        a: str = "a"
        b: str = "b"

        class Meta:
            table_name = "incs"
            partition_key = "pk"
            gsis = [
                GSIDefinition(
                    name="Inc", partition_key="a", projection="INCLUDE", non_key_attributes=("b",)
                )
            ]

    assert IncOk.table_meta().gsi("Inc").non_key_attributes == ("b",)


@pytest.mark.parametrize("key", ["ttl_attribute", "version_attribute"])
@pytest.mark.parametrize(
    "annotation", [str, float, bool, Decimal, datetime], ids=["str", "float", "bool", "dec", "dt"]
)
def test_ttl_and_version_must_be_int(key: str, annotation: Any) -> None:
    attrs = {"table_name": "things", "partition_key": "pk", key: "special"}
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"pk": str, "special": (annotation | None, None)}, attrs)
    _config_error(info, "Thing", key, "'special'")


@pytest.mark.parametrize("key", ["ttl_attribute", "version_attribute"])
def test_ttl_and_version_must_name_a_field(key: str) -> None:
    attrs = {"table_name": "things", "partition_key": "pk", key: "nope"}
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"pk": str}, attrs)
    _config_error(info, "Thing", key, "'nope'")


@pytest.mark.parametrize("annotation", [int, int | None], ids=["int", "optional_int"])
def test_ttl_and_version_int_accepted(annotation: Any) -> None:
    meta = make_model(
        "Thing",
        {"pk": str, "ttl": (annotation, 0), "rev": (annotation, 0)},
        {
            "table_name": "things",
            "partition_key": "pk",
            "ttl_attribute": "ttl",
            "version_attribute": "rev",
        },
    ).table_meta()
    assert (meta.ttl_attribute, meta.version_attribute) == ("ttl", "rev")


@pytest.mark.parametrize("where", ["table", "gsi"])
def test_version_attribute_cannot_be_a_key(where: str) -> None:
    attrs: dict[str, Any] = {"table_name": "things", "version_attribute": "v"}
    if where == "table":
        attrs["partition_key"] = "v"
    else:
        attrs["partition_key"] = "pk"
        attrs["gsis"] = [{"name": "ByV", "partition_key": "v"}]
    with pytest.raises(ConfigurationError) as info:
        make_model("Thing", {"pk": (str, "p"), "v": (int, 0)}, attrs)
    _config_error(info, "Thing", "version_attribute", "'v'")


def _many_gsi_model(count: int) -> type[DynamoModel]:
    fields: dict[str, Any] = {"pk": str, **{f"f{i}": (str, "x") for i in range(count)}}
    return make_model(
        "Many",
        fields,
        {
            "table_name": "many",
            "partition_key": "pk",
            "gsis": [{"name": f"Index{i}", "partition_key": f"f{i}"} for i in range(count)],
        },
    )


def test_twenty_gsis_allowed_twenty_one_rejected() -> None:
    assert len(_many_gsi_model(20).table_meta().gsis) == 20
    with pytest.raises(ConfigurationError) as info:
        _many_gsi_model(21)
    _config_error(info, "Many", "gsis", "20")


def test_gsi_sort_key_equal_to_partition_key() -> None:
    with pytest.raises(ConfigurationError) as info:

        class SameGsi(DynamoModel):
            pk: str
            a: str = "a"

            class Meta:
                table_name = "same_gsis"
                partition_key = "pk"
                gsis = [{"name": "ByA", "partition_key": "a", "sort_key": "a"}]

    _config_error(info, "SameGsi", "gsis[0]", "sort_key")
