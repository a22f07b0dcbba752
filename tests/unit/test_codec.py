"""Unit tests of dynamodb_wrapper.core.codec: the wire format of the storage contract."""

from __future__ import annotations

import decimal
import enum
import math
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from dynamodb_wrapper.core.codec import (
    MAX_ITEM_BYTES,
    _decoder_for,
    _encode_fields,
    _encoder_for,
    _float_text,
    _size_bound,
    check_item,
    decode_item,
    decode_item_for,
    decode_value,
    encode_item,
    encode_key,
    encode_key_value,
    encode_number,
    encode_value,
    item_size,
    key_of,
)
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime
from dynamodb_wrapper.core.timeutils import format_utc
from dynamodb_wrapper.exceptions import ItemTooLargeError, ValidationError

# --------------------------------------------------------------------------- test models


class Status(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"


class Mode(str, enum.Enum):  # noqa: UP042 - the older (str, Enum) form must work too
    FAST = "fast"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 5


class Stage(BaseModel):
    stage_name: str
    records: int = 0
    started_at: UTCDateTime | None = None
    error_message: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)


class Record(DynamoModel):
    """A model exercising every supported type; ``active`` is a bool GSI partition key."""

    pk: str
    sk: int
    active: bool
    flag: bool = False
    name: str = ""
    note: str | None = None
    count: int = 0
    amount: Decimal | None = None
    ratio: float | None = None
    created_at: UTCDateTime
    finished_at: UTCDateTime | None = None
    status: Status = Status.PENDING
    priority: Priority = Priority.LOW
    day: date | None = None
    at_time: time | None = None
    ident: uuid.UUID | None = None
    blob: bytes | None = None
    labels: set[str] | None = None
    numbers: set[int] | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    stages: list[Stage] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    columns: list[str] = Field(default_factory=list)

    class Meta:
        table_name = "records"
        partition_key = "pk"
        sort_key = "sk"
        gsis = [
            {"name": "ActiveIndex", "partition_key": "active", "sort_key": "created_at"},
            {"name": "StatusIndex", "partition_key": "status", "sort_key": "sk"},
        ]


class BoolKeyed(DynamoModel):
    """A model whose table partition key is a bool."""

    enabled: bool
    slot: str
    other: bool = True

    class Meta:
        table_name = "bool_keyed"
        partition_key = "enabled"
        sort_key = "slot"


class StrKeyed(DynamoModel):
    pk: str
    sk: str
    category: str | None = None
    data: str = ""

    class Meta:
        table_name = "str_keyed"
        partition_key = "pk"
        sort_key = "sk"
        gsis = [{"name": "CategoryIndex", "partition_key": "category"}]


RECORD_META = Record.table_meta()
BOOL_META = BoolKeyed.table_meta()
STR_META = StrKeyed.table_meta()

T0 = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def make_record(**overrides: Any) -> Record:
    values: dict[str, Any] = {"pk": "p-1", "sk": 1, "active": True, "created_at": T0}
    values.update(overrides)
    return Record(**values)


# --------------------------------------------------------------------------- encode table


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", {"S": "hello"}),
        ("", {"S": ""}),
        ("héllo ✓ 😀", {"S": "héllo ✓ 😀"}),
        (True, {"BOOL": True}),
        (False, {"BOOL": False}),
        (0, {"N": "0"}),
        (42, {"N": "42"}),
        (-7, {"N": "-7"}),
        (10**38 - 1, {"N": str(10**38 - 1)}),
        (Decimal("1.25"), {"N": "1.25"}),
        (Decimal("-0.001"), {"N": "-0.001"}),
        (b"\x00\xff", {"B": b"\x00\xff"}),
        (bytearray(b"ab"), {"B": b"ab"}),
        (date(2024, 1, 2), {"S": "2024-01-02"}),
        (time(12, 30, 5), {"S": "12:30:05"}),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            {"S": "12345678-1234-5678-1234-567812345678"},
        ),
        (Status.RUNNING, {"S": "running"}),
        (Priority.HIGH, {"N": "5"}),
        (Mode.FAST, {"S": "fast"}),
        ([1, "a", None], {"L": [{"N": "1"}, {"S": "a"}, {"NULL": True}]}),
        ((1, 2), {"L": [{"N": "1"}, {"N": "2"}]}),
        ([], {"L": []}),
        ({"a": 1, "b": None}, {"M": {"a": {"N": "1"}, "b": {"NULL": True}}}),
        ({}, {"M": {}}),
        (OrderedDict(x="y"), {"M": {"x": {"S": "y"}}}),
        (None, {"NULL": True}),
    ],
    ids=repr,
)
def test_encode_value_type_table(value: Any, expected: dict[str, Any]) -> None:
    assert encode_value(value) == expected


