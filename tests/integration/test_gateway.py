"""TableGateway against a real DynamoDB Local: single items, conditions, queries, scans, counts,
transactions, input validation and consumed capacity.

Every request goes over HTTP to DynamoDB Local; spies are ``before-send`` / ``after-call``
handlers on the real client that let the request through.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import botocore.endpoint
import pytest
from botocore.exceptions import ClientError

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.codec import MAX_ITEM_BYTES, decode_item, item_size
from dynamodb_wrapper.core.expressions import Attr, SortCondition, Update
from dynamodb_wrapper.core.model import DynamoModel, UTCDateTime
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import TableGateway, create_table_gateway, transact_write
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    ConfigurationError,
    DynamoDBWrapperError,
    ItemTooLargeError,
    RetryableError,
    TableNotFoundError,
    TransactionCanceledError,
    TransactionConflictError,
    ValidationError,
)

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
Scan = Callable[[str], list[dict[str, Any]]]


class Order(DynamoModel):
    """Sort key (datetime), a bool GSI key, TTL and reserved-word attribute names."""

    customer_id: str
    created_at: UTCDateTime
    order_id: str
    status: str = "open"
    name: str | None = None
    data: dict[str, Any] | None = None
    environment: str = "dev"
    timestamp: int | None = None
    is_open: bool = True
    amount: Decimal | None = None
    counter: int = 0
    expires_at: int | None = None

    class Meta:
        table_name = "orders"
        partition_key = "customer_id"
        sort_key = "created_at"
        gsis = [
            {"name": "OpenOrdersIndex", "partition_key": "is_open", "sort_key": "created_at"},
            {"name": "StatusIndex", "partition_key": "status", "sort_key": "created_at"},
        ]
        ttl_attribute = "expires_at"


class Note(DynamoModel):
    """A second table, for cross-table transactions."""

    note_id: str
    text: str = ""

    class Meta:
        table_name = "notes"
        partition_key = "note_id"


def order(customer: str, at: datetime, **fields: Any) -> Order:
    fields.setdefault("order_id", f"{customer}-{at.isoformat()}")
    return Order(customer_id=customer, created_at=at, **fields)


def key(o: Order) -> dict[str, Any]:
    return {"customer_id": o.customer_id, "created_at": o.created_at}


def wire_key(customer: str, stamp: str) -> dict[str, Any]:
    return {"customer_id": {"S": customer}, "created_at": {"S": stamp}}


def stamps(items: list[dict[str, Any]]) -> list[str]:
    return [i["created_at"]["S"] for i in items]


def query_all(gw: TableGateway, partition: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in gw.iter_query_pages(partition, **kwargs) for item in page.items]


@pytest.fixture
def gw(dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy) -> TableGateway:
    ensure_tables(dynamodb_config, [Order])
    return create_table_gateway(dynamodb_config, Order, backoff=backoff)


def put(gw: TableGateway, *orders: Order) -> None:
    for o in orders:
        gw.put_item(o.to_dynamodb_item())


# ----------------------------------------------------------------------------- single items


def test_put_get_round_trip_and_storage_format(gw: TableGateway, raw_client: Any) -> None:
    paris = timezone(timedelta(hours=2))
    o = order(
        "c1",
        datetime(2024, 5, 1, 12, 0, tzinfo=paris),
        name="first",
        data={"color": "red", "size": 3},
        amount=Decimal("12.50"),
        expires_at=1_900_000_000,
    )
    closed = order("c1", T0 + timedelta(microseconds=7), is_open=False)
    assert gw.put_item(o.to_dynamodb_item()) is None
    put(gw, closed)

    raw = raw_client.get_item(
        TableName=gw.table_name, Key=wire_key("c1", "2024-05-01T10:00:00.000000Z")
    )["Item"]
    assert raw["created_at"] == {"S": "2024-05-01T10:00:00.000000Z"}  # UTC, fixed width
    assert raw["is_open"] == {"S": "true"}  # bool GSI key as a string
    assert Decimal(raw["amount"]["N"]) == Decimal("12.50")
    assert raw["expires_at"] == {"N": "1900000000"}
    assert "timestamp" not in raw  # None is omitted
    raw_closed = raw_client.get_item(
        TableName=gw.table_name, Key=wire_key("c1", "2024-05-01T10:00:00.000007Z")
    )["Item"]
    assert raw_closed["is_open"] == {"S": "false"}

    got = gw.get_item(key(o))
    assert got is not None and got == raw
    assert Order.from_dynamodb_item(got) == o
    assert gw.get_item(key(o), consistent_read=True) == raw
    assert Order.from_dynamodb_item(gw.get_item(key(closed)) or {}).is_open is False
    assert gw.get_item({"customer_id": "c1", "created_at": T0 + timedelta(seconds=1)}) is None
    assert gw.get_item({"customer_id": "nobody", "created_at": T0}) is None


def test_put_return_values_and_conditions(gw: TableGateway, scan_all: Scan) -> None:
    o = order("c1", T0, name="v1")
    assert gw.put_item(o.to_dynamodb_item(), return_values="ALL_OLD") is None
    v2 = o.model_copy(update={"name": "v2"})
    old = gw.put_item(v2.to_dynamodb_item(), return_values="ALL_OLD")
    assert old is not None and old["name"] == {"S": "v1"}
    # A condition that holds: written.
    v3 = o.model_copy(update={"name": "v3"})
    gw.put_item(v3.to_dynamodb_item(), condition=Attr("name").eq("v2"))
    assert (gw.get_item(key(o)) or {})["name"] == {"S": "v3"}

    stored = gw.get_item(key(o))
    with pytest.raises(ConditionCheckFailedError) as info:
        gw.put_item(
            o.model_copy(update={"name": "clobber"}).to_dynamodb_item(),
            condition=Attr("customer_id").not_exists(),
        )
    err = info.value
    assert err.item == decode_item(stored or {})
    assert err.item is not None and err.item["name"] == "v3"
    assert err.error_code == "ConditionalCheckFailedException"
    assert err.request_id
    assert err.table == gw.table_name
    assert err.operation == "PutItem"
    assert err.retryable is False
    assert isinstance(err.__cause__, ClientError)
    assert err.__cause__.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert (gw.get_item(key(o)) or {})["name"] == {"S": "v3"}  # unchanged
    assert len(scan_all(gw.table_name)) == 1


def test_update_item_return_values_and_conditions(
    gw: TableGateway, raw_client: Any, scan_all: Scan
) -> None:
    o = order("c1", T0, name="n", amount=Decimal("3"), data={"color": "red"})
    put(gw, o)

    new = gw.update_item(
        key(o),
        Update()
        .set("status", "shipped")
        .set("name", "renamed")
        .set("environment", "prod")
        .set("timestamp", 17)
        .set("data", {"color": "blue", "tags": ["a"]})
        .add("counter", 2)
        .remove("amount"),
        condition=Attr("status").eq("open") & Attr("environment").eq("dev"),
    )
    assert new is not None
    decoded = decode_item(new)
    assert decoded["status"] == "shipped"
    assert decoded["name"] == "renamed"
    assert decoded["environment"] == "prod"
    assert decoded["timestamp"] == 17
    assert decoded["data"] == {"color": "blue", "tags": ["a"]}
    assert decoded["counter"] == 2
    assert "amount" not in decoded
    assert decoded["order_id"] == o.order_id  # ALL_NEW: the whole item

    updated_old = gw.update_item(key(o), Update().add("counter", 1), return_values="UPDATED_OLD")
    assert updated_old == {"counter": {"N": "2"}}
    updated_new = gw.update_item(key(o), Update().add("counter", 1), return_values="UPDATED_NEW")
    assert updated_new == {"counter": {"N": "4"}}
    all_old = gw.update_item(key(o), Update().set("name", "again"), return_values="ALL_OLD")
    assert all_old is not None and all_old["name"] == {"S": "renamed"}
    assert gw.update_item(key(o), Update().set("name", "quiet"), return_values="NONE") is None

    # Failed condition: the error carries the current item; nothing changes.
    stored = gw.get_item(key(o))
    with pytest.raises(ConditionCheckFailedError) as info:
        gw.update_item(key(o), Update().set("status", "open"), condition=Attr("status").eq("open"))
    assert info.value.item == decode_item(stored or {})
    assert info.value.operation == "UpdateItem"
    assert info.value.table == gw.table_name
    assert isinstance(info.value.__cause__, ClientError)
    assert gw.get_item(key(o)) == stored

    # Bool GSI key updated: stored as "false", gone from the open-orders index.
    gw.update_item(key(o), Update().set("is_open", False))
    raw = raw_client.get_item(TableName=gw.table_name, Key=wire_key("c1", stamps([new])[0]))
    assert raw["Item"]["is_open"] == {"S": "false"}
    assert query_all(gw, True, index_name="OpenOrdersIndex") == []
    assert len(query_all(gw, False, index_name="OpenOrdersIndex")) == 1

    # Conditional update of a missing item: no item in the error, nothing created.
    missing = {"customer_id": "ghost", "created_at": T0}
    with pytest.raises(ConditionCheckFailedError) as info:
        gw.update_item(missing, Update().set("name", "x"), condition=Attr("customer_id").exists())
    assert info.value.item is None
    assert gw.get_item(missing) is None
    # Unconditional update of a missing item creates it (UpdateItem semantics).
    gw.update_item(missing, Update().set("name", "x").set("order_id", "g1"))
    assert (gw.get_item(missing) or {})["name"] == {"S": "x"}
    assert len(scan_all(gw.table_name)) == 2


def test_delete_item_with_conditions(gw: TableGateway) -> None:
    a, b = order("c1", T0, status="open"), order("c1", T0 + timedelta(seconds=1), status="done")
    put(gw, a, b)
    stored = gw.get_item(key(a))
    with pytest.raises(ConditionCheckFailedError) as info:
        gw.delete_item(key(a), condition=Attr("status").eq("done"))
    assert info.value.item == decode_item(stored or {})
    assert info.value.operation == "DeleteItem"
    assert gw.get_item(key(a)) == stored

    old = gw.delete_item(key(a), condition=Attr("status").eq("open"), return_values="ALL_OLD")
    assert old == stored
    assert gw.get_item(key(a)) is None
    assert gw.delete_item(key(b)) is None  # NONE by default
    assert gw.get_item(key(b)) is None
    assert gw.delete_item(key(b), return_values="ALL_OLD") is None  # already gone: no error


_RESERVED = ("status", "name", "data", "environment", "timestamp")


def _no_bare_reserved_words(request: dict[str, Any]) -> None:
    for field in (
        "ProjectionExpression",
        "FilterExpression",
        "ConditionExpression",
        "UpdateExpression",
        "KeyConditionExpression",
    ):
        text = request.get(field, "")
        for word in _RESERVED:
            assert not re.search(rf"(?<![#:\w]){word}\b", text, re.IGNORECASE), (field, text)


def test_reserved_word_attribute_names(gw: TableGateway, faults: Any) -> None:
    put(
        gw,
        order("c1", T0, name="alpha", data={"color": "red", "n": 1}, timestamp=5),
        order("c1", T0 + timedelta(seconds=1), name="beta", data={"color": "red"}, timestamp=5),
        order("c1", T0 + timedelta(seconds=2), name="apex", data={"color": "blue"}, timestamp=50),
        order("c1", T0 + timedelta(seconds=3), name="axe", environment="prod", timestamp=6),
    )
    sent = {op: faults.spy(gw.client, op) for op in ("GetItem", "Query", "Scan", "UpdateItem")}

    got = gw.get_item(
        {"customer_id": "c1", "created_at": T0},
        projection=["status", "name", "data.color", "environment", "timestamp"],
    )
    assert got == {
        "status": {"S": "open"},
        "name": {"S": "alpha"},
        "data": {"M": {"color": {"S": "red"}}},
        "environment": {"S": "dev"},
        "timestamp": {"N": "5"},
    }

    flt = (
        Attr("status").eq("open")
        & Attr("name").begins_with("a")
        & Attr("environment").is_in(["dev", "staging"])
        & Attr("timestamp").between(1, 10)
        & Attr("data.color").eq("red")
    )
    queried = query_all(gw, "c1", filter=flt, projection=["name", "status"])
    assert queried == [{"name": {"S": "alpha"}, "status": {"S": "open"}}]
    scanned = [i for p in gw.iter_scan_pages(filter=flt) for i in p.items]
    assert [i["name"]["S"] for i in scanned] == ["alpha"]

    gw.update_item(
        {"customer_id": "c1", "created_at": T0},
        Update().set("status", "x").set("name", "y").set("data.color", "green").add("timestamp", 1),
        condition=Attr("status").eq("open") & Attr("environment").exists(),
    )
    after = decode_item(gw.get_item({"customer_id": "c1", "created_at": T0}) or {})
    assert (after["status"], after["name"], after["data"], after["timestamp"]) == (
        "x",
        "y",
        {"color": "green", "n": 1},
        6,
    )
    requests = [r for reqs in sent.values() for r in reqs if "ExpressionAttributeNames" in r]
    assert [len(sent[op]) for op in ("GetItem", "Query", "Scan", "UpdateItem")] == [2, 1, 1, 1]
    assert len(requests) == 4  # the final plain get_item uses no expression
    for request in requests:
        _no_bare_reserved_words(request)
        assert set(_RESERVED) & set(request["ExpressionAttributeNames"].values())


# ----------------------------------------------------------------------------- queries


MICRO = timedelta(microseconds=1)
HALF = timedelta(milliseconds=500)
SEC = timedelta(seconds=1)
TIMES = [T0, T0 + HALF, T0 + SEC, T0 + SEC + MICRO, T0 + 2 * SEC, T0 + 3 * SEC]


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def timeline(gw: TableGateway) -> TableGateway:
    for i, at in enumerate(TIMES):
        put(
            gw,
            order("c1", at, is_open=i % 2 == 0, status="new" if i < 3 else "old"),
            order("c2", at, is_open=True, status="new"),
        )
    return gw


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (SortCondition.range(T0, T0 + SEC), [T0, T0 + HALF, T0 + SEC]),
        # Same bounds in another zone: converted to UTC before comparing.
        (
            SortCondition.range(
                T0.astimezone(timezone(timedelta(hours=5))),
                (T0 + SEC).astimezone(timezone(timedelta(hours=-3))),
            ),
            [T0, T0 + HALF, T0 + SEC],
        ),
        (SortCondition.range(T0 + SEC, None), [T0 + SEC, T0 + SEC + MICRO, *TIMES[4:]]),
        (SortCondition.range(None, T0 + HALF), [T0, T0 + HALF]),
        (SortCondition.range(T0 + SEC + MICRO, None), TIMES[3:]),
        (SortCondition.range(T0 + HALF + MICRO, T0 + SEC + MICRO), [T0 + SEC, T0 + SEC + MICRO]),
        (SortCondition.range(T0 + SEC, T0 + SEC), [T0 + SEC]),
        (SortCondition("lt", (T0 + SEC,)), [T0, T0 + HALF]),
        (SortCondition("gt", (T0 + SEC,)), TIMES[3:]),
        (None, TIMES),
    ],
)
def test_query_sort_ranges(
    timeline: TableGateway, sort: SortCondition | None, expected: list[datetime]
) -> None:
    got = query_all(timeline, "c1", sort=sort)
    assert stamps(got) == [_stamp(t) for t in expected]
    assert {i["customer_id"]["S"] for i in got} <= {"c1"}
    descending = query_all(timeline, "c1", sort=sort, scan_forward=False)
    assert stamps(descending) == [_stamp(t) for t in reversed(expected)]


def test_query_gsi_with_ranges_order_and_projection(timeline: TableGateway) -> None:
    gw = timeline
    open_c1 = [t for i, t in enumerate(TIMES) if i % 2 == 0]
    got = query_all(gw, True, index_name="OpenOrdersIndex", filter=Attr("customer_id").eq("c1"))
    assert stamps(got) == [_stamp(t) for t in open_c1]
    closed = query_all(gw, False, index_name="OpenOrdersIndex")
    assert stamps(closed) == [_stamp(t) for i, t in enumerate(TIMES) if i % 2 == 1]
    # The stored string form is accepted as the partition value too.
    assert query_all(gw, "false", index_name="OpenOrdersIndex") == closed

    ranged = query_all(
        gw,
        True,
        index_name="OpenOrdersIndex",
        sort=SortCondition.range(T0 + HALF, T0 + 2 * SEC),
        scan_forward=False,
        projection=["customer_id", "created_at"],
    )
    expected = [("c2", t) for t in TIMES[1:5]] + [("c1", TIMES[2]), ("c1", TIMES[4])]
    assert sorted((i["customer_id"]["S"], i["created_at"]["S"]) for i in ranged) == sorted(
        (c, _stamp(t)) for c, t in expected
    )
    assert stamps(ranged) == sorted(stamps(ranged), reverse=True)
    assert all(set(i) == {"customer_id", "created_at"} for i in ranged)

    by_status = query_all(
        gw, "new", index_name="StatusIndex", sort=SortCondition.range(None, T0 + HALF)
    )
    assert Counter(i["customer_id"]["S"] for i in by_status) == {"c1": 2, "c2": 2}


def test_filter_empty_pages_keep_paginating(gw: TableGateway) -> None:
    matches = {5, 17, 29}
    for i in range(30):
        put(gw, order("c1", T0 + i * SEC, name="match" if i in matches else "other"))
    pages = list(gw.iter_query_pages("c1", filter=Attr("name").eq("match"), limit=4))
    assert len(pages) >= 8
    empty_but_continuing = [p for p in pages if not p.items and p.last_evaluated_key is not None]
    assert empty_but_continuing, "expected filtered-out pages that still carry LastEvaluatedKey"
    found = [i for p in pages for i in p.items]
    assert stamps(found) == [_stamp(T0 + i * SEC) for i in sorted(matches)]
    assert sum(p.scanned_count for p in pages) == 30

    every = [i for p in gw.iter_query_pages("c1", limit=7) for i in p.items]
    assert stamps(every) == [_stamp(T0 + i * SEC) for i in range(30)]  # once each, in order

    scanned = [
        i for p in gw.iter_scan_pages(filter=Attr("name").eq("match"), limit=3) for i in p.items
    ]
    assert sorted(stamps(scanned)) == [_stamp(T0 + i * SEC) for i in sorted(matches)]

    # Resuming from a page's LastEvaluatedKey continues right after it.
    first = gw.query_page("c1", limit=10)
    rest = query_all(gw, "c1", start_key=first.last_evaluated_key)
    assert stamps(first.items) + stamps(rest) == stamps(every)


def test_query_and_scan_projection(timeline: TableGateway) -> None:
    got = query_all(timeline, "c1", projection=["order_id", "status"])
    assert len(got) == len(TIMES)
    assert all(set(i) == {"order_id", "status"} for i in got)
    scanned = [i for p in timeline.iter_scan_pages(projection=["is_open"]) for i in p.items]
    assert len(scanned) == 2 * len(TIMES)
    assert {i["is_open"]["S"] for i in scanned} == {"true", "false"}


def test_counts_use_select_count(timeline: TableGateway, faults: Any) -> None:
    gw = timeline
    sent = {op: faults.spy(gw.client, op) for op in ("Query", "Scan")}
    received = {op: faults.spy_responses(gw.client, op) for op in ("Query", "Scan")}

    assert gw.query_count("c1") == len(TIMES)
    assert gw.query_count("c1", sort=SortCondition.range(T0 + HALF, T0 + 2 * SEC)) == 4
    assert gw.query_count("c1", filter=Attr("status").eq("old")) == 3
    assert gw.query_count("c1", limit=2) == len(TIMES)  # several pages, all summed
    assert gw.query_count(True, index_name="OpenOrdersIndex") == 3 + len(TIMES)
    assert gw.query_count("nobody") == 0
    assert gw.scan_count() == 2 * len(TIMES)
    assert gw.scan_count(filter=Attr("is_open").eq(False)) == 3
    assert gw.scan_count(limit=5) == 2 * len(TIMES)
    assert gw.scan_count(index_name="StatusIndex", filter=Attr("status").eq("old")) == 3

    assert len(sent["Query"]) >= 6 + 2  # limit=2 needs several pages
    assert len(sent["Scan"]) >= 4 + 2
    for op in ("Query", "Scan"):
        assert all(r["Select"] == "COUNT" for r in sent[op])
        assert all("ProjectionExpression" not in r for r in sent[op])
        assert received[op] and all("Items" not in r for r in received[op])
        assert all("Count" in r for r in received[op])


@pytest.mark.parametrize("segments", [1, 4])
def test_parallel_scan_returns_each_item_once(gw: TableGateway, faults: Any, segments: int) -> None:
    expected = set()
    for i in range(60):
        o = order(f"p{i % 7}", T0 + i * SEC)
        put(gw, o)
        expected.add((o.customer_id, _stamp(o.created_at)))
    sent = faults.spy(gw.client, "Scan")
    for kwargs in ({}, {"limit": 4}):
        got = Counter(
            (i["customer_id"]["S"], i["created_at"]["S"])
            for i in gw.parallel_scan(segments, **kwargs)
        )
        assert set(got) == expected
        assert set(got.values()) == {1}
    if segments == 1:
        assert all("Segment" not in r for r in sent)
    else:
        assert {r["Segment"] for r in sent} == set(range(segments))
        assert {r["TotalSegments"] for r in sent} == {segments}


# ----------------------------------------------------------------------------- rejected early


def test_gsi_consistent_read_and_unknown_index_rejected_before_request(
    gw: TableGateway, faults: Any
) -> None:
    query_sent, scan_sent = faults.spy(gw.client, "Query"), faults.spy(gw.client, "Scan")
    with pytest.raises(ValidationError, match="consistent"):
        gw.query_page(True, index_name="OpenOrdersIndex", consistent_read=True)
    with pytest.raises(ValidationError, match="consistent"):
        gw.scan_page(index_name="StatusIndex", consistent_read=True)
    with pytest.raises(ValidationError, match="consistent"):
        gw.query_count("new", index_name="StatusIndex", consistent_read=True)
    with pytest.raises(ConfigurationError, match="NoSuchIndex"):
        gw.query_page("x", index_name="NoSuchIndex")
    with pytest.raises(ConfigurationError, match="NoSuchIndex"):
        gw.scan_page(index_name="NoSuchIndex")
    with pytest.raises(ConfigurationError):
        list(gw.parallel_scan(2, index_name="NoSuchIndex"))
    assert query_sent == scan_sent == []
    # Consistent reads on the table itself are fine.
    assert gw.query_page("c1", consistent_read=True).items == []


def test_bad_input_rejected_before_any_request(
    gw: TableGateway, faults: Any, scan_all: Scan
) -> None:
    operations = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchWriteItem")
    sent = {op: faults.spy(gw.client, op) for op in operations}
    naive = datetime(2024, 5, 1, 10, 0)
    good = order("c1", T0)

    bad_calls: list[tuple[type[Exception], Callable[[], Any]]] = [
        (ValidationError, lambda: gw.get_item({"customer_id": "", "created_at": T0})),
        (ValidationError, lambda: gw.get_item({"customer_id": "c1"})),
        (ValidationError, lambda: gw.get_item({"customer_id": "c1", "created_at": naive})),
        (
            ValidationError,
            lambda: gw.get_item({"customer_id": "c1", "created_at": T0, "order_id": "x"}),
        ),
        (ValidationError, lambda: gw.delete_item({"customer_id": "", "created_at": T0})),
        (ValidationError, lambda: gw.query_page("c1", sort=SortCondition.range(naive, None))),
        (ValidationError, lambda: gw.query_page("")),
        (
            ValidationError,
            lambda: gw.query_page("c1", sort=SortCondition.range(T0 + SEC, T0)),
        ),
        (
            ValidationError,
            lambda: gw.put_item({**good.to_dynamodb_item(), "customer_id": {"S": ""}}),
        ),
        (ValidationError, lambda: order("", T0).to_dynamodb_item()),
        (ValidationError, lambda: gw.update_item(key(good), Update().set("amount", float("nan")))),
        (
            ValidationError,
            lambda: gw.update_item(key(good), Update().set("x", Decimal("Infinity"))),
        ),
        (ValidationError, lambda: order("c1", T0, data={"x": float("nan")}).to_dynamodb_item()),
        (ValidationError, lambda: gw.update_item(key(good), Update().set("created_at", T0))),
        (ValidationError, lambda: gw.update_item(key(good), Update().set("tags", set()))),
        (ValidationError, lambda: order("c1", T0, data={"when": naive}).to_dynamodb_item()),
        (ValidationError, lambda: gw.get_item({"customer_id": "k" * 2049, "created_at": T0})),
        (ValidationError, lambda: gw.put_item(order("k" * 2049, T0).to_dynamodb_item())),
        (
            ValidationError,
            lambda: gw.batch_write([{**good.to_dynamodb_item(), "customer_id": {"S": "k" * 2049}}]),
        ),
    ]
    for expected_error, call in bad_calls:
        with pytest.raises(expected_error):
            call()

    big = good.model_copy(update={"customer_id": "c-big"}).to_dynamodb_item()
    big["data"] = {"S": "x" * MAX_ITEM_BYTES}
    with pytest.raises(ItemTooLargeError, match="c-big") as info:
        gw.put_item(big)
    assert info.value.retryable is False
    with pytest.raises(ItemTooLargeError, match="c-big"):
        order("c-big", T0, name="x" * MAX_ITEM_BYTES).to_dynamodb_item()
    with pytest.raises(ItemTooLargeError, match="c-big"):
        gw.batch_write([good.to_dynamodb_item(), big])

    assert {op: reqs for op, reqs in sent.items() if reqs} == {}
    assert scan_all(gw.table_name) == []


def test_size_limits_match_dynamodb_at_the_boundary(
    gw: TableGateway, raw_client: Any, scan_all: Scan
) -> None:
    # A 2048-byte partition key is the maximum and is accepted (multi-byte UTF-8 counts bytes).
    long_key = "é" * 1024
    assert len(long_key.encode()) == 2048
    put(gw, order(long_key, T0))
    assert gw.get_item({"customer_id": long_key, "created_at": T0}) is not None
    with pytest.raises(ValidationError, match="2049"):
        put(gw, order(long_key + "k", T0))

    # An item of exactly 400 KB (names + values) is accepted by the check and by DynamoDB.
    base = {
        "customer_id": {"S": "edge"},
        "created_at": {"S": _stamp(T0)},
        "order_id": {"S": "o"},
    }
    fixed = sum(len(k) + len(v["S"]) for k, v in base.items()) + len("name")
    exact = {**base, "name": {"S": "x" * (MAX_ITEM_BYTES - fixed)}}
    assert item_size(exact) == MAX_ITEM_BYTES
    gw.put_item(exact)
    stored = raw_client.get_item(TableName=gw.table_name, Key=wire_key("edge", _stamp(T0)))
    assert len(stored["Item"]["name"]["S"]) == MAX_ITEM_BYTES - fixed
    over = {
        **base,
        "created_at": {"S": _stamp(T0 + SEC)},
        "name": {"S": "x" * (MAX_ITEM_BYTES - fixed + 1)},
    }
    with pytest.raises(ItemTooLargeError, match="edge"):
        gw.put_item(over)
    assert len(scan_all(gw.table_name)) == 2


# ----------------------------------------------------------------------------- transactions


@pytest.fixture
def notes(dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy) -> TableGateway:
    ensure_tables(dynamodb_config, [Note])
    return create_table_gateway(dynamodb_config, Note, backoff=backoff)


def test_transact_write_success_across_tables(gw: TableGateway, notes: TableGateway) -> None:
    a, b, c = (order("c1", T0 + i * SEC) for i in range(3))
    put(gw, a, b, c)
    notes.put_item(Note(note_id="n1", text="old").to_dynamodb_item())
    fresh = order("c1", T0 + 9 * SEC)
    actions = [
        gw.tx_put(fresh.to_dynamodb_item(), condition=Attr("customer_id").not_exists()),
        gw.tx_update(
            key(a),
            Update().add("counter", 5).set("status", "paid"),
            condition=Attr("status").eq("open"),
        ),
        gw.tx_delete(key(b), condition=Attr("status").eq("open")),
        gw.tx_condition_check(key(c), Attr("name").not_exists()),
        notes.tx_update({"note_id": "n1"}, Update().set("text", "new")),
    ]
    token = transact_write(gw.client, actions)
    uuid.UUID(token)  # a generated token
    assert gw.get_item(key(fresh)) is not None
    assert decode_item(gw.get_item(key(a)) or {})["counter"] == 5
    assert gw.get_item(key(b)) is None
    assert gw.get_item(key(c)) is not None
    assert (notes.get_item({"note_id": "n1"}) or {})["text"] == {"S": "new"}


def test_transact_write_cancellation_reasons(gw: TableGateway, notes: TableGateway) -> None:
    a, b = order("c1", T0), order("c1", T0 + SEC, status="done")
    put(gw, a, b)
    fresh = order("c1", T0 + 9 * SEC)
    actions = [
        gw.tx_put(fresh.to_dynamodb_item()),
        gw.tx_update(key(b), Update().set("status", "paid"), condition=Attr("status").eq("open")),
        gw.tx_delete(key(a)),
        notes.tx_put(Note(note_id="n1").to_dynamodb_item()),
    ]
    stored_b = gw.get_item(key(b))
    with pytest.raises(TransactionCanceledError) as info:
        gw.transact_write(actions)
    err = info.value
    assert [r.code for r in err.reasons] == ["None", "ConditionalCheckFailed", "None", "None"]
    assert [r.failed for r in err.reasons] == [False, True, False, False]
    assert err.reasons[1].item == decode_item(stored_b or {})
    assert err.reasons[0].item is None and err.reasons[2].item is None
    assert err.error_code == "TransactionCanceledException"
    assert err.request_id
    assert err.retryable is False
    assert err.operation == "TransactWriteItems"
    assert gw.table_name in (err.table or "") and notes.table_name in (err.table or "")
    assert isinstance(err.__cause__, ClientError)
    assert "ConditionalCheckFailed" in str(err)
    # Atomic: nothing applied.
    assert gw.get_item(key(fresh)) is None
    assert gw.get_item(key(a)) is not None
    assert gw.get_item(key(b)) == stored_b
    assert notes.get_item({"note_id": "n1"}) is None


def test_transaction_limits_checked_before_sending(
    gw: TableGateway, faults: Any, scan_all: Scan
) -> None:
    sent = faults.spy(gw.client, "TransactWriteItems")
    gets = faults.spy(gw.client, "TransactGetItems")
    many = [order("c1", T0 + i * SEC) for i in range(101)]
    with pytest.raises(ValidationError, match="100"):
        gw.transact_write([gw.tx_put(o.to_dynamodb_item()) for o in many])
    with pytest.raises(ValidationError):
        gw.transact_write([])
    with pytest.raises(ValidationError, match="again"):
        gw.transact_write(
            [
                gw.tx_put(many[0].to_dynamodb_item()),
                gw.tx_put(many[1].to_dynamodb_item()),
                gw.tx_update(key(many[0]), Update().add("counter", 1)),
            ]
        )
    with pytest.raises(ValidationError, match="again"):
        gw.transact_write(
            [gw.tx_delete(key(many[2])), gw.tx_condition_check(key(many[2]), Attr("x").exists())]
        )
    with pytest.raises(ValidationError):
        gw.transact_get([key(o) for o in many])
    with pytest.raises(ValidationError):
        gw.transact_get([key(many[0]), key(many[0])])
    with pytest.raises(ValidationError):
        gw.tx_put({**many[0].to_dynamodb_item(), "customer_id": {"S": ""}})
    assert sent == [] and gets == []
    assert scan_all(gw.table_name) == []

    # Exactly 100 actions is allowed.
    gw.transact_write([gw.tx_put(o.to_dynamodb_item()) for o in many[:100]])
    assert len(sent) == 1 and len(sent[0]["TransactItems"]) == 100
    assert len(scan_all(gw.table_name)) == 100


def test_transact_write_client_request_token_is_idempotent(gw: TableGateway, faults: Any) -> None:
    o = order("c1", T0)
    put(gw, o)
    sent = faults.spy(gw.client, "TransactWriteItems")
    token = str(uuid.uuid4())
    actions = [gw.tx_update(key(o), Update().add("counter", 1))]
    assert gw.transact_write(actions, client_request_token=token) == token
    # A re-send of the same token and actions (e.g. after a timeout) is not applied twice.
    assert gw.transact_write(actions, client_request_token=token) == token
    assert decode_item(gw.get_item(key(o)) or {})["counter"] == 1
    assert [r["ClientRequestToken"] for r in sent] == [token, token]

    # Same token, different parameters: a programming error, surfaced as a ValidationError.
    other = [gw.tx_update(key(o), Update().add("counter", 7))]
    with pytest.raises(ValidationError) as info:
        gw.transact_write(other, client_request_token=token)
    assert info.value.error_code == "IdempotentParameterMismatchException"
    assert decode_item(gw.get_item(key(o)) or {})["counter"] == 1

    # Without an explicit token every call gets a fresh one (and is applied).
    first = gw.transact_write(actions)
    second = gw.transact_write(actions)
    assert first != second
    assert [r["ClientRequestToken"] for r in sent[-2:]] == [first, second]
    assert decode_item(gw.get_item(key(o)) or {})["counter"] == 3


def test_transact_get_aligned_with_keys(gw: TableGateway) -> None:
    a, b = order("c1", T0, name="a"), order("c2", T0, name="b")
    put(gw, a, b)
    missing = {"customer_id": "c3", "created_at": T0}
    got = gw.transact_get([key(b), missing, key(a)])
    assert got[1] is None
    assert [decode_item(i or {})["name"] for i in (got[0], got[2])] == ["b", "a"]
    projected = gw.transact_get([key(a), key(b)], projection=["name", "status"])
    assert projected == [
        {"name": {"S": "a"}, "status": {"S": "open"}},
        {"name": {"S": "b"}, "status": {"S": "open"}},
    ]


# ----------------------------------------------------------------------------- table / capacity


def test_missing_table_raises_table_not_found(
    dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy
) -> None:
    gw = create_table_gateway(dynamodb_config, Order, backoff=backoff)  # never provisioned
    for call in (
        lambda: gw.get_item({"customer_id": "c", "created_at": T0}),
        lambda: gw.put_item(order("c", T0).to_dynamodb_item()),
        lambda: gw.query_page("c"),
        lambda: gw.scan_count(),
    ):
        with pytest.raises(TableNotFoundError) as info:
            call()
        assert info.value.error_code == "ResourceNotFoundException"
        assert info.value.table == gw.table_name
        assert info.value.retryable is False
        assert isinstance(info.value.__cause__, ClientError)


def test_consumed_capacity_recorded_when_enabled(
    dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy, faults: Any
) -> None:
    assert dynamodb_config.aws_access_key_id and dynamodb_config.aws_secret_access_key
    metered_config = DynamoDBConfig(
        endpoint_url=dynamodb_config.endpoint_url,
        region_name=dynamodb_config.region_name,
        aws_access_key_id=dynamodb_config.aws_access_key_id.get_secret_value(),
        aws_secret_access_key=dynamodb_config.aws_secret_access_key.get_secret_value(),
        table_prefix=dynamodb_config.table_prefix,
        environment=dynamodb_config.environment,
        return_consumed_capacity=True,
    )
    ensure_tables(metered_config, [Order])
    gw = create_table_gateway(metered_config, Order, backoff=backoff)
    plain = create_table_gateway(dynamodb_config, Order, backoff=backoff)
    assert gw.table_name == plain.table_name
    sent = faults.spy(gw.client, "PutItem")

    o = order("c1", T0)
    gw.put_item(o.to_dynamodb_item())
    gw.get_item(key(o))
    page = gw.query_page("c1")
    gw.batch_write([order("c1", T0 + SEC).to_dynamodb_item()])
    gw.batch_get([key(o)])
    gw.transact_get([key(o)])
    plain.put_item(order("c9", T0).to_dynamodb_item())

    assert sent[0]["ReturnConsumedCapacity"] == "TOTAL"
    assert "ReturnConsumedCapacity" not in sent[1]  # the plain gateway does not ask
    assert page.consumed_capacity is not None and page.consumed_capacity > 0
    assert set(gw.capacity.by_operation) == {
        "PutItem",
        "GetItem",
        "Query",
        "BatchWriteItem",
        "BatchGetItem",
        "TransactGetItems",
    }
    assert all(units > 0 for units in gw.capacity.by_operation.values())
    assert gw.capacity.total == pytest.approx(sum(gw.capacity.by_operation.values()))
    assert plain.capacity.by_operation == {}


# ----------------------------------------------------------------------------- botocore retries


class _RecordingTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``: records retry sleeps."""

    def __init__(self, sleeps: list[float]) -> None:
        self.sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def three_attempts_gw(
    dynamodb_local_endpoint: str, dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy
) -> TableGateway:
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=dynamodb_config.table_prefix,
        environment=dynamodb_config.environment,
        max_attempts=3,
    )
    ensure_tables(config, [Order])
    return create_table_gateway(config, Order, backoff=backoff)


