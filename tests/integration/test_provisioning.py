"""Provisioning from ``Meta`` against DynamoDB Local: create, evolve (missing GSIs), reject
incompatible tables, TTL, drop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.client import get_client
from dynamodb_wrapper.core.expressions import SortCondition
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime
from dynamodb_wrapper.core.provisioning import drop_tables, ensure_tables, table_definition
from dynamodb_wrapper.core.table_gateway import create_table_gateway
from dynamodb_wrapper.exceptions import ConfigurationError, TableNotFoundError
from dynamodb_wrapper.local import DynamoDBLocal
from dynamodb_wrapper.pytest_plugin import ENDPOINT_ENV_VAR

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def dynamodb_local_endpoint() -> Iterator[str]:
    """This module's own DynamoDB Local (overrides the plugin's session-wide one).

    Adding a GSI to an existing table is an online index build, and DynamoDB Local stops
    completing those (``IndexStatus`` stays ``CREATING``) once about eight tables with TTL
    enabled are alive on the server, which other suites sharing the session server may leave
    behind. A server of our own keeps these tests independent of what ran before them.
    ``$DYNAMODB_WRAPPER_TEST_ENDPOINT`` still wins when set.
    """
    external = os.environ.get(ENDPOINT_ENV_VAR, "").strip()
    if external:
        yield external
        return
    with DynamoDBLocal() as server:
        yield server.endpoint_url


class Event(DynamoModel):
    """Sort key, a bool GSI key, a numeric GSI sort key, three projection kinds and TTL."""

    source: str
    at: UTCDateTime
    kind: str
    active: bool = True
    size: int | None = None
    note: str | None = None
    expires_at: int | None = None

    class Meta:
        table_name = "events"
        partition_key = "source"
        sort_key = "at"
        gsis = [
            {"name": "ActiveIndex", "partition_key": "active", "sort_key": "at"},
            {"name": "KindIndex", "partition_key": "kind", "projection": "KEYS_ONLY"},
            {
                "name": "SizeIndex",
                "partition_key": "kind",
                "sort_key": "size",
                "projection": "INCLUDE",
                "non_key_attributes": ["note"],
            },
        ]
        ttl_attribute = "expires_at"


class WidgetV1(DynamoModel):
    widget_id: str
    color: str | None = None
    made: UTCDateTime | None = None
    expires_at: int | None = None

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"


class WidgetV2(DynamoModel):
    """V1 plus two GSIs and TTL, on the same table."""

    widget_id: str
    color: str | None = None
    made: UTCDateTime | None = None
    expires_at: int | None = None

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"
        gsis = [
            {"name": "ColorIndex", "partition_key": "color", "sort_key": "made"},
            {"name": "MadeIndex", "partition_key": "made"},
        ]
        ttl_attribute = "expires_at"


class WidgetSorted(DynamoModel):
    widget_id: str
    rev: int

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"
        sort_key = "rev"


class WidgetRenamedKey(DynamoModel):
    code: str

    class Meta:
        table_name = "widgets"
        partition_key = "code"


class WidgetNumericColor(DynamoModel):
    """Declares a new GSI on ``color`` as a number, while the table already has it as a string."""

    widget_id: str
    color: int | None = None
    made: UTCDateTime | None = None

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"
        gsis = [
            {"name": "ColorIndex", "partition_key": "color", "sort_key": "made"},
            {"name": "ColorNumberIndex", "partition_key": "color"},
        ]


class WidgetOtherTtl(DynamoModel):
    widget_id: str
    valid_until: int | None = None

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"
        ttl_attribute = "valid_until"


def _mutations(faults: Any, client: Any) -> list[str]:
    """Record every mutating control-plane call made through ``client``."""
    seen: list[str] = []
    for op in ("CreateTable", "UpdateTable", "DeleteTable", "UpdateTimeToLive"):

        def handler(request: Any, _op: str = op, **_: Any) -> None:
            seen.append(_op)

        faults.on(client, f"before-send.dynamodb.{op}", handler)
    return seen


def _gsis(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}


def _attribute_types(table: dict[str, Any]) -> dict[str, str]:
    return {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}


def test_ensure_tables_creates_keys_gsis_and_ttl(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    ensure_tables(dynamodb_config, [Event, WidgetV1])
    name = dynamodb_config.get_table_name("events")
    assert name == f"{dynamodb_config.table_prefix}_test_events"
    table = raw_client.describe_table(TableName=name)["Table"]

    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "source", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert _attribute_types(table) == {
        "source": "S",
        "at": "S",
        "active": "S",  # bool key attribute stored as "true"/"false"
        "kind": "S",
        "size": "N",
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    gsis = _gsis(table)
    assert set(gsis) == {"ActiveIndex", "KindIndex", "SizeIndex"}
    assert gsis["ActiveIndex"]["KeySchema"] == [
        {"AttributeName": "active", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert gsis["ActiveIndex"]["Projection"] == {"ProjectionType": "ALL"}
    assert gsis["KindIndex"]["KeySchema"] == [{"AttributeName": "kind", "KeyType": "HASH"}]
    assert gsis["KindIndex"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert gsis["SizeIndex"]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["note"],
    }
    assert all(g["IndexStatus"] == "ACTIVE" for g in gsis.values())

    ttl = raw_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    widgets = dynamodb_config.get_table_name("widgets")
    assert raw_client.describe_table(TableName=widgets)["Table"]["KeySchema"] == [
        {"AttributeName": "widget_id", "KeyType": "HASH"}
    ]
    no_ttl = raw_client.describe_time_to_live(TableName=widgets)["TimeToLiveDescription"]
    assert no_ttl["TimeToLiveStatus"] == "DISABLED"

    # The created table works with the gateway, including the bool-keyed index.
    gw = create_table_gateway(dynamodb_config, Event)
    gw.put_item(Event(source="a", at=T0, kind="k", size=3, note="n").to_dynamodb_item())
    assert len(gw.query_page(True, index_name="ActiveIndex").items) == 1
    sized = gw.query_page("k", index_name="SizeIndex", sort=SortCondition.range(3, 3)).items
    assert [set(i) for i in sized] == [{"source", "at", "kind", "size", "note"}]


def test_ensure_tables_is_idempotent(
    dynamodb_config: DynamoDBConfig, raw_client: Any, faults: Any
) -> None:
    ensure_tables(dynamodb_config, [Event, WidgetV2])
    before = {
        n: raw_client.describe_table(TableName=dynamodb_config.get_table_name(n))["Table"]
        for n in ("events", "widgets")
    }
    mutations = _mutations(faults, get_client(dynamodb_config))
    ensure_tables(dynamodb_config, [Event, WidgetV2])
    ensure_tables(dynamodb_config, [WidgetV2, Event])
    assert mutations == []  # nothing to create or change the second time
    for n, table in before.items():
        again = raw_client.describe_table(TableName=dynamodb_config.get_table_name(n))["Table"]
        assert again["KeySchema"] == table["KeySchema"]
        assert _gsis(again).keys() == _gsis(table).keys()
        assert again["CreationDateTime"] == table["CreationDateTime"]


def test_ensure_tables_adds_missing_gsis_and_ttl_to_existing_table(
    dynamodb_config: DynamoDBConfig, raw_client: Any, faults: Any
) -> None:
    ensure_tables(dynamodb_config, [WidgetV1])
    v1 = create_table_gateway(dynamodb_config, WidgetV1)
    v1.put_item(WidgetV1(widget_id="w1", color="red", made=T0).to_dynamodb_item())

    mutations = _mutations(faults, get_client(dynamodb_config))
    ensure_tables(dynamodb_config, [WidgetV2])
    assert mutations == ["UpdateTable", "UpdateTable", "UpdateTimeToLive"]  # one GSI per call

    name = dynamodb_config.get_table_name("widgets")
    table = raw_client.describe_table(TableName=name)["Table"]
    gsis = _gsis(table)
    assert set(gsis) == {"ColorIndex", "MadeIndex"}
    assert gsis["ColorIndex"]["KeySchema"] == [
        {"AttributeName": "color", "KeyType": "HASH"},
        {"AttributeName": "made", "KeyType": "RANGE"},
    ]
    assert all(g["IndexStatus"] == "ACTIVE" for g in gsis.values())
    assert _attribute_types(table) == {"widget_id": "S", "color": "S", "made": "S"}
    ttl = raw_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")

    # Data kept; the new index serves new writes.
    v2 = create_table_gateway(dynamodb_config, WidgetV2)
    assert v2.get_item({"widget_id": "w1"}) is not None
    v2.put_item(WidgetV2(widget_id="w2", color="blue", made=T0).to_dynamodb_item())
    assert [i["widget_id"]["S"] for i in v2.query_page("blue", index_name="ColorIndex").items] == [
        "w2"
    ]

    ensure_tables(dynamodb_config, [WidgetV2])
    assert len(mutations) == 3  # converged: nothing more to do


@pytest.mark.parametrize("conflicting", [WidgetSorted, WidgetRenamedKey])
def test_ensure_tables_rejects_a_different_key_schema(
    dynamodb_config: DynamoDBConfig, faults: Any, conflicting: type[DynamoModel]
) -> None:
    ensure_tables(dynamodb_config, [WidgetV1])
    mutations = _mutations(faults, get_client(dynamodb_config))
    with pytest.raises(ConfigurationError, match="key schema") as info:
        ensure_tables(dynamodb_config, [conflicting])
    assert dynamodb_config.get_table_name("widgets") in str(info.value)
    assert conflicting.__name__ in str(info.value)
    assert mutations == []


def test_ensure_tables_rejects_conflicting_attribute_type_and_ttl(
    dynamodb_config: DynamoDBConfig, raw_client: Any, faults: Any
) -> None:
    ensure_tables(dynamodb_config, [WidgetV2])
    mutations = _mutations(faults, get_client(dynamodb_config))
    with pytest.raises(ConfigurationError, match="color"):
        ensure_tables(dynamodb_config, [WidgetNumericColor])
    with pytest.raises(ConfigurationError, match="TTL"):
        ensure_tables(dynamodb_config, [WidgetOtherTtl])
    assert mutations == []
    table = raw_client.describe_table(TableName=dynamodb_config.get_table_name("widgets"))
    assert set(_gsis(table["Table"])) == {"ColorIndex", "MadeIndex"}


def test_drop_tables_removes_them_and_is_idempotent(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    ensure_tables(dynamodb_config, [Event, WidgetV1])
    names = {dynamodb_config.get_table_name(n) for n in ("events", "widgets")}
    assert names <= set(raw_client.list_tables(Limit=100)["TableNames"])

    drop_tables(dynamodb_config, [Event, WidgetV1])
    listed = raw_client.list_tables(Limit=100)["TableNames"]
    assert names.isdisjoint(listed)
    for name in names:
        with pytest.raises(raw_client.exceptions.ResourceNotFoundException):
            raw_client.describe_table(TableName=name)
    drop_tables(dynamodb_config, [Event, WidgetV1])  # already gone: no error
    with pytest.raises(TableNotFoundError):
        create_table_gateway(dynamodb_config, Event).query_page("a")

    ensure_tables(dynamodb_config, [Event])  # and can be created again
    assert raw_client.describe_table(TableName=dynamodb_config.get_table_name("events"))


def test_table_definition_of_a_model_with_sort_key() -> None:
    assert table_definition(Event.table_meta(), "x_events") == {
        "TableName": "x_events",
        "KeySchema": [
            {"AttributeName": "source", "KeyType": "HASH"},
            {"AttributeName": "at", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "active", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"},
            {"AttributeName": "size", "AttributeType": "N"},
            {"AttributeName": "source", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ActiveIndex",
                "KeySchema": [
                    {"AttributeName": "active", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "KindIndex",
                "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "SizeIndex",
                "KeySchema": [
                    {"AttributeName": "kind", "KeyType": "HASH"},
                    {"AttributeName": "size", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]},
            },
        ],
    }
    simple = table_definition(WidgetV1.table_meta(), "w")
    assert simple["KeySchema"] == [{"AttributeName": "widget_id", "KeyType": "HASH"}]
    assert "GlobalSecondaryIndexes" not in simple


class WidgetColorOnly(DynamoModel):
    """Declares ColorIndex with a different key schema than WidgetV2's."""

    widget_id: str
    color: str | None = None

    class Meta:
        table_name = "widgets"
        partition_key = "widget_id"
        gsis = [{"name": "ColorIndex", "partition_key": "color"}]