def test_encode_datetime_any_offset_to_utc_storage_string() -> None:
    dt = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=3)))
    assert encode_value(dt) == {"S": "2023-12-31T22:00:00.000000Z"}
    assert encode_value(datetime(2024, 1, 1, tzinfo=UTC)) == {"S": "2024-01-01T00:00:00.000000Z"}


def test_encode_naive_datetime_rejected_with_path() -> None:
    with pytest.raises(ValidationError) as info:
        encode_value({"when": [datetime(2024, 1, 1)]})
    assert info.value.field == "when[0]"


def test_encode_str_subclass_and_custom_mapping() -> None:
    class Name(str):
        pass

    assert encode_value(Name("x")) == {"S": "x"}


def test_encode_nested_model_is_map_with_none_fields_omitted() -> None:
    stage = Stage(stage_name="extract", records=3, started_at=T0)
    assert encode_value(stage) == {
        "M": {
            "stage_name": {"S": "extract"},
            "records": {"N": "3"},
            "started_at": {"S": format_utc(T0)},
            "metrics": {"M": {}},
        }
    }


@pytest.mark.parametrize(
    ("value", "tag", "members"),
    [
        ({"a", "b"}, "SS", {"a", "b"}),
        (frozenset({"x"}), "SS", {"x"}),
        ({1, 2}, "NS", {"1", "2"}),
        ({Decimal("1.5"), 3}, "NS", {"1.5", "3"}),
        ({0.5}, "NS", {"0.5"}),
        ({b"a", b"b"}, "BS", {b"a", b"b"}),
    ],
)
def test_encode_sets(value: Any, tag: str, members: set[Any]) -> None:
    wire = encode_value(value)
    assert list(wire) == [tag]
    assert set(wire[tag]) == members
    assert len(wire[tag]) == len(value)


@pytest.mark.parametrize("value", [set(), frozenset()])
def test_encode_empty_set_rejected(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        encode_value({"labels": value})
    assert info.value.field == "labels"
    assert "empty" in str(info.value)


@pytest.mark.parametrize("value", [{"a", 1}, {True}, {1, b"x"}, {(1, 2)}])
def test_encode_mixed_sets_rejected(value: Any) -> None:
    with pytest.raises(ValidationError):
        encode_value(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, Decimal("0.1")),
        (1.5, Decimal("1.5")),
        (-2.25, Decimal("-2.25")),
        (1e20, Decimal("1e20")),
        (1.0, Decimal(1)),
        (0.0, Decimal(0)),
        (-0.0, Decimal(0)),
        (123456.789, Decimal("123456.789")),
    ],
)
def test_encode_float_uses_shortest_repr(value: float, expected: Decimal) -> None:
    text = encode_value(value)["N"]
    assert Decimal(text) == expected
    assert float(text) == value
    if value == 0.1:
        assert text == "0.1"  # not 0.1000000000000000055511151231257827...


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1234567890123456789012345678901234567890"),  # 40 significant digits
        Decimal("1E+200"),
        Decimal("1E-200"),
        Decimal("-1E+126"),
        Decimal("1E-131"),
        1e200,
        1e-200,
        10**38 + 1,
        int("1" * 50),  # 50 digits: must not be silently rounded to 28
        Decimal("1" * 47 + ".5"),
        Decimal("9" * 39),
    ],
    ids=repr,
)
def test_encode_bad_numbers_rejected_naming_the_path(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        encode_value({"config": {"nested": [1, 2, value]}})
    assert info.value.field == "config.nested[2]"
    assert "config.nested[2]" in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1E+125"),
        Decimal("9.9999999999999999999999999999999999999E+125"),
        Decimal("1E-130"),
        Decimal("-1E-130"),
        Decimal("12345678901234567890123456789012345678"),  # exactly 38 digits
        Decimal("0.1234567890123456789012345678901234567"),
        -(10**38) + 1,
    ],
    ids=repr,
)
def test_encode_numbers_at_dynamodb_limits_accepted(value: Any) -> None:
    text = encode_number(value)
    assert Decimal(text) == Decimal(value)
    # boto3's own deserializer uses DynamoDB's number context (38 digits, traps rounding).
    assert TypeDeserializer().deserialize({"N": text}) == Decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1" * 38 + "." + "0" * 20),
        Decimal("-" + "9" * 38 + "0" * 10),
        Decimal("0." + "0" * 100 + "123"),
        Decimal("1234567890123456789012345678.90"),  # 30 digits: more than the default context
    ],
    ids=repr,
)
def test_encode_number_never_rounds(value: Decimal) -> None:
    text = encode_number(value)
    assert Decimal(text) == value
    digits = Decimal(text).normalize(decimal.Context(prec=100)).as_tuple().digits
    assert len(digits) <= 38


