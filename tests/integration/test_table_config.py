"""TableConfigReadApi / TableConfigWriteApi against a real DynamoDB Local.

Requests are observed with ``before-send`` spies on the real client (they let the request
through), and stored items are checked with a separate raw botocore client.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core import repository
from dynamodb_wrapper.core.expressions import Attr
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    InvalidPaginationTokenError,
    TableConfigAlreadyExistsError,
    TableConfigNotFoundError,
    ValidationError,
)
from dynamodb_wrapper.handlers.table_config import (
    TableConfigReadApi,
    TableConfigWriteApi,
    TableStatistics,
)
from dynamodb_wrapper.models.domain_models import DataFormat, TableConfig, TableType
from dynamodb_wrapper.models.dtos import TableConfigUpsert
from dynamodb_wrapper.models.views import TableConfigSummary, TableConfigView

pytestmark = pytest.mark.integration

Scan = Callable[[str], list[dict[str, Any]]]
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
TYPES = list(TableType)
FORMATS = list(DataFormat)


def dto(table_id: str, pipeline_id: str = "p1", **fields: Any) -> TableConfigUpsert:
    data: dict[str, Any] = {
        "table_id": table_id,
        "pipeline_id": pipeline_id,
        "table_name": f"name-{table_id}",
        "table_type": "source",
        "data_format": "parquet",
        "location": f"s3://bucket/{table_id}",
    }
    return TableConfigUpsert(**{**data, **fields})


class Apis:
    """The two APIs on one config, plus request spies."""

    def __init__(self, config: DynamoDBConfig, faults: Any) -> None:
        self.config = config
        self.read = TableConfigReadApi(config)
        self.write = TableConfigWriteApi(config)
        self.table = self.read.gateway.table_name
        self.sent: list[tuple[str, dict[str, Any]]] = []

        def spy(request: Any, event_name: str, **_: Any) -> None:
            self.sent.append((event_name.rsplit(".", 1)[-1], json.loads(request.body)))

        faults.on(self.read.gateway.client, "before-send.dynamodb", spy)

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        return [body for op, body in self.sent if operation is None or op == operation]


@pytest.fixture
def apis(dynamodb_config: DynamoDBConfig, faults: Any) -> Apis:
    ensure_tables(dynamodb_config, [TableConfig])
    return Apis(dynamodb_config, faults)


@pytest.fixture
def big(apis: Apis) -> Apis:
    """130 tables of pipeline ``big`` (every 3rd inactive, types and formats rotating) and 7
    tables of pipeline ``other``."""
    apis.write.upsert_many(
        [
            dto(
                f"t{i:03d}",
                "big",
                table_type=TYPES[i % 4],
                data_format=FORMATS[i % 5],
                is_active=i % 3 != 0,
                record_count=i,
                size_bytes=1000 * i,
            )
            for i in range(130)
        ]
        + [dto(f"o{i}", "other", table_type=TYPES[i % 4]) for i in range(7)]
    )
    apis.sent.clear()
    return apis


def same_tables(config: DynamoDBConfig, **changes: Any) -> DynamoDBConfig:
    """A second config on the same endpoint, credentials and tables, with ``changes``."""
    return DynamoDBConfig(
        endpoint_url=config.endpoint_url,
        region_name=config.region_name,
        aws_access_key_id=config.aws_access_key_id,
        aws_secret_access_key=config.aws_secret_access_key,
        table_prefix=config.table_prefix,
        environment=config.environment,
        **changes,
    )


def ids(views: list[Any]) -> list[str]:
    return [v.table_id for v in views]


def all_pages(page: Callable[..., tuple[list[Any], str | None]], **kwargs: Any) -> list[list[Any]]:
    pages = []
    token = None
    while True:
        items, token = page(next_token=token, **kwargs)
        pages.append(items)
        if token is None:
            return pages


def big_ids(predicate: Callable[[int], bool] = lambda i: True) -> set[str]:
    return {f"t{i:03d}" for i in range(130) if predicate(i)}


# --------------------------------------------------------------------------- create / get


def test_create_and_get_by_id(apis: Apis, raw_client: Any) -> None:
    created = apis.write.create_table(
        dto(
            "orders",
            table_type="destination",
            data_format="delta",
            partition_columns=["dt"],
            cache_level="memory_only",
            retention_days=30,
            archive_after_days=7,
            tags={"team": "sales"},
            last_updated_data=T0,
        )
    )
    assert isinstance(created, TableConfig)
    assert created.created_at == created.updated_at
    view = apis.read.get_by_id("orders")
    assert isinstance(view, TableConfigView)
    assert view.model_dump() == created.model_dump()
    assert view.cache_level == "MEMORY_ONLY"
    assert view.table_type is TableType.DESTINATION

    raw = raw_client.get_item(TableName=apis.table, Key={"table_id": {"S": "orders"}})["Item"]
    assert raw["is_active"] == {"BOOL": True}  # not a key attribute: native BOOL
    assert raw["table_type"] == {"S": "destination"}
    assert raw["last_updated_data"] == {"S": "2024-05-01T10:00:00.000000Z"}
    assert "description" not in raw and "record_count" not in raw


def test_create_conflict(apis: Apis) -> None:
    first = apis.write.create_table(dto("t1", table_name="first"))
    with pytest.raises(TableConfigAlreadyExistsError) as info:
        apis.write.create_table(dto("t1", table_name="second"))
    assert info.value.item is not None and info.value.item["table_name"] == "first"
    stored = apis.read.get_by_id("t1")
    assert stored is not None
    assert stored.table_name == "first" and stored.created_at == first.created_at


def test_create_refuses_a_nested_nan_before_any_request(apis: Apis) -> None:
    with pytest.raises(ValidationError) as info:
        apis.write.create_table(dto("t1", read_options={"ratio": float("nan")}))
    assert info.value.field == "read_options.ratio"
    assert apis.requests() == []


def test_create_refuses_what_is_not_its_dto(apis: Apis) -> None:
    with pytest.raises(ValidationError):
        apis.write.create_table(dto("t1").model_dump())  # type: ignore[arg-type]
    assert apis.requests() == []


def test_get_missing_returns_none(apis: Apis) -> None:
    assert apis.read.get_by_id("nope") is None
    assert apis.read.get_summary("nope") is None
    assert apis.read.get_many(["nope", "neither"]) == []


def test_get_summary_reads_only_its_fields(apis: Apis) -> None:
    apis.write.create_table(dto("t1", record_count=5, size_bytes=50, last_updated_data=T0))
    apis.sent.clear()
    summary = apis.read.get_summary("t1")
    assert isinstance(summary, TableConfigSummary)
    assert summary.model_dump() == {
        "table_id": "t1",
        "pipeline_id": "p1",
        "table_name": "name-t1",
        "table_type": TableType.SOURCE,
        "data_format": DataFormat.PARQUET,
        "is_active": True,
        "record_count": 5,
        "size_bytes": 50,
        "last_updated_data": T0,
    }
    (request,) = apis.requests("GetItem")
    assert set(request["ExpressionAttributeNames"].values()) == set(TableConfigSummary.model_fields)


def test_get_many_keeps_order_and_skips_missing(big: Apis) -> None:
    wanted = ["t129", "missing", "t000", "o3", "t050", "t129"]
    assert ids(big.read.get_many(wanted)) == ["t129", "t000", "o3", "t050"]
    every = [f"t{i:03d}" for i in reversed(range(130))]
    assert ids(big.read.get_many(every)) == every  # two BatchGetItem requests of ≤ 100 keys
    assert len(big.requests("BatchGetItem")) == 1 + 2


# --------------------------------------------------------------------------- projections


RESERVED = ["table_name", "location", "environment"]


def test_projection_with_reserved_words(apis: Apis) -> None:
    apis.write.create_table(dto("t1", environment="prod", description="d"))
    view = apis.read.get_by_id("t1", projection=RESERVED)
    assert view is not None
    assert view.table_name == "name-t1" and view.location == "s3://bucket/t1"
    assert view.environment == "prod"
    assert view.description is None and view.created_at is None and view.pipeline_id is None
    (request,) = apis.requests("GetItem")
    assert set(request["ExpressionAttributeNames"].values()) == {*RESERVED, "table_id"}
    for word in RESERVED:
        assert word not in request["ProjectionExpression"]


def test_projection_on_queries_scans_and_batches(big: Apis) -> None:
    page, _ = big.read.query_by_pipeline("big", limit=5, projection=RESERVED)
    assert len(page) == 5
    for view in page:
        assert view.table_name is not None and view.location is not None
        assert view.environment == "dev" and view.record_count is None
    scanned, _ = big.read.list_tables(limit=5, projection=["location"])
    assert all(v.location and v.table_name is None for v in scanned)
    batch = big.read.get_many(["t001"], projection=["environment"])
    assert batch[0].environment == "dev" and batch[0].location is None


@pytest.mark.parametrize("projection", [["no_such_field"], [], "table_name"])
def test_bad_projection_is_refused_before_any_request(apis: Apis, projection: Any) -> None:
    with pytest.raises(ValidationError):
        apis.read.get_by_id("t1", projection=projection)
    with pytest.raises(ValidationError):
        apis.read.query_by_pipeline("p1", projection=projection)
    assert apis.requests() == []


# --------------------------------------------------------------------------- queries and pagination


def test_query_by_pipeline_pages_every_item_exactly_once(big: Apis) -> None:
    pages = all_pages(big.read.query_by_pipeline, pipeline_id="big", limit=40)
    assert [len(p) for p in pages] == [40, 40, 40, 10]
    seen = [v.table_id for p in pages for v in p]
    assert Counter(seen) == Counter(big_ids())
    types = [v.table_type for p in pages for v in p]
    assert types == sorted(types)  # ordered by the index sort key


def test_query_by_pipeline_and_type(big: Apis) -> None:
    for n, table_type in enumerate(TYPES):
        expected = {f"t{i:03d}" for i in range(n, 130, 4)}
        for given in (table_type, table_type.value):
            pages = all_pages(
                big.read.query_by_pipeline, pipeline_id="big", table_type=given, limit=12
            )
            assert Counter(v.table_id for p in pages for v in p) == Counter(expected)
    assert big.read.query_by_pipeline("nobody") == ([], None)


def test_query_by_type_with_and_without_pipeline(big: Apis) -> None:
    pages = all_pages(big.read.query_by_type, table_type="lookup", limit=9)
    lookup = {v.table_id for p in pages for v in p}
    assert lookup == big_ids(lambda i: i % 4 == 2) | {"o2", "o6"}
    assert sum(len(p) for p in pages) == len(lookup)
    pipelines = [v.pipeline_id for p in pages for v in p]
    assert pipelines == sorted(pipelines)
    only_other, token = big.read.query_by_type(TableType.LOOKUP, pipeline_id="other")
    assert set(ids(only_other)) == {"o2", "o6"} and token is None


def test_query_active_tables_filters_and_pages(big: Apis) -> None:
    pages = all_pages(big.read.query_active_tables, pipeline_id="big", limit=40)
    seen = [v.table_id for p in pages for v in p]
    assert Counter(seen) == Counter(big_ids(lambda i: i % 3 != 0))
    assert all(len(p) == 40 for p in pages[:-1])
    (first, *_) = big.requests("Query")
    assert "FilterExpression" in first
    assert {"BOOL": True} in first["ExpressionAttributeValues"].values()


def test_query_by_format_is_a_filtered_scan(big: Apis) -> None:
    pages = all_pages(big.read.query_by_format, data_format="avro", limit=10)
    seen = [v.table_id for p in pages for v in p]
    assert Counter(seen) == Counter(big_ids(lambda i: i % 5 == 3))
    assert big.requests("Query") == [] and big.requests("Scan")
    assert all("FilterExpression" in r for r in big.requests("Scan"))
    parquet, _ = big.read.query_by_format(DataFormat.PARQUET, limit=1000)
    assert set(ids(parquet)) == big_ids(lambda i: i % 5 == 0) | {f"o{i}" for i in range(7)}


def test_list_tables_pages_the_whole_table(big: Apis) -> None:
    pages = all_pages(big.read.list_tables, limit=40)
    assert [len(p) for p in pages] == [40, 40, 40, 17]
    seen = [v.table_id for p in pages for v in p]
    assert Counter(seen) == Counter(big_ids() | {f"o{i}" for i in range(7)})


def test_source_and_destination_tables_follow_every_page(
    big: Apis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "MAX_PAGE_SIZE", 7)  # the iterators' page size
    sources = big.read.get_source_tables("big")
    assert Counter(ids(sources)) == Counter(big_ids(lambda i: i % 4 == 0))
    destinations = big.read.get_destination_tables("big", projection=["table_name"])
    assert Counter(ids(destinations)) == Counter(big_ids(lambda i: i % 4 == 1))
    assert all(v.table_name and v.location is None for v in destinations)
    assert len(big.requests("Query")) == 5 + 5  # 33 and 33 tables, 7 per page
    assert big.read.get_source_tables("nobody") == []


def test_iterators_are_lazy_and_complete(big: Apis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "MAX_PAGE_SIZE", 25)
    iterator = big.read.iter_by_pipeline("big")
    assert big.requests() == []
    first = next(iterator)
    assert len(big.requests("Query")) == 1
    assert len({first.table_id, *(v.table_id for v in iterator)}) == 130
    assert len(big.requests("Query")) == 6

    checks: list[tuple[Iterator[TableConfigView], set[str]]] = [
        (big.read.iter_by_pipeline("big", "intermediate"), big_ids(lambda i: i % 4 == 3)),
        (big.read.iter_by_type("source", "big"), big_ids(lambda i: i % 4 == 0)),
        (
            big.read.iter_by_type(TableType.DESTINATION),
            big_ids(lambda i: i % 4 == 1) | {"o1", "o5"},
        ),
        (big.read.iter_active_tables("big"), big_ids(lambda i: i % 3 != 0)),
        (big.read.iter_by_format("json"), big_ids(lambda i: i % 5 == 1)),
        (big.read.iter_tables(), big_ids() | {f"o{i}" for i in range(7)}),
    ]
    for iterator, expected in checks:
        seen = [v.table_id for v in iterator]
        assert Counter(seen) == Counter(expected)


@pytest.mark.parametrize("limit", [0, -1, 1001, True, 2.5])
def test_bad_limit_refused_before_any_request(apis: Apis, limit: Any) -> None:
    with pytest.raises(ValidationError) as info:
        apis.read.query_by_pipeline("p1", limit=limit)
    assert info.value.field == "limit"
    assert apis.requests() == []


# --------------------------------------------------------------------------- tokens


def test_forged_and_foreign_tokens_are_refused(big: Apis) -> None:
    _, token = big.read.query_by_pipeline("big", limit=10)
    assert token is not None
    _, typed_token = big.read.query_by_pipeline("big", table_type="source", limit=3)
    _, scan_token = big.read.list_tables(limit=10)
    assert typed_token is not None and scan_token is not None
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    big.sent.clear()

    bad_calls: list[Callable[[], Any]] = [
        lambda: big.read.query_by_pipeline("big", next_token="garbage!"),
        lambda: big.read.query_by_pipeline("big", next_token=""),
        lambda: big.read.query_by_pipeline("big", next_token=flipped),
        lambda: big.read.query_by_pipeline("other", next_token=token),
        lambda: big.read.query_by_pipeline("big", table_type="source", next_token=token),
        lambda: big.read.query_by_pipeline("big", next_token=typed_token),
        lambda: big.read.query_active_tables("big", next_token=token),
        lambda: big.read.query_by_type("source", next_token=token),
        lambda: big.read.list_tables(next_token=token),
        lambda: big.read.query_by_format("json", next_token=scan_token),
        lambda: big.read.query_by_pipeline("big", next_token=scan_token),
    ]
    for call in bad_calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert isinstance(info.value, InvalidPaginationTokenError)
        assert info.value.field == "next_token"
    assert big.requests() == []
    # The genuine tokens still work.
    assert len(big.read.query_by_pipeline("big", limit=10, next_token=token)[0]) == 10
    assert len(big.read.list_tables(limit=10, next_token=scan_token)[0]) == 10


def test_tokens_from_another_deployment_are_refused(big: Apis) -> None:
    signed = same_tables(big.config, pagination_secret="s3cret")
    _, token = TableConfigReadApi(signed).query_by_pipeline("big", limit=10)
    assert token is not None
    with pytest.raises(InvalidPaginationTokenError):
        big.read.query_by_pipeline("big", next_token=token)


# --------------------------------------------------------------------------- enums


def test_bad_enum_values_are_refused_before_any_request(apis: Apis) -> None:
    bad_calls: list[tuple[str, Callable[[], Any]]] = [
        ("table_type", lambda: apis.read.query_by_pipeline("p1", table_type="view")),
        ("table_type", lambda: apis.read.query_by_pipeline("p1", table_type="SOURCE")),
        ("table_type", lambda: apis.read.query_by_pipeline("p1", table_type="")),
        ("table_type", lambda: apis.read.query_by_type("bogus")),
        ("table_type", lambda: apis.read.count_tables_by_pipeline("p1", "bogus")),
        ("table_type", lambda: apis.read.count_tables_by_type("bogus")),
        ("table_type", lambda: next(apis.read.iter_by_type("bogus"))),
        ("table_type", lambda: next(apis.read.iter_by_pipeline("p1", "bogus"))),
        ("data_format", lambda: apis.read.query_by_format("orc")),
        ("data_format", lambda: next(apis.read.iter_by_format("orc"))),
    ]
    for field, call in bad_calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == field
    assert apis.requests() == []


def test_empty_keys_are_refused_before_any_request(apis: Apis) -> None:
    for call in (
        lambda: apis.read.get_by_id(""),
        lambda: apis.read.query_by_pipeline(""),
        lambda: apis.read.query_by_type("source", pipeline_id=""),
        lambda: apis.write.delete_table(""),
    ):
        with pytest.raises(ValidationError):
            call()
    assert apis.requests() == []


# --------------------------------------------------------------------------- counts


def test_counts_use_select_count(big: Apis) -> None:
    assert big.read.count_tables_by_pipeline("big") == 130
    assert big.read.count_tables_by_pipeline("big", "lookup") == 32
    assert big.read.count_tables_by_pipeline("big", TableType.SOURCE) == 33
    assert big.read.count_tables_by_pipeline("nobody") == 0
    assert big.read.count_tables_by_type("destination") == 33 + 2
    assert big.read.count_tables_by_type(TableType.DESTINATION, "other") == 2
    assert big.read.count_tables() == 137
    requests = big.requests()
    assert len(requests) == 7
    assert all(r["Select"] == "COUNT" for r in requests)
    assert [r.get("IndexName") for r in requests] == [
        *["PipelineTablesIndex"] * 4,
        *["TableTypeIndex"] * 2,
        None,
    ]


def test_statistics_summary(big: Apis) -> None:
    big.write.update_statistics("t007", last_updated_data=T0)
    big.write.update_statistics("t100", last_updated_data=T0 + timedelta(days=3))
    big.write.update_statistics("o1", last_updated_data=T0 + timedelta(days=9), record_count=5)
    big.sent.clear()

    stats = big.read.get_statistics_summary("big")
    assert isinstance(stats, TableStatistics)
    assert stats == TableStatistics(
        table_count=130,
        active_count=len(big_ids(lambda i: i % 3 != 0)),
        by_type={TableType(t): 33 if t in ("source", "destination") else 32 for t in TYPES},
        by_format=dict.fromkeys(FORMATS, 26),
        total_record_count=sum(range(130)),
        total_size_bytes=1000 * sum(range(130)),
        last_updated_data=T0 + timedelta(days=3),
    )
    (query,) = big.requests()
    assert query["IndexName"] == "PipelineTablesIndex"
    assert set(query["ExpressionAttributeNames"].values()) == {
        "table_type",
        "data_format",
        "is_active",
        "record_count",
        "size_bytes",
        "last_updated_data",
        "table_id",
        "pipeline_id",
    }
    with pytest.raises(AttributeError):
        stats.table_count = 0  # type: ignore[misc]

    everything = big.read.get_statistics_summary(user_timezone="Asia/Tokyo")
    assert everything.table_count == 137 and everything.active_count == 130 - 44 + 7
    assert everything.total_record_count == sum(range(130)) + 5
    assert everything.last_updated_data == T0 + timedelta(days=9)
    assert everything.last_updated_data.tzinfo == ZoneInfo("Asia/Tokyo")
    assert big.requests("Scan")

    assert big.read.get_statistics_summary("nobody") == TableStatistics()


# --------------------------------------------------------------------------- time zones


def test_user_timezone_per_call_beats_config_beats_utc(apis: Apis) -> None:
    apis.write.create_table(dto("t1", last_updated_data=T0))
    zoned = same_tables(apis.config, user_timezone="Asia/Tokyo")
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    utc_api, zoned_api = apis.read, TableConfigReadApi(zoned)

    def zones(api: TableConfigReadApi, **kw: Any) -> set[Any]:
        views: list[Any] = [
            api.get_by_id("t1", **kw),
            api.get_summary("t1", **kw),
            *api.get_many(["t1"], **kw),
            *api.query_by_pipeline("p1", **kw)[0],
            *api.query_by_type("source", **kw)[0],
            *api.query_active_tables("p1", **kw)[0],
            *api.query_by_format("parquet", **kw)[0],
            *api.list_tables(**kw)[0],
            *api.get_source_tables("p1", **kw),
            *api.iter_tables(**kw),
        ]
        found = set()
        for view in views:
            for name in ("created_at", "updated_at", "last_updated_data"):
                value = getattr(view, name, None)
                if value is not None:
                    found.add(value.tzinfo)
                    assert value == getattr(views[0], name)  # same instant, other zone
        return found

    assert zones(utc_api) == {UTC}
    assert zones(zoned_api) == {tokyo}
    assert zones(zoned_api, user_timezone="America/New_York") == {new_york}
    assert zones(utc_api, user_timezone="America/New_York") == {new_york}
    view = zoned_api.get_by_id("t1")
    assert view is not None and view.last_updated_data is not None
    assert view.last_updated_data.hour == 19  # 10:00 UTC is 19:00 in Tokyo
    with pytest.raises(ValidationError) as info:
        utc_api.get_by_id("t1", user_timezone="Mars/Olympus")
    assert info.value.field == "user_timezone"


# --------------------------------------------------------------------------- upserts


def test_upsert_keeps_created_at_and_replaces_the_rest(apis: Apis) -> None:
    created = apis.write.upsert_table(dto("t1", description="first", record_count=3))
    stored = apis.read.get_by_id("t1")
    assert stored is not None and stored.created_at == created.created_at
    replaced = apis.write.upsert_table(dto("t1", table_name="renamed", data_format="csv"))
    assert replaced.created_at == created.created_at
    assert replaced.updated_at > created.updated_at
    assert replaced.table_name == "renamed" and replaced.data_format is DataFormat.CSV
    assert replaced.description is None and replaced.record_count is None  # removed
    assert apis.read.get_by_id("t1", projection=["description"]) == TableConfigView(table_id="t1")


def test_upsert_many_keeps_created_at_and_reports_progress(apis: Apis) -> None:
    first = apis.write.create_table(dto("t000", table_name="old"))
    progress: list[int] = []
    written = apis.write.upsert_many(
        [dto(f"t{i:03d}", table_name="new") for i in range(60)], on_progress=progress.append
    )
    # chunks of 25, 25 and 10 may finish in any order (several in flight); totals only grow
    assert written == 60 and len(progress) == 3
    assert progress == sorted(progress) and progress[-1] == 60
    assert apis.read.count_tables() == 60
    kept = apis.read.get_by_id("t000")
    assert kept is not None and kept.table_name == "new"
    assert kept.created_at == first.created_at
    assert apis.write.upsert_many([]) == 0


def test_upsert_many_writes_nothing_when_one_input_is_bad(apis: Apis) -> None:
    good = dto("t1")
    with pytest.raises(ValidationError):
        apis.write.upsert_many([good, {"table_id": "t2"}])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        apis.write.upsert_many([good, dto("t1")])  # duplicate key
    assert apis.read.count_tables() == 0


# --------------------------------------------------------------------------- updates


def test_update_table(apis: Apis) -> None:
    created = apis.write.create_table(dto("t1", description="d", retention_days=30))
    updated = apis.write.update_table(
        "t1", {"table_name": "renamed", "description": None, "cache_level": "DISK_ONLY"}
    )
    assert updated.table_name == "renamed" and updated.description is None
    assert updated.cache_level == "DISK_ONLY"
    assert updated.created_at == created.created_at and updated.updated_at > created.updated_at
    assert apis.read.get_by_id("t1") == TableConfigView.model_validate(updated.model_dump())

    with pytest.raises(ConditionCheckFailedError) as info:
        apis.write.update_table("t1", {"is_active": False}, condition=Attr("retention_days").gt(60))
    assert info.value.item is not None and info.value.item["retention_days"] == 30
    ok = apis.write.update_table(
        "t1", {"is_active": False}, condition=Attr("retention_days").lt(60)
    )
    assert ok.is_active is False

    with pytest.raises(TableConfigNotFoundError):
        apis.write.update_table("missing", {"table_name": "x"})
    assert apis.read.get_by_id("missing") is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"table_id": "t2"}, "table_id"),
        ({"created_at": T0}, "created_at"),
        ({"location": "relative/path"}, "location"),
        ({"table_type": "view"}, "table_type"),
        ({"cache_level": "fast"}, "cache_level"),
        ({"retention_days": 0}, "retention_days"),
        ({"record_count": -1}, "record_count"),
        ({"last_updated_data": datetime(2024, 5, 1)}, "last_updated_data"),
        ({"table_name": None}, "table_name"),
        ({"no_such_field": 1}, "no_such_field"),
        ({}, "changes"),
    ],
)
def test_update_table_refuses_bad_changes_before_any_request(
    apis: Apis, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        apis.write.update_table("t1", changes)
    assert info.value.field == field
    assert apis.requests() == []


def test_update_table_normalises_cache_level(apis: Apis) -> None:
    apis.write.create_table(dto("t1"))
    assert apis.write.update_table("t1", {"cache_level": "disk_only"}).cache_level == "DISK_ONLY"


def test_update_table_keeps_archive_before_retention(apis: Apis) -> None:
    apis.write.create_table(dto("t1", retention_days=30, archive_after_days=7))
    with pytest.raises(ValidationError) as info:
        apis.write.update_table("t1", {"archive_after_days": 90})
    assert info.value.field == "archive_after_days"
    assert apis.read.get_by_id("t1").archive_after_days == 7


def test_update_statistics(apis: Apis, raw_client: Any) -> None:
    apis.write.create_table(dto("t1"))
    when = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    stats = apis.write.update_statistics(
        "t1", record_count=10, size_bytes=2048, last_updated_data=when
    )
    assert (stats.record_count, stats.size_bytes) == (10, 2048)
    assert stats.last_updated_data == when and stats.last_updated_data.tzinfo == UTC
    assert apis.write.update_statistics("t1", add_records=5).record_count == 15
    assert apis.write.update_statistics("t1", add_records=-15).record_count == 0
    with pytest.raises(ConditionCheckFailedError):
        apis.write.update_statistics("t1", add_records=-1)  # would go below 0
    only_size = apis.write.update_statistics("t1", size_bytes=1)
    assert (only_size.record_count, only_size.size_bytes) == (0, 1)

    (update, *_) = apis.requests("UpdateItem")
    assert update["UpdateExpression"].startswith("SET ")

    def adds_record_count(request: dict[str, Any]) -> bool:
        _, _, added = request["UpdateExpression"].partition(" ADD ")
        names = request["ExpressionAttributeNames"]
        return any(names[p.split()[0]] == "record_count" for p in added.split(", ") if p)

    assert sum(map(adds_record_count, apis.requests("UpdateItem"))) == 3
    raw = raw_client.get_item(TableName=apis.table, Key={"table_id": {"S": "t1"}})["Item"]
    assert raw["last_updated_data"] == {"S": "2024-05-01T10:00:00.000000Z"}


def test_add_records_starts_a_missing_count_at_zero(apis: Apis) -> None:
    apis.write.create_table(dto("t1"))
    assert apis.write.update_statistics("t1", add_records=7).record_count == 7


def test_update_statistics_never_creates_a_table(apis: Apis) -> None:
    with pytest.raises(TableConfigNotFoundError):
        apis.write.update_statistics("ghost", add_records=1)
    with pytest.raises(TableConfigNotFoundError):
        apis.write.update_statistics("ghost", record_count=1)
    assert apis.read.get_by_id("ghost") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "statistics"),
        ({"last_updated_data": datetime(2024, 5, 1, 12)}, "last_updated_data"),
        ({"record_count": -1}, "record_count"),
        ({"size_bytes": 1.5}, "size_bytes"),
        ({"add_records": 1.0}, "add_records"),
        ({"add_records": True}, "add_records"),
        ({"add_records": 1, "record_count": 3}, "add_records"),
    ],
)
def test_update_statistics_refuses_bad_input_before_any_request(
    apis: Apis, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        apis.write.update_statistics("t1", **kwargs)
    assert info.value.field == field
    assert apis.requests() == []


def test_add_records_is_atomic_under_concurrency(apis: Apis) -> None:
    apis.write.create_table(dto("t1", record_count=0))
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            apis.write.update_statistics("t1", add_records=1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(worker) for _ in range(8)]:
            future.result()
    stored = apis.read.get_by_id("t1", projection=["record_count"])
    assert stored is not None and stored.record_count == 200


def test_set_table_status(apis: Apis, raw_client: Any) -> None:
    created = apis.write.create_table(dto("t1"))
    off = apis.write.set_table_status("t1", False)
    assert off.is_active is False and off.updated_at > created.updated_at
    raw = raw_client.get_item(TableName=apis.table, Key={"table_id": {"S": "t1"}})["Item"]
    assert raw["is_active"] == {"BOOL": False}
    assert apis.read.query_active_tables("p1") == ([], None)
    assert apis.write.set_table_status("t1", True).is_active is True
    assert ids(apis.read.query_active_tables("p1")[0]) == ["t1"]
    with pytest.raises(TableConfigNotFoundError):
        apis.write.set_table_status("missing", True)


# --------------------------------------------------------------------------- many tables


def test_activate_and_deactivate_tables_for_pipeline(big: Apis) -> None:
    before = {v.table_id: v.updated_at for v in big.read.iter_tables(["updated_at"])}
    big.sent.clear()
    assert big.write.activate_tables_for_pipeline("big") == 44
    assert len(big.requests("UpdateItem")) == 44  # one conditional write per changed table
    assert all("ConditionExpression" in r for r in big.requests("UpdateItem"))
    assert big.read.count_tables_by_pipeline("big") == 130
    active = list(big.read.iter_active_tables("big"))
    assert len(active) == 130
    changed = {v.table_id for v in active if v.updated_at != before[v.table_id]}
    assert changed == big_ids(lambda i: i % 3 == 0)
    assert big.write.activate_tables_for_pipeline("big") == 0

    assert big.write.deactivate_tables_for_pipeline("big") == 130
    assert big.read.query_active_tables("big") == ([], None)
    assert len(list(big.read.iter_active_tables("other"))) == 7  # other pipeline untouched
    assert big.write.deactivate_tables_for_pipeline("big") == 0
    assert big.write.deactivate_tables_for_pipeline("nobody") == 0


def test_bulk_update_statistics(apis: Apis) -> None:
    apis.write.upsert_many([dto(f"t{i}", record_count=1) for i in range(4)])
    updated = apis.write.bulk_update_statistics(
        {
            "t0": {"record_count": 100, "size_bytes": 5},
            "t1": {"add_records": 9},
            "t2": {"last_updated_data": T0},
        }
    )
    assert updated == 3
    views = {v.table_id: v for v in apis.read.get_many(["t0", "t1", "t2", "t3"])}
    assert (views["t0"].record_count, views["t0"].size_bytes) == (100, 5)
    assert views["t1"].record_count == 10
    assert views["t2"].last_updated_data == T0 and views["t2"].record_count == 1
    assert views["t3"].record_count == 1 and views["t3"].updated_at == views["t3"].created_at
    assert apis.write.bulk_update_statistics({}) == 0


def test_bulk_update_statistics_updates_the_known_tables_then_names_the_unknown(
    apis: Apis,
) -> None:
    apis.write.upsert_many([dto("t0"), dto("t1")])
    with pytest.raises(TableConfigNotFoundError) as info:
        apis.write.bulk_update_statistics(
            {
                "ghost-a": {"record_count": 1},
                "t0": {"record_count": 10},
                "ghost-b": {"add_records": 1},
                "t1": {"record_count": 11},
            }
        )
    message = str(info.value)
    assert "ghost-a" in message and "ghost-b" in message and "2 table(s) updated" in message
    assert info.value.key == {"table_id": "ghost-a"}
    assert [v.record_count for v in apis.read.get_many(["t0", "t1"])] == [10, 11]
    assert apis.read.get_many(["ghost-a", "ghost-b"]) == []


@pytest.mark.parametrize(
    ("stats", "field"),
    [
        ({"t0": {"record_count": 1}, "t1": {"rows": 5}}, "rows"),
        ({"t0": {"record_count": 1}, "t1": [("record_count", 5)]}, "t1"),
        ({"t0": {"record_count": 1}, "t1": {"record_count": -5}}, "record_count"),
        ({"t0": {"record_count": 1}, "t1": {}}, "statistics"),
        ({"t0": {"record_count": 1}, "": {"record_count": 1}}, "table_id"),
        ({"t0": {"last_updated_data": datetime(2024, 1, 1)}}, "last_updated_data"),
    ],
)
def test_bulk_update_statistics_validates_everything_before_writing(
    apis: Apis, stats: dict[str, dict[str, Any]], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        apis.write.bulk_update_statistics(stats)
    assert info.value.field == field
    assert apis.requests() == []


def test_archive_unused_tables(apis: Apis) -> None:
    cutoff = T0
    apis.write.upsert_many(
        [
            dto("old", last_updated_data=cutoff - timedelta(days=1)),
            dto("just-before", last_updated_data=cutoff - timedelta(microseconds=1)),
            dto("at-cutoff", last_updated_data=cutoff),
            dto("recent", last_updated_data=cutoff + timedelta(days=1)),
            dto("never", pipeline_id="p2"),
            dto("old-inactive", last_updated_data=cutoff - timedelta(days=9), is_active=False),
        ]
    )
    tokyo_cutoff = cutoff.astimezone(ZoneInfo("Asia/Tokyo"))  # any aware zone is accepted
    assert apis.write.archive_unused_tables(tokyo_cutoff) == 3
    active = {v.table_id for v in apis.read.iter_tables(["is_active"]) if v.is_active}
    assert active == {"at-cutoff", "recent"}
    assert apis.write.archive_unused_tables(cutoff) == 0
    with pytest.raises(ValidationError) as info:
        apis.write.archive_unused_tables(datetime(2024, 5, 1))
    assert info.value.field == "older_than"


def test_archive_skips_a_table_that_received_data_since_it_was_read(
    apis: Apis, faults: Any, raw_client: Any
) -> None:
    apis.write.upsert_many(
        [dto("a", last_updated_data=T0 - timedelta(days=5)), dto("b", pipeline_id="p2")]
    )
    raced: list[str] = []

    def fresh_data_arrives(request: Any, **_: Any) -> None:
        # Just before the first conditional write goes out, another writer records new data.
        if not raced:
            table_id = json.loads(request.body)["Key"]["table_id"]["S"]
            raced.append(table_id)
            raw_client.update_item(
                TableName=apis.table,
                Key={"table_id": {"S": table_id}},
                UpdateExpression="SET last_updated_data = :t",
                ExpressionAttributeValues={":t": {"S": "2030-01-01T00:00:00.000000Z"}},
            )

    faults.on(apis.write.gateway.client, "before-send.dynamodb.UpdateItem", fresh_data_arrives)
    assert apis.write.archive_unused_tables(T0) == 1
    (skipped,) = raced
    views = {v.table_id: v for v in apis.read.get_many(["a", "b"])}
    assert views[skipped].is_active is True
    assert views[skipped].last_updated_data == datetime(2030, 1, 1, tzinfo=UTC)
    (archived,) = {"a", "b"} - {skipped}
    assert views[archived].is_active is False


# --------------------------------------------------------------------------- delete


def test_delete_table(apis: Apis) -> None:
    apis.write.create_table(dto("t1"))
    apis.write.delete_table("t1")
    assert apis.read.get_by_id("t1") is None
    with pytest.raises(TableConfigNotFoundError) as info:
        apis.write.delete_table("t1")
    assert info.value.key == {"table_id": "t1"}
    assert isinstance(info.value, LookupError)