def test_ensure_tables_rejects_an_existing_gsi_with_other_keys(
    dynamodb_config: DynamoDBConfig, faults: Any
) -> None:
    ensure_tables(dynamodb_config, [WidgetV2])
    mutations = _mutations(faults, get_client(dynamodb_config))
    with pytest.raises(ConfigurationError, match="ColorIndex"):
        ensure_tables(dynamodb_config, [WidgetColorOnly])
    assert mutations == []


def test_ensure_tables_converges_when_another_process_created_the_table(
    dynamodb_config: DynamoDBConfig, raw_client: Any, faults: Any
) -> None:
    """CreateTable loses a race (ResourceInUseException): the other process's table, which
    lacks our GSIs and TTL, must still be checked and completed."""
    name = dynamodb_config.get_table_name("widgets")

    def create_first(request: Any, **_: Any) -> Any:
        raw_client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "widget_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "widget_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return faults.error(request, "ResourceInUseException", f"Table already exists: {name}")

    faults.on(get_client(dynamodb_config), "before-send.dynamodb.CreateTable", create_first)
    ensure_tables(dynamodb_config, [WidgetV2])
    table = raw_client.describe_table(TableName=name)["Table"]
    assert set(_gsis(table)) == {"ColorIndex", "MadeIndex"}
    ttl = raw_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_ensure_tables_race_with_an_incompatible_table_is_rejected(
    dynamodb_config: DynamoDBConfig, raw_client: Any, faults: Any
) -> None:
    name = dynamodb_config.get_table_name("widgets")

    def create_first(request: Any, **_: Any) -> Any:
        raw_client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "code", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "code", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return faults.error(request, "ResourceInUseException", f"Table already exists: {name}")

    faults.on(get_client(dynamodb_config), "before-send.dynamodb.CreateTable", create_first)
    with pytest.raises(ConfigurationError, match="key schema"):
        ensure_tables(dynamodb_config, [WidgetV1])