def test_encode_number_rejects_bool_and_non_numbers() -> None:
    with pytest.raises(ValidationError):
        encode_number(True)
    with pytest.raises(ValidationError):
        encode_number("5")  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [1, None, ("a",), b"k"])
def test_non_string_map_keys_rejected(key: Any) -> None:
    with pytest.raises(ValidationError) as info:
        encode_value({"outer": {key: "v"}})
    assert info.value.field == "outer"


def test_unsupported_type_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        encode_value({"x": object()})
    assert info.value.field == "x"


# --------------------------------------------------------------------------- decode table


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"S": "x"}, "x"),
        ({"S": ""}, ""),
        ({"BOOL": True}, True),
        ({"BOOL": False}, False),
        ({"NULL": True}, None),
        ({"B": b"\x01"}, b"\x01"),
        ({"B": "AQI="}, b"\x01\x02"),  # base64 text (raw JSON responses)
        ({"L": [{"N": "1"}, {"S": "a"}, {"NULL": True}]}, [1, "a", None]),
        ({"M": {"a": {"M": {"b": {"BOOL": False}}}}}, {"a": {"b": False}}),
        ({"SS": ["a", "b"]}, {"a", "b"}),
        ({"NS": ["1", "2.5"]}, {1, Decimal("2.5")}),
        ({"BS": [b"a", "Yg=="]}, {b"a", b"b"}),
    ],
    ids=repr,
)
def test_decode_value_type_table(wire: dict[str, Any], expected: Any) -> None:
    assert decode_value(wire) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("1E+3", 1000),
        ("1E+20", 10**20),
        ("99999999999999999999999999999999999999", 10**38 - 1),
    ],
)
def test_decode_integral_numbers_are_int(text: str, expected: int) -> None:
    value = decode_value({"N": text})
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    "text", ["0.5", "-2.25", "1E-130", "3.14159265358979323846264338327950288"]
)
def test_decode_fractional_numbers_are_decimal(text: str) -> None:
    value = decode_value({"N": text})
    assert type(value) is Decimal
    assert value == Decimal(text)


def test_decode_number_set_members_never_float() -> None:
    members = decode_value({"NS": ["1", "0.1"]})
    assert all(type(m) in (int, Decimal) for m in members)


def test_decode_unknown_tag_rejected() -> None:
    with pytest.raises(ValidationError):
        decode_value({"X": "y"})


def test_decode_item() -> None:
    item = {"a": {"S": "x"}, "b": {"N": "2"}, "c": {"L": []}}
    assert decode_item(item) == {"a": "x", "b": 2, "c": []}


# --------------------------------------------------------------------------- items


def test_to_dynamodb_item_full_shape() -> None:
    record = make_record(
        flag=False,
        note=None,
        amount=Decimal("2.50"),
        ratio=0.1,
        labels={"x"},
        tags={"team": "data"},
        config={"a": [None, {"b": None}]},
        finished_at=datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2))),
    )
    item = record.to_dynamodb_item()
    assert item["pk"] == {"S": "p-1"}
    assert item["sk"] == {"N": "1"}
    assert item["active"] == {"S": "true"}  # bool GSI key
    assert item["flag"] == {"BOOL": False}  # plain bool
    assert item["status"] == {"S": "pending"}
    assert item["priority"] == {"N": "1"}
    assert item["amount"] == {"N": "2.50"}
    assert item["ratio"] == {"N": "0.1"}
    assert item["created_at"] == {"S": "2024-05-06T07:08:09.123456Z"}
    assert item["finished_at"] == {"S": "2024-05-06T07:08:09.000000Z"}
    assert item["labels"] == {"SS": ["x"]}
    assert item["tags"] == {"M": {"team": {"S": "data"}}}
    assert item["config"] == {"M": {"a": {"L": [{"NULL": True}, {"M": {"b": {"NULL": True}}}]}}}
    # None / unset optional fields are omitted at the top level.
    for omitted in ("note", "day", "at_time", "ident", "blob", "numbers"):
        assert omitted not in item


