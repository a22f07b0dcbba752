"""The generic CQRS bases (``core/repository.py``) used the way the seed's "Extension Points" say.

A fourth domain with a sort key, a GSI and a nested datetime is defined below in under 60 lines
(model, view, DTO, ReadApi, WriteApi); everything else (keys, tables, pagination tokens, time
zones, conditions, batches) comes from the bases. The tests then run it on DynamoDB Local, and
check generic behaviours no built-in domain reaches: filtered queries that must still fill their
pages, and batch gets that keep the requested order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import pytest
from pydantic import AfterValidator, BaseModel, Field

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.expressions import Attr, SortCondition
from dynamodb_wrapper.core.model import FlexibleView, UTCDateTime
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.core.repository import ReadApi, WriteApi
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    InvalidPaginationTokenError,
    ItemAlreadyExistsError,
    ItemNotFoundError,
    ValidationError,
)
from dynamodb_wrapper.models.domain_models import TimestampedModel
from dynamodb_wrapper.models.dtos import WriteDTO, validate_identifier

pytestmark = pytest.mark.integration

# --- fourth domain: begin
Page = tuple[list["DeploymentView"], str | None]


class Check(BaseModel):
    name: str
    at: UTCDateTime


class DeploymentFields(BaseModel):
    service: str
    deployed_at: UTCDateTime
    status: str = "pending"
    version: str
    checks: list[Check] = Field(default_factory=list)


class Deployment(DeploymentFields, TimestampedModel):
    class Meta:
        table_name = "deployments"
        partition_key = "service"
        sort_key = "deployed_at"
        gsis = [{"name": "StatusIndex", "partition_key": "status", "sort_key": "deployed_at"}]


class DeploymentView(FlexibleView):
    full_item: ClassVar[bool] = True
    service: str | None = None
    deployed_at: UTCDateTime | None = None
    status: str | None = None
    version: str | None = None
    checks: list[Check] | None = None
    created_at: UTCDateTime | None = None
    updated_at: UTCDateTime | None = None


class DeploymentUpsert(DeploymentFields, WriteDTO):
    service: Annotated[str, AfterValidator(validate_identifier)]
    status: Literal["pending", "live", "failed"] = "pending"


class DeploymentReadApi(ReadApi[Deployment, DeploymentView]):
    model = Deployment
    view = DeploymentView

    def get(self, service: str, at: datetime, **kw: Any) -> DeploymentView | None:
        return self._get(self._key(service, at), **kw)

    def history(self, service: str, sort: SortCondition | None = None, **kw: Any) -> Page:
        return self._query(service, sort=sort, **kw)

    def by_status(self, status: str, **kw: Any) -> Page:
        return self._query(status, index="StatusIndex", **kw)


class DeploymentWriteApi(WriteApi[Deployment, DeploymentUpsert]):
    model = Deployment
    dto = DeploymentUpsert


# --- fourth domain: end

T0 = datetime(2024, 5, 1, 22, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
STORAGE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def key(service: str, at: datetime) -> dict[str, Any]:
    return {"service": service, "deployed_at": at}


def deployment(service: str, at: datetime, **fields: Any) -> DeploymentUpsert:
    return DeploymentUpsert(
        service=service, deployed_at=at, version=fields.pop("version", "1"), **fields
    )


@pytest.fixture
def apis(dynamodb_config: DynamoDBConfig) -> tuple[DeploymentReadApi, DeploymentWriteApi]:
    ensure_tables(dynamodb_config, [Deployment])
    return DeploymentReadApi(dynamodb_config), DeploymentWriteApi(dynamodb_config)


@contextmanager
def spy_requests(client: Any, operation: str) -> Iterator[list[dict[str, Any]]]:
    """Record the JSON body of every ``operation`` request (the request goes through)."""
    sent: list[dict[str, Any]] = []

    def spy(params: dict[str, Any], **_: Any) -> None:
        sent.append(json.loads(params["body"]))

    event = f"before-call.dynamodb.{operation}"
    client.meta.events.register(event, spy)
    try:
        yield sent
    finally:
        client.meta.events.unregister(event, spy)


def pages_of(call: Any, *args: Any, **kwargs: Any) -> list[list[Any]]:
    pages, token = [], None
    for _ in range(1000):
        items, token = call(*args, next_token=token, **kwargs)
        pages.append(items)
        if token is None:
            return pages
    raise AssertionError("pagination did not terminate")


def times(views: list[Any]) -> list[datetime]:
    return [v.deployed_at for v in views]


# ----------------------------------------------------------------------------------- the budget


def test_the_fourth_domain_fits_in_60_lines() -> None:
    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    begin = source.index("# --- fourth domain: begin")
    end = source.index("# --- fourth domain: end")
    block = source[begin + 1 : end]
    assert 0 < len(block) < 60, f"the fourth domain takes {len(block)} lines"
    assert "CreateTable" not in "\n".join(block)  # tables come from Meta


def test_the_table_comes_from_meta(apis: Any) -> None:
    read, _ = apis
    table = read.gateway.client.describe_table(TableName=read.gateway.table_name)["Table"]
    assert table["TableName"].endswith("_deployments")
    assert table["KeySchema"] == [
        {"AttributeName": "service", "KeyType": "HASH"},
        {"AttributeName": "deployed_at", "KeyType": "RANGE"},
    ]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "StatusIndex"
    assert index["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "deployed_at", "KeyType": "RANGE"},
    ]
    ensure_tables(read.config, [Deployment])  # idempotent


# ----------------------------------------------------------------------------------- writes


def test_create_and_get(apis: Any) -> None:
    read, write = apis
    checks = [Check(name="smoke", at=T0 + timedelta(minutes=5))]
    created = write._create(deployment("api", T0, checks=checks))
    assert isinstance(created, Deployment) and created.created_at == created.updated_at

    view = read.get("api", T0)
    assert isinstance(view, DeploymentView)
    assert view.model_dump() == created.model_dump()
    assert view.checks == checks
    # the same instant in another zone addresses the same item
    assert read.get("api", T0.astimezone(TOKYO)) == view
    assert read.get("api", T0 + timedelta(microseconds=1)) is None
    assert read.get("web", T0) is None
    with pytest.raises(ValidationError):
        read.get("api", datetime(2024, 5, 1, 22, 0))  # naive key

    stored = read.gateway.client.get_item(
        TableName=read.gateway.table_name,
        Key={"service": {"S": "api"}, "deployed_at": {"S": "2024-05-01T22:00:00.000000Z"}},
    )["Item"]
    assert STORAGE_FORMAT.match(stored["checks"]["L"][0]["M"]["at"]["S"])
    assert stored["status"] == {"S": "pending"} and stored["version"] == {"S": "1"}


def test_create_conflicts_only_on_the_full_key(apis: Any) -> None:
    read, write = apis
    write._create(deployment("api", T0, version="1"))
    write._create(deployment("api", T0 + timedelta(seconds=1), version="2"))  # other sort key
    write._create(deployment("web", T0, version="3"))  # other partition

    with pytest.raises(ItemAlreadyExistsError) as info:
        write._create(deployment("api", T0.astimezone(TOKYO), version="4"))

    assert info.value.item is not None and info.value.item["version"] == "1"
    assert read.get("api", T0).version == "1"  # type: ignore[union-attr]


def test_upsert_keeps_created_at(apis: Any) -> None:
    read, write = apis
    first = write._upsert(deployment("api", T0, checks=[Check(name="c", at=T0)]))
    second = write._upsert(deployment("api", T0, version="2"))
    assert second.created_at == first.created_at and second.updated_at > first.updated_at
    assert second.version == "2" and second.checks == []
    assert read.get("api", T0).model_dump() == second.model_dump()  # type: ignore[union-attr]


def test_update_with_conditions_and_validation(apis: Any) -> None:
    read, write = apis
    write._create(deployment("api", T0))

    updated = write._update(
        key("api", T0),
        {"status": "live", "checks": [{"name": "smoke", "at": T0.astimezone(TOKYO)}]},
        condition=Attr("status").eq("pending"),
    )
    assert updated.status == "live"
    assert updated.checks == [Check(name="smoke", at=T0)]
    assert updated.checks[0].at.tzinfo is UTC  # stored in UTC
    assert ids_of(read.by_status("live")[0]) == [("api", T0)]
    assert read.by_status("pending") == ([], None)

    with pytest.raises(ConditionCheckFailedError) as info:
        write._update(key("api", T0), {"status": "failed"}, condition=Attr("status").eq("pending"))
    assert info.value.item is not None and info.value.item["status"] == "live"

    for changes, field in [
        ({"status": "exploded"}, "status"),
        ({"deployed_at": T0}, "deployed_at"),
        ({"service": "web"}, "service"),
        ({"created_at": T0}, "created_at"),
        ({"version": None}, "version"),
        ({"checks": [{"name": "x", "at": datetime(2024, 1, 1)}]}, "checks.0.at"),
    ]:
        with pytest.raises(ValidationError) as error:
            write._update(key("api", T0), changes)
        assert error.value.field == field
    assert read.get("api", T0).model_dump() == updated.model_dump()  # type: ignore[union-attr]

    with pytest.raises(ItemNotFoundError) as missing:
        write._update(key("api", T0 + timedelta(days=1)), {"version": "x"})
    assert missing.value.key == {"service": "api", "deployed_at": T0 + timedelta(days=1)}


def test_delete(apis: Any) -> None:
    read, write = apis
    created = write._create(deployment("api", T0))
    write._create(deployment("api", T0 + timedelta(hours=1)))

    old = write._delete(key("api", T0.astimezone(TOKYO)))

    assert old == created
    assert read.get("api", T0) is None
    assert read.get("api", T0 + timedelta(hours=1)) is not None
    with pytest.raises(ItemNotFoundError):
        write._delete(key("api", T0))


# ----------------------------------------------------------------------------------- queries


def ids_of(views: list[Any]) -> list[tuple[str, datetime]]:
    return [(v.service, v.deployed_at) for v in views]


@pytest.fixture
def history(apis: Any) -> tuple[DeploymentReadApi, list[datetime]]:
    """12 deployments of "api", 3 hours apart (across two days), plus other services."""
    read, write = apis
    at = [T0 + timedelta(hours=3 * i, microseconds=i) for i in range(12)]
    dtos = [
        deployment("api", t, status="live" if i % 3 == 0 else "failed") for i, t in enumerate(at)
    ]
    web = [T0 + timedelta(hours=i, minutes=30) for i in range(4)]
    dtos += [deployment("web", t, status="live") for t in web]
    assert write._upsert_many(dtos) == 16
    return read, at


def test_query_with_sort_conditions(history: Any) -> None:
    read, at = history
    assert times(read.history("api")[0]) == at
    assert times(read.history("api", newest_first=True)[0]) == at[::-1]

    cases = [
        (SortCondition.range(at[2], at[5]), at[2:6]),  # inclusive on both ends
        (SortCondition.range(at[9], None), at[9:]),
        (SortCondition.range(None, at[1]), at[:2]),
        (SortCondition("between", (at[3], at[3])), [at[3]]),
        (SortCondition("gt", (at[9],)), at[10:]),
        (SortCondition("lt", (at[1],)), at[:1]),
        (SortCondition("eq", (at[4].astimezone(TOKYO),)), [at[4]]),
        (SortCondition("begins_with", ("2024-05-02",)), [t for t in at if t.day == 2]),
        (SortCondition.range(at[0] - timedelta(days=9), at[0] - timedelta(days=1)), []),
    ]
    for sort, expected in cases:
        assert times(read.history("api", sort)[0]) == expected, sort
        assert times(read.history("api", sort, newest_first=True)[0]) == expected[::-1], sort
        assert read._count("api", sort=sort) == len(expected), sort

    with pytest.raises(ValidationError):
        read.history("api", SortCondition.range(at[5], at[2]))  # reversed
    with pytest.raises(ValidationError):
        read.history("api", SortCondition.range(datetime(2024, 5, 1), None))  # naive


def test_query_pages_and_gsi(history: Any) -> None:
    read, at = history
    sort = SortCondition.range(at[1], at[10])
    for limit in (1, 3, 4, 50):
        pages = pages_of(read.history, "api", sort, newest_first=True, limit=limit)
        assert [t for page in pages for t in times(page)] == at[10:0:-1]
        assert all(len(page) == limit for page in pages[:-1])

    web = [T0 + timedelta(hours=i, minutes=30) for i in range(4)]
    live = [("api", t) for t in at[::3]] + [("web", t) for t in web]
    live.sort(key=lambda pair: pair[1], reverse=True)
    pages = pages_of(read.by_status, "live", newest_first=True, limit=2)
    assert [pair for page in pages for pair in ids_of(page)] == live
    assert read._count("live", index="StatusIndex") == len(live)

    _, token = read.history("api", sort, limit=2)
    with pytest.raises(InvalidPaginationTokenError):
        read.history("api", SortCondition.range(at[1], at[11]), limit=2, next_token=token)
    with pytest.raises(InvalidPaginationTokenError):
        read.history("api", sort, limit=2, next_token=token, newest_first=True)
    with pytest.raises(InvalidPaginationTokenError):
        read.history("web", sort, limit=2, next_token=token)
    with pytest.raises(InvalidPaginationTokenError):
        read.by_status("live", limit=2, next_token=token)


def test_nested_datetimes_follow_the_user_time_zone(apis: Any, dynamodb_config: Any) -> None:
    read, write = apis
    at = T0 + timedelta(minutes=1)
    write._create(deployment("api", T0, checks=[Check(name="a", at=at), Check(name="b", at=at)]))

    for view in (
        read.get("api", T0, user_timezone="Asia/Tokyo"),
        read.history("api", user_timezone="Asia/Tokyo")[0][0],
        read._batch_get([{"service": "api", "deployed_at": T0}], user_timezone="Asia/Tokyo")[0],
        DeploymentReadApi(_with_zone(dynamodb_config, "Asia/Tokyo")).get("api", T0),
    ):
        assert view is not None
        assert view.deployed_at.tzinfo == TOKYO and view.created_at.tzinfo == TOKYO
        assert [c.at.tzinfo for c in view.checks] == [TOKYO, TOKYO]
        assert [c.at for c in view.checks] == [at, at]  # same instants
    utc_view = read.get("api", T0)
    assert utc_view is not None and utc_view.checks[0].at.tzinfo is UTC


def _with_zone(config: DynamoDBConfig, zone: str) -> DynamoDBConfig:
    return DynamoDBConfig(
        endpoint_url=config.endpoint_url,
        region_name=config.region_name,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=config.table_prefix,
        environment=config.environment,
        user_timezone=zone,
    )


# ----------------------------------------------------------------------------------- filters


@pytest.fixture
def busy(apis: Any) -> tuple[DeploymentReadApi, list[datetime]]:
    """250 deployments of "busy", one minute apart; only every 25th has version "keep"."""
    read, write = apis
    at = [T0 + timedelta(minutes=i) for i in range(250)]
    write._upsert_many(
        deployment("busy", t, version="keep" if i % 25 == 0 else "drop") for i, t in enumerate(at)
    )
    return read, at[::25]


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 3, 4, 10, 50])
def test_a_filter_that_drops_most_items_still_fills_pages(
    busy: Any, limit: int, newest_first: bool
) -> None:
    read, kept = busy
    expected = kept[::-1] if newest_first else kept
    keep = Attr("version").eq("keep")

    pages = pages_of(read._query, "busy", filter=keep, limit=limit, newest_first=newest_first)

    got = [t for page in pages for t in times(page)]
    assert got == expected  # nothing skipped, nothing repeated, in key order
    assert all(len(page) == limit for page in pages[:-1]), [len(p) for p in pages]
    assert len(pages) <= -(-len(expected) // limit) + 1


def test_filtered_scans_fill_pages_too(busy: Any) -> None:
    read, kept = busy
    keep = Attr("version").eq("keep")
    pages = pages_of(read._scan, filter=keep, limit=3)
    assert sorted(t for page in pages for t in times(page)) == kept
    assert [len(page) for page in pages[:-1]] == [3] * (len(pages) - 1)


def test_a_filter_matching_nothing_walks_to_the_end(busy: Any) -> None:
    read, _ = busy
    with spy_requests(read.gateway.client, "Query") as sent:
        assert read._query("busy", filter=Attr("version").eq("none"), limit=5) == ([], None)
    assert len(sent) == 3  # 250 items, 100 evaluated per request
    assert all(request["Limit"] >= 5 for request in sent)


def test_filtered_tokens_belong_to_their_filter(busy: Any) -> None:
    read, kept = busy
    keep = Attr("version").eq("keep")
    items, token = read._query("busy", filter=keep, limit=2)
    assert times(items) == kept[:2] and token is not None
    with pytest.raises(InvalidPaginationTokenError):
        read._query("busy", filter=Attr("version").eq("drop"), limit=2, next_token=token)
    with pytest.raises(InvalidPaginationTokenError):
        read._query("busy", limit=2, next_token=token)
    assert times(read._query("busy", filter=keep, limit=2, next_token=token)[0]) == kept[2:4]


# ----------------------------------------------------------------------------------- batch get


def test_batch_get_keeps_the_requested_order_and_skips_missing_keys(busy: Any) -> None:
    read, _ = busy
    at = [T0 + timedelta(minutes=i) for i in range(250)]
    wanted = [at[i] for i in range(249, 0, -2)]  # 125 keys: two BatchGetItem requests
    keys: list[dict[str, Any]] = []
    for i, t in enumerate(wanted):
        keys.append({"service": "busy", "deployed_at": t.astimezone(TOKYO) if i % 2 else t})
        if i % 10 == 0:
            keys.append({"service": "busy", "deployed_at": t + timedelta(seconds=1)})  # missing
            keys.append({"service": "nobody", "deployed_at": t})  # missing

    with spy_requests(read.gateway.client, "BatchGetItem") as sent:
        views = read._batch_get(keys)

    assert times(views) == wanted
    assert len(sent) == 2
    partial = read._batch_get(keys[:5], projection=["version"])
    assert [(v.deployed_at, v.version, v.status) for v in partial] == [
        (wanted[0], "drop", None),
        (wanted[1], "drop", None),
        (wanted[2], "drop", None),
    ]
    assert read._batch_get([]) == []