@pytest.mark.parametrize(
    ("code", "status", "sends", "cls"),
    [
        ("ProvisionedThroughputExceededException", 400, 3, RetryableError),
        ("ThrottlingException", 400, 3, RetryableError),
        ("InternalServerError", 500, 3, RetryableError),
        ("TransactionConflictException", 400, 1, TransactionConflictError),
    ],
)
def test_pinned_retry_policy_attempts(
    three_attempts_gw: TableGateway,
    faults: Any,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    status: int,
    sends: int,
    cls: type[Exception],
) -> None:
    gw = three_attempts_gw
    retry_sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", _RecordingTime(retry_sleeps))
    failures = [0]  # how many of the next sends fail
    calls: list[int] = []

    def handler(request: Any, **_: Any) -> Any:
        calls.append(1)
        if failures[0] > 0:
            failures[0] -= 1
            return faults.error(request, code, "injected", status)
        return None

    faults.on(gw.client, "before-send.dynamodb.PutItem", handler)

    # Every attempt fails: botocore makes exactly `sends` attempts, then we surface the error.
    failures[0] = 99
    a = order("c1", T0)
    with pytest.raises(cls) as info:
        gw.put_item(a.to_dynamodb_item())
    err = info.value
    assert isinstance(err, DynamoDBWrapperError)
    assert len(calls) == sends
    assert err.error_code == code
    assert err.retry_attempts == sends - 1
    assert err.retryable is True
    assert len(retry_sleeps) == sends - 1
    assert gw.get_item(key(a)) is None

    if sends > 1:
        # Transient: the last allowed attempt reaches DynamoDB Local and succeeds.
        calls.clear()
        failures[0] = sends - 1
        gw.put_item(a.to_dynamodb_item())
        assert len(calls) == sends
        assert gw.get_item(key(a)) is not None


def test_conditional_failure_is_never_retried(three_attempts_gw: TableGateway, faults: Any) -> None:
    gw = three_attempts_gw
    a = order("c1", T0)
    put(gw, a)
    sent = faults.spy(gw.client, "PutItem")
    with pytest.raises(ConditionCheckFailedError) as info:
        gw.put_item(a.to_dynamodb_item(), condition=Attr("customer_id").not_exists())
    assert len(sent) == 1
    assert info.value.retry_attempts == 0