def test_bool_keys_as_strings_on_table_and_gsi_keys() -> None:
    assert make_record(active=False).to_dynamodb_item()["active"] == {"S": "false"}
    item = BoolKeyed(enabled=False, slot="a", other=False).to_dynamodb_item()
    assert item == {"enabled": {"S": "false"}, "slot": {"S": "a"}, "other": {"BOOL": False}}
    assert encode_key(BOOL_META, {"enabled": True, "slot": "a"}) == {
        "enabled": {"S": "true"},
        "slot": {"S": "a"},
    }


@pytest.mark.parametrize("stored", [{"S": "true"}, {"BOOL": True}])
def test_stored_bools_in_either_form_decode(stored: dict[str, Any]) -> None:
    item = make_record().to_dynamodb_item()
    item["active"] = stored
    item["flag"] = stored
    record = Record.from_dynamodb_item(item)
    assert record.active is True
    assert record.flag is True


@pytest.mark.parametrize("stored", [{"S": "false"}, {"BOOL": False}])
def test_stored_false_bools_in_either_form_decode(stored: dict[str, Any]) -> None:
    item = BoolKeyed(enabled=True, slot="s").to_dynamodb_item()
    item["enabled"] = stored
    item["other"] = stored
    decoded = BoolKeyed.from_dynamodb_item(item)
    assert decoded.enabled is False
    assert decoded.other is False


def test_from_dynamodb_item_converts_back() -> None:
    record = make_record(
        amount=Decimal("2.50"),
        stages=[Stage(stage_name="s1", started_at=T0, metrics={"rows": 3})],
        day=date(2024, 2, 29),
        ident=uuid.uuid4(),
        blob=b"\x00",
    )
    back = Record.from_dynamodb_item(record.to_dynamodb_item())
    assert back == record
    assert back.created_at.tzinfo is not None
    assert back.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("field", "wire", "expected_field"),
    [
        ("count", {"S": "not a number"}, "count"),
        ("created_at", {"S": "yesterday"}, "created_at"),
        ("created_at", {"S": "2024-01-01T00:00:00"}, "created_at"),  # naive in storage
        ("status", {"S": "exploded"}, "status"),
        ("active", {"S": "maybe"}, "active"),
        (
            "stages",
            {"L": [{"M": {"stage_name": {"S": "s"}, "records": {"S": "x"}}}]},
            "stages.0.records",
        ),
    ],
)
def test_from_dynamodb_item_bad_data_names_the_field(
    field: str, wire: dict[str, Any], expected_field: str
) -> None:
    item = make_record().to_dynamodb_item()
    item[field] = wire
    with pytest.raises(ValidationError) as info:
        Record.from_dynamodb_item(item)
    assert info.value.field == expected_field
    assert expected_field in str(info.value)
    assert "Record" in str(info.value)


def test_unknown_stored_attributes_are_kept_and_written_back_as_stored() -> None:
    """Other writers' attributes are data: read into ``model_extra``, re-encoded unchanged
    (NULL included), and never a reason to refuse the item."""
    item = make_record().to_dynamodb_item()
    item["legacy_flags"] = {"SS": ["a", "b"]}
    item["gone"] = {"NULL": True}
    item["raw_bin"] = {"B": b"\x00\x01"}
    record = Record.from_dynamodb_item(item)
    assert record.model_extra == {"legacy_flags": {"a", "b"}, "gone": None, "raw_bin": b"\x00\x01"}
    again = record.to_dynamodb_item()
    assert again["gone"] == {"NULL": True}
    assert again["raw_bin"] == {"B": b"\x00\x01"}
    assert sorted(again["legacy_flags"]["SS"]) == ["a", "b"]
    assert {k: v for k, v in again.items() if k != "legacy_flags"} == {
        k: v for k, v in item.items() if k != "legacy_flags"
    }
    with pytest.raises(ValidationError):  # input stays strict: only reads keep extras
        Record(**{**record.model_dump(), "legacy_flags": 1})


def test_from_dynamodb_item_missing_required_field() -> None:
    item = make_record().to_dynamodb_item()
    del item["created_at"]
    with pytest.raises(ValidationError) as info:
        Record.from_dynamodb_item(item)
    assert info.value.field == "created_at"


def test_model_values_naming_the_path() -> None:
    record = make_record(config={"nested": [1, 2, float("nan")]})
    with pytest.raises(ValidationError) as info:
        record.to_dynamodb_item()
    assert info.value.field == "config.nested[2]"
    record = make_record(stages=[Stage(stage_name="a", metrics={"x": Decimal("1E+200")})])
    with pytest.raises(ValidationError) as info:
        record.to_dynamodb_item()
    assert info.value.field == "stages[0].metrics.x"


def test_model_datetime_unrepresentable_in_utc_is_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        make_record(created_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    assert info.value.field == "created_at"


def test_model_naive_datetime_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        make_record(created_at=datetime(2024, 1, 1))
    assert info.value.field == "created_at"


def test_model_empty_set_rejected() -> None:
    record = make_record()
    record.labels = set()
    with pytest.raises(ValidationError) as info:
        record.to_dynamodb_item()
    assert info.value.field == "labels"


def test_encode_item_without_meta_skips_key_rules() -> None:
    item = encode_item(make_record(active=True))
    assert item["active"] == {"BOOL": True}
    assert encode_item(make_record(active=True), RECORD_META)["active"] == {"S": "true"}


# --------------------------------------------------------------------------- keys


def test_encode_key_table_key() -> None:
    assert encode_key(RECORD_META, {"pk": "a", "sk": 3}) == {"pk": {"S": "a"}, "sk": {"N": "3"}}
    assert encode_key(STR_META, {"pk": "é", "sk": "z"}) == {"pk": {"S": "é"}, "sk": {"S": "z"}}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"pk": "a"}, "sk"),
        ({"sk": 1}, "pk"),
        ({"pk": "a", "sk": 1, "active": True}, "active"),
        ({"pk": "", "sk": 1}, "pk"),
        ({"pk": None, "sk": 1}, "pk"),
        ({"pk": 5, "sk": 1}, "pk"),
        ({"pk": "a", "sk": "1"}, "sk"),
        ({"pk": "a", "sk": True}, "sk"),
        ({"pk": "a", "sk": 1.5e300}, "sk"),
    ],
)
def test_encode_key_rejects_bad_keys(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        encode_key(RECORD_META, values)
    assert info.value.field == field


def test_encode_key_size_limits_in_utf8_bytes() -> None:
    assert encode_key(STR_META, {"pk": "a" * 2048, "sk": "b" * 1024})
    with pytest.raises(ValidationError) as info:
        encode_key(STR_META, {"pk": "a" * 2049, "sk": "b"})
    assert info.value.field == "pk"
    with pytest.raises(ValidationError) as info:
        encode_key(STR_META, {"pk": "a", "sk": "b" * 1025})
    assert info.value.field == "sk"
    # 1025 characters of 2 bytes each are 2050 bytes: over the partition key limit.
    with pytest.raises(ValidationError):
        encode_key(STR_META, {"pk": "é" * 1025, "sk": "b"})
    with pytest.raises(ValidationError):
        encode_key(STR_META, {"pk": "a", "sk": "é" * 513})


def test_encode_key_value_rules() -> None:
    assert encode_key_value(RECORD_META, "active", True) == {"S": "true"}
    assert encode_key_value(RECORD_META, "active", "false") == {"S": "false"}
    assert encode_key_value(RECORD_META, "created_at", T0) == {"S": format_utc(T0)}
    assert encode_key_value(RECORD_META, "status", Status.SUCCESS) == {"S": "success"}
    for attribute, value in [
        ("active", 1),
        ("active", "yes"),
        ("active", None),
        ("created_at", datetime(2024, 1, 1)),
        ("flag", True),  # not a key attribute
        ("status", ""),
    ]:
        with pytest.raises(ValidationError):
            encode_key_value(RECORD_META, attribute, value)


def test_key_of() -> None:
    item = make_record().to_dynamodb_item()
    assert key_of(item, RECORD_META) == {"pk": {"S": "p-1"}, "sk": {"N": "1"}}


# --------------------------------------------------------------------------- check_item


def _sized_item(data_len: int) -> dict[str, Any]:
    # Size rule: UTF-8 length of every attribute name plus its string value.
    return {"pk": {"S": "key-A"}, "sk": {"S": "key-B"}, "data": {"S": "x" * data_len}}


OVERHEAD = len("pk") + len("key-A") + len("sk") + len("key-B") + len("data")


def test_item_size_of_strings() -> None:
    assert item_size(_sized_item(10)) == OVERHEAD + 10
    assert item_size({"naïve": {"S": "😀"}}) == 6 + 4


def test_check_item_at_the_400kb_limit() -> None:
    at_limit = _sized_item(MAX_ITEM_BYTES - OVERHEAD)
    assert item_size(at_limit) == 400 * 1024
    check_item(at_limit, STR_META)  # exactly 400 KB is allowed

    over = _sized_item(MAX_ITEM_BYTES - OVERHEAD + 1)
    with pytest.raises(ItemTooLargeError) as info:
        check_item(over, STR_META)
    assert isinstance(info.value, ValidationError)
    assert "key-A" in str(info.value)
    assert "key-B" in str(info.value)


def test_model_over_400kb_rejected_with_key() -> None:
    big = StrKeyed(pk="big-one", sk="s", data="x" * (MAX_ITEM_BYTES + 1))
    with pytest.raises(ItemTooLargeError) as info:
        big.to_dynamodb_item()
    assert "big-one" in str(info.value)
    # Multi-byte characters count in UTF-8 bytes, not characters.
    wide = StrKeyed(pk="wide", sk="s", data="é" * (MAX_ITEM_BYTES // 2))
    with pytest.raises(ItemTooLargeError):
        wide.to_dynamodb_item()


def test_check_item_key_rules() -> None:
    with pytest.raises(ValidationError) as info:
        check_item({"pk": {"S": "a"}}, STR_META)
    assert info.value.field == "sk"
    with pytest.raises(ValidationError) as info:
        check_item({"pk": {"S": ""}, "sk": {"S": "b"}}, STR_META)
    assert info.value.field == "pk"
    with pytest.raises(ValidationError) as info:
        check_item({"pk": {"N": "1"}, "sk": {"S": "b"}}, STR_META)
    assert info.value.field == "pk"
    with pytest.raises(ValidationError) as info:
        check_item({"pk": {"S": "a"}, "sk": {"S": "b" * 1025}}, STR_META)
    assert info.value.field == "sk"


def test_check_item_empty_gsi_key_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        check_item({"pk": {"S": "a"}, "sk": {"S": "b"}, "category": {"S": ""}}, STR_META)
    assert info.value.field == "category"
    with pytest.raises(ValidationError) as info:
        StrKeyed(pk="a", sk="b", category="").to_dynamodb_item()
    assert info.value.field == "category"
    # An absent GSI key is fine (sparse index).
    assert "category" not in StrKeyed(pk="a", sk="b").to_dynamodb_item()


def test_empty_table_key_in_model_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        StrKeyed(pk="", sk="b").to_dynamodb_item()
    assert info.value.field == "pk"


# --------------------------------------------------------------------------- round trip

_deserializer = TypeDeserializer()

keys_text = st.text(min_size=1, max_size=40)
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware_datetimes = st.datetimes(
    min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 29), timezones=offsets
)
int38 = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
decimals = st.builds(
    lambda coefficient, exponent: Decimal(coefficient).scaleb(exponent),
    int38,
    st.integers(min_value=-90, max_value=80),
)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(
    lambda f: f == 0 or 1e-120 < abs(f) < 1e120
)
json_scalars = st.one_of(st.none(), st.booleans(), int38, decimals, st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)
stages = st.builds(
    Stage,
    stage_name=st.text(max_size=20),
    records=int38,
    started_at=st.none() | aware_datetimes,
    error_message=st.none() | st.text(max_size=20),
    metrics=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=3),
)
records = st.builds(
    Record,
    pk=keys_text,
    sk=int38,
    active=st.booleans(),
    flag=st.booleans(),
    name=st.text(max_size=30),
    note=st.none() | st.text(max_size=30),
    count=int38,
    amount=st.none() | decimals,
    ratio=st.none() | floats,
    created_at=aware_datetimes,
    finished_at=st.none() | aware_datetimes,
    status=st.sampled_from(Status),
    priority=st.sampled_from(Priority),
    day=st.none() | st.dates(),
    at_time=st.none() | st.times(),
    ident=st.none() | st.uuids(),
    blob=st.none() | st.binary(max_size=20),
    labels=st.none() | st.sets(st.text(max_size=10), min_size=1, max_size=4),
    numbers=st.none() | st.sets(int38, min_size=1, max_size=4),
    tags=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=4),
    stages=st.lists(stages, max_size=3),
    config=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
    columns=st.lists(st.text(max_size=10), max_size=4),
)


def _assert_wire_is_valid(wire: Any) -> None:
    """boto3's deserializer accepts the value (it enforces DynamoDB's number context)."""
    value = _deserializer.deserialize(wire)
    assert not isinstance(value, float)
    if isinstance(value, Binary):
        assert isinstance(wire["B"], bytes)


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: frozenset(v) if k in ("SS", "NS", "BS") else _canonical(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_round_trip_any_valid_record(record: Record) -> None:
    item = record.to_dynamodb_item()
    for wire in item.values():
        _assert_wire_is_valid(wire)
    assert item["active"] == {"S": "true" if record.active else "false"}
    assert item["flag"] == {"BOOL": record.flag}
    assert all(value is not None for value in decode_item(item).values())
    back = Record.from_dynamodb_item(item)
    assert back == record
    # Stable: encoding again gives the same wire item (set members compared as sets).
    assert _canonical(back.to_dynamodb_item()) == _canonical(item)


@given(json_values)
def test_json_values_round_trip_without_floats(value: Any) -> None:
    decoded = decode_value(encode_value(value))
    assert decoded == value

    def no_floats(v: Any) -> bool:
        if isinstance(v, dict):
            return all(no_floats(x) for x in v.values())
        if isinstance(v, list):
            return all(no_floats(x) for x in v)
        return not isinstance(v, float)

    assert no_floats(decoded)


@given(floats)
def test_float_round_trip_is_exact(value: float) -> None:
    decoded = decode_value(encode_value(value))
    assert type(decoded) in (int, Decimal)
    assert float(decoded) == value
    assert not math.isnan(float(decoded))


# --------------------------------------------------------------------------- generated coders

astral_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_generated_encoder_matches_the_generic_walk(record: Record) -> None:
    bool_keys = Record.table_meta().bool_keys
    assert _encoder_for(Record, bool_keys)(record) == _encode_fields(record, None, bool_keys)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_generated_decoder_validates_like_the_generic_decode(record: Record) -> None:
    item = record.to_dynamodb_item()
    assert Record.model_validate(_decoder_for(Record)(item)) == Record.model_validate(
        decode_item(item)
    )


class Tree(BaseModel):
    label: str
    children: list[Tree] = Field(default_factory=list)
    by_name: dict[str, Tree] = Field(default_factory=dict)


def test_generated_coders_handle_a_model_that_contains_itself() -> None:
    tree = Tree(
        label="root",
        children=[Tree(label="a", children=[Tree(label="a1")]), Tree(label="b")],
        by_name={"c": Tree(label="c", by_name={"d": Tree(label="d")})},
    )
    wire = encode_item(tree)
    assert wire["children"]["L"][0]["M"]["children"]["L"][0]["M"]["label"] == {"S": "a1"}
    assert wire["by_name"]["M"]["c"]["M"]["by_name"]["M"]["d"]["M"]["label"] == {"S": "d"}
    assert Tree.model_validate(decode_item_for(Tree, wire)) == tree


def test_generated_encoder_falls_back_for_unvalidated_values() -> None:
    # model_construct skips validation: every field holds a type other than the declared one.
    odd = Stage.model_construct(
        stage_name=Mode.FAST, records=Decimal("1.5"), started_at="2025-01-01", metrics=[1]
    )
    assert encode_item(odd) == {
        "stage_name": {"S": "fast"},
        "records": {"N": "1.5"},
        "started_at": {"S": "2025-01-01"},
        "metrics": {"L": [{"N": "1"}]},
    }
    with pytest.raises(ValidationError) as info:
        encode_item(Stage.model_construct(stage_name="x", metrics={"deep": [float("nan")]}))
    assert info.value.field == "metrics.deep[0]"


def test_generated_decoder_hands_odd_stored_forms_to_pydantic() -> None:
    stored = {
        "stage_name": {"N": "7"},  # a number where a string was declared: pydantic refuses it
        "records": {"S": "12"},  # a numeric string where an int was declared: pydantic parses it
        "started_at": {"NULL": True},
        "metrics": {"M": {"rows": {"N": "3"}}},
    }
    decoded = decode_item_for(Stage, stored)
    assert decoded == {"stage_name": 7, "records": "12", "started_at": None, "metrics": {"rows": 3}}
    with pytest.raises(pydantic.ValidationError) as info:
        Stage.model_validate(decoded)
    assert [e["loc"] for e in info.value.errors()] == [("stage_name",)]
    assert Stage.model_validate({**decoded, "stage_name": "s"}).records == 12


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        astral_text.filter(bool),
        st.recursive(
            st.one_of(
                astral_text.map(lambda s: {"S": s}),
                int38.map(lambda n: {"N": str(n)}),
                st.binary(max_size=30).map(lambda b: {"B": b}),
                st.booleans().map(lambda b: {"BOOL": b}),
                st.just({"NULL": True}),
                st.sets(astral_text, min_size=1, max_size=4).map(lambda s: {"SS": sorted(s)}),
            ),
            lambda children: st.one_of(
                st.lists(children, max_size=4).map(lambda v: {"L": v}),
                st.dictionaries(astral_text.filter(bool), children, max_size=4).map(
                    lambda v: {"M": v}
                ),
            ),
            max_leaves=20,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_size_bound_is_never_below_the_stored_size(item: dict[str, Any]) -> None:
    assert _size_bound(item) >= item_size(item)


def test_size_bound_of_values_marshal_cannot_write_is_the_exact_size() -> None:
    class Text(str):
        pass

    item = {"pk": {"S": Text("é" * 10)}, "deep": {"S": "x"}}
    assert _size_bound(item) == item_size(item) == 2 + 20 + 4 + 1


def test_check_item_near_the_limit_in_multibyte_text() -> None:
    meta = StrKeyed.table_meta()
    # 3 bytes per character in UTF-8: the bound must count bytes, not characters.
    fits = {"pk": {"S": "a"}, "sk": {"S": "b"}, "data": {"S": "€" * ((MAX_ITEM_BYTES - 20) // 3)}}
    check_item(fits, meta)
    too_big = {**fits, "data": {"S": "€" * (MAX_ITEM_BYTES // 3 + 1)}}
    with pytest.raises(ItemTooLargeError):
        check_item(too_big, meta)


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_generated_float_branch_writes_what_encode_number_writes(value: float) -> None:
    """The generated encoders' float fast path (``_float_text``) is ``encode_number``."""
    try:
        expected: Any = encode_number(value)
    except ValidationError as exc:
        expected = str(exc)
    try:
        got: Any = _float_text(value)
    except ValidationError as exc:
        got = str(exc)
    assert got == expected


@given(aware_datetimes)
def test_generated_datetime_branch_writes_the_storage_form(value: datetime) -> None:
    """Models encode datetimes with the generated %-formatting: the same text as format_utc."""
    utc = value.astimezone(UTC)
    item = encode_item(make_record(created_at=utc))
    assert item["created_at"] == {"S": format_utc(value)}


@pytest.mark.parametrize(
    "value",
    [10**38, Decimal("1E+38"), Decimal("1.0E+38"), Decimal("100E+36"), 12 * 10**60, 10**125],
)
def test_large_integral_numbers_have_one_text_whatever_their_python_type(value: Any) -> None:
    """Found by the round-trip property: Decimal("1E+38") was stored as "1E+38" but decodes to
    the int 10**38, which was re-stored as 39 digits, so re-encoding a read item changed it."""
    text = encode_number(value)
    back = decode_value({"N": text})
    assert back == value
    assert encode_number(back) == text == encode_number(Decimal(value))
