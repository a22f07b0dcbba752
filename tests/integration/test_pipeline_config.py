"""PipelineConfigReadApi / PipelineConfigWriteApi against a real DynamoDB Local.

Every public method of both APIs is exercised over HTTP. Read-only behaviour (pagination, counts,
projections, time zones, tokens) runs on one module-wide data set whose timestamps are fixed, so
orders and ranges are exact; write behaviour gets a fresh table per test (``dynamodb_config``).
Stored state is always checked with a raw botocore client of the test's own.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import botocore.session
import pytest

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core import pagination
from dynamodb_wrapper.core.expressions import Attr
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    ConflictError,
    InvalidPaginationTokenError,
    ItemAlreadyExistsError,
    PipelineConfigAlreadyExistsError,
    PipelineConfigNotFoundError,
    TransactionCanceledError,
    ValidationError,
)
from dynamodb_wrapper.handlers.pipeline_config import (
    PipelineConfigReadApi,
    PipelineConfigWriteApi,
)
from dynamodb_wrapper.models.domain_models import Environment, PipelineConfig
from dynamodb_wrapper.models.dtos import PipelineConfigUpsert
from dynamodb_wrapper.models.views import PipelineConfigSummary, PipelineConfigView

pytestmark = pytest.mark.integration

STORAGE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

# ----------------------------------------------------------------------------------- helpers


def derive(config: DynamoDBConfig, **extra: Any) -> DynamoDBConfig:
    """A config on the same endpoint and tables as ``config``, with ``extra`` settings."""
    return DynamoDBConfig(
        endpoint_url=config.endpoint_url,
        region_name=config.region_name,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=config.table_prefix,
        environment=config.environment,
        **extra,
    )


def dto(pipeline_id: str, **fields: Any) -> PipelineConfigUpsert:
    values: dict[str, Any] = {
        "pipeline_name": f"name of {pipeline_id}",
        "source_type": "s3",
        "destination_type": "warehouse",
    }
    values.update(fields)
    return PipelineConfigUpsert(pipeline_id=pipeline_id, **values)


def put_model(write: PipelineConfigWriteApi, **fields: Any) -> PipelineConfig:
    """Store a complete model with chosen timestamps (the APIs always stamp 'now')."""
    values: dict[str, Any] = {
        "pipeline_name": f"name of {fields['pipeline_id']}",
        "source_type": "s3",
        "destination_type": "warehouse",
    }
    values.update(fields)
    model = PipelineConfig(**values)
    write.gateway.put_item(model.to_dynamodb_item())
    return model


@pytest.fixture(scope="module")
def raw(dynamodb_local_endpoint: str) -> Any:
    """A botocore client of this module's own: what any other program would see."""
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=dynamodb_local_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def raw_get(raw: Any, api: Any, pipeline_id: str) -> dict[str, Any] | None:
    response = raw.get_item(
        TableName=api.gateway.table_name,
        Key={"pipeline_id": {"S": pipeline_id}},
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def raw_count(raw: Any, api: Any) -> int:
    total, kwargs = 0, {"TableName": api.gateway.table_name, "Select": "COUNT"}
    while True:
        page = raw.scan(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


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


def all_pages(page: Callable[..., tuple[list[Any], str | None]], **kwargs: Any) -> list[list[Any]]:
    """Every page of a list method, following ``next_token`` (guarded against loops)."""
    pages, token = [], None
    for _ in range(1000):
        items, token = page(next_token=token, **kwargs)
        pages.append(items)
        if token is None:
            return pages
        assert isinstance(token, str) and token
    raise AssertionError("pagination did not terminate")


def b64decode(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def b64encode(raw_bytes: bytes) -> str:
    return base64.urlsafe_b64encode(raw_bytes).decode("ascii").rstrip("=")


@pytest.fixture
def apis(dynamodb_config: DynamoDBConfig) -> tuple[PipelineConfigReadApi, PipelineConfigWriteApi]:
    ensure_tables(dynamodb_config, [PipelineConfig])
    return PipelineConfigReadApi(dynamodb_config), PipelineConfigWriteApi(dynamodb_config)


# ----------------------------------------------------------------------------------- data set
# 30 pipelines with fixed timestamps: 20 in staging, 10 in prod; 23 active, 7 inactive.

T_CREATED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T_UPDATED = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
N_PIPELINES = 30


def _env(i: int) -> Environment:
    return Environment.PROD if i % 3 == 2 else Environment.STAGING


def _active(i: int) -> bool:
    return i % 4 != 3


def _created(i: int) -> datetime:
    # Odd ones carry microseconds, even ones are on whole seconds.
    return T_CREATED + timedelta(minutes=i, microseconds=0 if i % 2 == 0 else 123456)


def _updated(i: int) -> datetime:
    return T_UPDATED + timedelta(hours=i, microseconds=i)


def _pid(i: int) -> str:
    return f"pl-{i:02d}"


ACTIVE = [_pid(i) for i in reversed(range(N_PIPELINES)) if _active(i)]  # newest update first
INACTIVE = [_pid(i) for i in reversed(range(N_PIPELINES)) if not _active(i)]
STAGING = [_pid(i) for i in reversed(range(N_PIPELINES)) if _env(i) is Environment.STAGING]
PROD = [_pid(i) for i in reversed(range(N_PIPELINES)) if _env(i) is Environment.PROD]
ALL = sorted(_pid(i) for i in range(N_PIPELINES))


@dataclass
class Dataset:
    config: DynamoDBConfig
    read: PipelineConfigReadApi
    write: PipelineConfigWriteApi


@pytest.fixture(scope="module")
def data(dynamodb_local_endpoint: str) -> Dataset:
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=f"m{uuid.uuid4().hex[:12]}",
        environment="test",
    )
    ensure_tables(config, [PipelineConfig])
    write = PipelineConfigWriteApi(config)
    items = [
        PipelineConfig(
            pipeline_id=_pid(i),
            pipeline_name=f"Pipeline {i}",
            source_type="s3",
            destination_type="warehouse",
            environment=_env(i),
            is_active=_active(i),
            version=f"2.{i}.0",
            config={"retries": i, "mode": "batch"},
            tags={"team": f"t{i % 2}"},
            schedule_expression="@daily" if i % 5 == 0 else None,
            created_at=_created(i),
            updated_at=_updated(i),
        ).to_dynamodb_item()
        for i in range(N_PIPELINES)
    ]
    assert write.gateway.batch_write(items) == N_PIPELINES
    return Dataset(config, PipelineConfigReadApi(config), write)


def ids(items: list[Any]) -> list[str]:
    return [item.pipeline_id for item in items]


# ----------------------------------------------------------------------------------- seed


def test_seed_examples_work_as_written(apis: Any, raw: Any) -> None:
    read_api, write_api = apis

    created = write_api.create_pipeline(
        PipelineConfigUpsert(
            pipeline_id="new-pipeline",
            pipeline_name="My Pipeline",
            source_type="s3",
            destination_type="warehouse",
        )
    )
    assert isinstance(created, PipelineConfig)
    assert created.pipeline_id == "new-pipeline" and created.is_active is True
    assert created.created_at == created.updated_at and created.created_at.tzinfo is UTC

    pipelines, next_token = read_api.query_active_pipelines(
        limit=50, user_timezone="America/New_York"
    )
    assert next_token is None
    assert ids(pipelines) == ["new-pipeline"]
    assert isinstance(pipelines[0], PipelineConfigView)
    assert pipelines[0].created_at.tzinfo == NEW_YORK
    assert pipelines[0].created_at == created.created_at  # same instant

    pipeline_view = read_api.get_by_id(
        "pipeline-1", projection=["pipeline_id", "pipeline_name", "is_active"]
    )
    assert pipeline_view is None  # no such pipeline (yet)
    write_api.create_pipeline(dto("pipeline-1", description="described", tags={"a": "b"}))
    pipeline_view = read_api.get_by_id(
        "pipeline-1", projection=["pipeline_id", "pipeline_name", "is_active"]
    )
    assert isinstance(pipeline_view, PipelineConfigView)
    assert pipeline_view.pipeline_id == "pipeline-1"
    assert pipeline_view.pipeline_name == "name of pipeline-1"
    assert pipeline_view.is_active is True
    others = set(PipelineConfigView.model_fields) - {"pipeline_id", "pipeline_name", "is_active"}
    assert {name: getattr(pipeline_view, name) for name in others} == dict.fromkeys(others)


# ----------------------------------------------------------------------------------- create


def test_create_stores_the_contract_format(apis: Any, raw: Any) -> None:
    read, write = apis
    created = write.create_pipeline(
        dto("p-1", environment="prod", memory_gb=Decimal("2.5"), cpu_cores=4)
    )
    item = raw_get(raw, write, "p-1")
    assert item is not None
    assert item["is_active"] == {"S": "true"}  # a GSI key: string form
    assert item["environment"] == {"S": "prod"}
    assert item["memory_gb"] == {"N": "2.5"} and item["cpu_cores"] == {"N": "4"}
    assert STORAGE_FORMAT.match(item["created_at"]["S"])
    assert item["created_at"] == item["updated_at"]
    assert "description" not in item and "schedule_expression" not in item  # None is omitted
    view = read.get_by_id("p-1")
    assert view is not None and view.model_dump() == created.model_dump()


def test_create_conflict_raises_with_the_stored_item(apis: Any, raw: Any) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1", pipeline_name="original"))
    before = raw_get(raw, write, "p-1")

    with pytest.raises(PipelineConfigAlreadyExistsError) as info:
        write.create_pipeline(dto("p-1", pipeline_name="intruder"))

    assert isinstance(info.value, ItemAlreadyExistsError)
    assert isinstance(info.value, ConditionCheckFailedError)
    assert isinstance(info.value, ConflictError)
    assert info.value.item is not None and info.value.item["pipeline_name"] == "original"
    assert raw_get(raw, write, "p-1") == before


def test_create_rejects_what_is_not_a_dto_or_cannot_be_stored(apis: Any, raw: Any) -> None:
    _, write = apis
    with pytest.raises(ValidationError) as info:
        write.create_pipeline({"pipeline_id": "p-1"})  # type: ignore[arg-type]
    assert info.value.field == "dto"
    with pytest.raises(ValidationError) as info:
        write.create_pipeline(dto("p-2", config={"ratio": float("nan")}))
    assert info.value.field == "config.ratio"
    assert raw_count(raw, write) == 0


# ----------------------------------------------------------------------------------- upsert


def test_upsert_keeps_created_at_refreshes_updated_at_and_removes_none(apis: Any, raw: Any) -> None:
    read, write = apis
    first = write.upsert_pipeline(dto("p-1", description="old", tags={"k": "v"}, cpu_cores=2))
    assert first.created_at == first.updated_at
    assert raw_get(raw, write, "p-1") is not None

    second = write.upsert_pipeline(dto("p-1", pipeline_name="renamed", cpu_cores=None))

    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert second.pipeline_name == "renamed"
    assert second.description is None and second.cpu_cores is None and second.tags == {}
    item = raw_get(raw, write, "p-1")
    assert item is not None
    assert "description" not in item and "cpu_cores" not in item
    assert item["created_at"]["S"] == first.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert read.get_by_id("p-1").model_dump() == second.model_dump()  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------- update


def test_update_changes_fields_and_refreshes_updated_at(apis: Any, raw: Any) -> None:
    read, write = apis
    created = write.create_pipeline(dto("p-1", description="before"))

    updated = write.update_pipeline(
        "p-1",
        {"description": "after", "cpu_cores": 8, "tags": {"x": "y"}, "environment": "staging"},
    )

    assert updated.description == "after" and updated.cpu_cores == 8
    assert updated.tags == {"x": "y"} and updated.environment is Environment.STAGING
    assert updated.created_at == created.created_at
    assert updated.updated_at > created.updated_at
    assert read.get_by_id("p-1").model_dump() == updated.model_dump()  # type: ignore[union-attr]
    assert read.count_pipelines_by_environment("staging") == 1


def test_update_with_none_removes_an_optional_attribute(apis: Any, raw: Any) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1", description="gone soon", cpu_cores=2))
    updated = write.update_pipeline("p-1", {"description": None, "cpu_cores": None})
    assert updated.description is None and updated.cpu_cores is None
    item = raw_get(raw, write, "p-1")
    assert item is not None and "description" not in item and "cpu_cores" not in item


def test_update_with_a_condition_that_holds(apis: Any) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1"))
    updated = write.update_pipeline(
        "p-1",
        {"version": "1.1.0"},
        condition=Attr("version").eq("1.0.0") & Attr("is_active").eq(True),
    )
    assert updated.version == "1.1.0"


def test_update_with_a_condition_that_fails_reports_the_stored_item(apis: Any, raw: Any) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1", version="3.0.0"))
    before = raw_get(raw, write, "p-1")

    with pytest.raises(ConditionCheckFailedError) as info:
        write.update_pipeline("p-1", {"version": "3.1.0"}, condition=Attr("version").eq("1.0.0"))

    assert not isinstance(info.value, PipelineConfigNotFoundError)
    assert info.value.item is not None
    assert info.value.item["pipeline_id"] == "p-1" and info.value.item["version"] == "3.0.0"
    assert raw_get(raw, write, "p-1") == before


def test_update_keeps_a_change_made_concurrently_by_another_program(apis: Any, raw: Any) -> None:
    """Another writer changes a different field just before our write reaches DynamoDB."""
    read, write = apis
    write.create_pipeline(dto("p-1", description="before"))
    done: list[bool] = []

    def concurrent_change(**_: Any) -> None:
        if not done:
            done.append(True)
            raw.update_item(
                TableName=write.gateway.table_name,
                Key={"pipeline_id": {"S": "p-1"}},
                UpdateExpression="SET created_by = :who, updated_at = :now",
                ExpressionAttributeValues={
                    ":who": {"S": "someone-else"},
                    ":now": {"S": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
                },
            )

    events = write.gateway.client.meta.events
    events.register("before-call.dynamodb.UpdateItem", concurrent_change)
    try:
        updated = write.update_pipeline("p-1", {"description": "after"})
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", concurrent_change)
    assert done
    assert updated.description == "after" and updated.created_by == "someone-else"
    view = read.get_by_id("p-1")
    assert view is not None and (view.description, view.created_by) == ("after", "someone-else")


def test_update_of_a_missing_pipeline(apis: Any, raw: Any) -> None:
    _, write = apis
    with pytest.raises(PipelineConfigNotFoundError) as info:
        write.update_pipeline("nope", {"description": "x"})
    assert info.value.key == {"pipeline_id": "nope"}
    with pytest.raises(PipelineConfigNotFoundError):
        write.update_pipeline("nope", {"description": "x"}, condition=Attr("version").eq("1"))
    assert raw_get(raw, write, "nope") is None  # no item created by the update


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cpu_cores": 0}, "cpu_cores"),
        ({"cpu_cores": -1}, "cpu_cores"),
        ({"cpu_cores": 1.5}, "cpu_cores"),
        ({"memory_gb": Decimal("NaN")}, "memory_gb"),
        ({"memory_gb": float("inf")}, "memory_gb"),
        ({"memory_gb": -2}, "memory_gb"),
        ({"pipeline_name": ""}, "pipeline_name"),
        ({"pipeline_name": None}, "pipeline_name"),
        ({"source_type": None}, "source_type"),
        ({"environment": "test"}, "environment"),
        ({"is_active": "maybe"}, "is_active"),
        ({"tags": {"a": 1}}, "tags.a"),
        ({"updated_at": datetime(2024, 1, 1)}, "updated_at"),
        ({"bogus": 1}, "bogus"),
        ({"description": "fine", "version": ""}, "version"),
        ({"schedule_expression": "not a cron"}, "schedule_expression"),
        ({"schedule_expression": "cron(0 12 * *)"}, "schedule_expression"),
        ({"is_active": None}, "is_active"),
        ({"environment": None}, "environment"),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v!r}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    ),
)
def test_update_with_invalid_values_writes_nothing(
    apis: Any, raw: Any, changes: dict[str, Any], field: str
) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1", description="kept", cpu_cores=2))
    before = raw_get(raw, write, "p-1")

    with pytest.raises(ValidationError) as info:
        write.update_pipeline("p-1", changes)

    assert info.value.field == field
    assert raw_get(raw, write, "p-1") == before


@pytest.mark.parametrize(
    "changes",
    [
        {"pipeline_id": "other"},
        {"created_at": datetime(2020, 1, 1, tzinfo=UTC)},
        {"description": "x", "created_at": datetime(2020, 1, 1, tzinfo=UTC)},
    ],
)
def test_update_cannot_change_the_key_or_created_at(
    apis: Any, raw: Any, changes: dict[str, Any]
) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1"))
    before = raw_get(raw, write, "p-1")
    with pytest.raises(ValidationError) as info:
        write.update_pipeline("p-1", changes)
    assert info.value.field in {"pipeline_id", "created_at"}
    assert raw_get(raw, write, "p-1") == before


def test_update_with_no_changes_is_refused(apis: Any, raw: Any) -> None:
    _, write = apis
    write.create_pipeline(dto("p-1"))
    before = raw_get(raw, write, "p-1")
    with pytest.raises(ValidationError) as info:
        write.update_pipeline("p-1", {})
    assert info.value.field == "changes"
    assert raw_get(raw, write, "p-1") == before


# ----------------------------------------------------------------------------------- activation


def test_activate_and_deactivate_one(apis: Any, raw: Any) -> None:
    read, write = apis
    created = write.create_pipeline(dto("p-1"))
    write.create_pipeline(dto("p-2"))

    off = write.deactivate_pipeline("p-1")
    assert off.is_active is False and off.updated_at > created.updated_at
    assert raw_get(raw, write, "p-1")["is_active"] == {"S": "false"}  # type: ignore[index]
    assert ids(read.query_active_pipelines()[0]) == ["p-2"]
    assert ids(read.query_inactive_pipelines()[0]) == ["p-1"]
    assert read.count_active_pipelines() == 1

    on = write.activate_pipeline("p-1")
    assert on.is_active is True
    assert sorted(ids(read.query_active_pipelines()[0])) == ["p-1", "p-2"]
    assert read.query_inactive_pipelines() == ([], None)

    with pytest.raises(PipelineConfigNotFoundError):
        write.activate_pipeline("nope")
    with pytest.raises(PipelineConfigNotFoundError):
        write.deactivate_pipeline("nope")
    assert raw_get(raw, write, "nope") is None


def test_set_pipelines_active_many(apis: Any, raw: Any) -> None:
    read, write = apis
    pids = [f"p-{i:03d}" for i in range(105)]  # two transaction groups
    write.upsert_many(dto(pid) for pid in pids)

    assert write.set_pipelines_active([*pids, pids[0]], False) == 105  # duplicates once
    assert read.count_active_pipelines() == 0
    assert read.count_pipelines() == 105
    assert all(
        raw_get(raw, write, pid)["is_active"] == {"S": "false"}  # type: ignore[index]
        for pid in (pids[0], pids[99], pids[104])
    )

    assert write.set_pipelines_active(pids[:3], True) == 3
    assert sorted(ids(read.query_active_pipelines()[0])) == pids[:3]


def test_set_pipelines_active_with_a_missing_id_changes_nothing(apis: Any, raw: Any) -> None:
    read, write = apis
    write.upsert_many([dto("p-1"), dto("p-2")])
    before = {pid: raw_get(raw, write, pid) for pid in ("p-1", "p-2")}

    with pytest.raises(TransactionCanceledError) as info:
        write.set_pipelines_active(["p-1", "missing", "p-2"], False)

    assert isinstance(info.value, ConflictError)
    assert [reason.failed for reason in info.value.reasons] == [False, True, False]
    assert {pid: raw_get(raw, write, pid) for pid in ("p-1", "p-2")} == before
    assert raw_get(raw, write, "missing") is None
    assert read.count_active_pipelines() == 2


# ----------------------------------------------------------------------------------- delete


def test_delete(apis: Any, raw: Any) -> None:
    read, write = apis
    write.create_pipeline(dto("p-1"))
    write.create_pipeline(dto("p-2"))

    assert write.delete_pipeline("p-1") is None

    assert read.get_by_id("p-1") is None
    assert raw_get(raw, write, "p-1") is None
    assert raw_get(raw, write, "p-2") is not None
    with pytest.raises(PipelineConfigNotFoundError) as info:
        write.delete_pipeline("p-1")
    assert info.value.key == {"pipeline_id": "p-1"}
    assert raw_count(raw, write) == 1


# ----------------------------------------------------------------------------------- upsert_many


def test_upsert_many_of_300_keeps_created_at_of_existing(apis: Any, raw: Any) -> None:
    read, write = apis
    old = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(0, 300, 30):  # 10 pipelines exist already, created long ago
        put_model(write, pipeline_id=f"p-{i:03d}", created_at=old, updated_at=old)
    progress: list[int] = []
    started = datetime.now(UTC)

    written = write.upsert_many(
        (dto(f"p-{i:03d}", description=f"#{i}") for i in range(300)), on_progress=progress.append
    )

    assert written == 300
    assert progress and progress[-1] == 300 and progress == sorted(progress)
    assert read.count_pipelines() == 300 == raw_count(raw, write)
    wanted = [f"p-{i:03d}" for i in range(299, -1, -2)]  # 150 ids: two batch gets
    assert ids(read.get_many(wanted, projection=["description"])) == wanted
    for i in (0, 1, 30, 299):
        item = raw_get(raw, write, f"p-{i:03d}")
        assert item is not None and item["description"] == {"S": f"#{i}"}
        created_at = datetime.fromisoformat(item["created_at"]["S"])
        updated_at = datetime.fromisoformat(item["updated_at"]["S"])
        assert updated_at >= started
        assert (created_at == old) is (i % 30 == 0)
        if i % 30:
            assert created_at >= started


def test_upsert_many_validates_everything_before_writing(apis: Any, raw: Any) -> None:
    _, write = apis
    assert write.upsert_many([]) == 0
    with pytest.raises(ValidationError) as info:
        write.upsert_many([dto("p-1"), {"pipeline_id": "p-2"}])  # type: ignore[list-item]
    assert info.value.field == "dto"
    with pytest.raises(ValidationError):
        write.upsert_many([dto("p-1"), dto("p-2"), dto("p-1")])  # duplicate key
    assert raw_count(raw, write) == 0


# ----------------------------------------------------------------------------------- archive


def test_archive_old_pipelines(apis: Any, raw: Any) -> None:
    read, write = apis
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    cutoff = datetime(2023, 1, 1, tzinfo=UTC)
    put_model(write, pipeline_id="stale-1", updated_at=long_ago, tags={"team": "a"})
    put_model(write, pipeline_id="stale-2", updated_at=cutoff - timedelta(microseconds=1))
    put_model(write, pipeline_id="stale-inactive", updated_at=long_ago, is_active=False)
    put_model(write, pipeline_id="at-cutoff", updated_at=cutoff)
    write.create_pipeline(dto("fresh"))
    untouched = {pid: raw_get(raw, write, pid) for pid in ("stale-inactive", "at-cutoff", "fresh")}

    assert write.archive_old_pipelines(cutoff) == 2

    for pid in ("stale-1", "stale-2"):
        item = raw_get(raw, write, pid)
        assert item is not None and item["is_active"] == {"S": "false"}
        assert "archived" in item["tags"]["M"]
        assert datetime.fromisoformat(item["updated_at"]["S"]) > cutoff
    assert raw_get(raw, write, "stale-1")["tags"]["M"]["team"] == {"S": "a"}  # type: ignore[index]
    assert {pid: raw_get(raw, write, pid) for pid in untouched} == untouched
    assert sorted(ids(read.query_active_pipelines()[0])) == ["at-cutoff", "fresh"]
    assert write.archive_old_pipelines(cutoff) == 0  # idempotent

    with pytest.raises(ValidationError):
        write.archive_old_pipelines(datetime(2023, 1, 1))  # naive


def test_archive_skips_a_pipeline_updated_after_the_cutoff_meanwhile(apis: Any, raw: Any) -> None:
    """The pipeline is stale when the index is read, but another program updates it just
    before the archive's write reaches DynamoDB."""
    _, write = apis
    cutoff = datetime(2023, 1, 1, tzinfo=UTC)
    put_model(write, pipeline_id="racy", updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    touched: list[str] = []

    def touch_first(**_: Any) -> None:
        if not touched:
            touched.append(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            raw.update_item(
                TableName=write.gateway.table_name,
                Key={"pipeline_id": {"S": "racy"}},
                UpdateExpression="SET updated_at = :now, description = :d",
                ExpressionAttributeValues={":now": {"S": touched[0]}, ":d": {"S": "touched"}},
            )

    events = write.gateway.client.meta.events
    events.register("before-call.dynamodb.UpdateItem", touch_first)
    try:
        assert write.archive_old_pipelines(cutoff) == 0
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", touch_first)
    assert touched
    item = raw_get(raw, write, "racy")
    assert item is not None and item["is_active"] == {"S": "true"}
    assert item["updated_at"] == {"S": touched[0]} and "archived" not in item["tags"]["M"]


# ----------------------------------------------------------------------------------- reads


def test_get_by_id_summary_and_get_many(data: Dataset) -> None:
    read = data.read
    view = read.get_by_id("pl-05")
    assert view is not None and view.pipeline_name == "Pipeline 5"
    assert view.created_at == _created(5) and view.updated_at == _updated(5)
    assert view.config == {"retries": 5, "mode": "batch"} and view.version == "2.5.0"
    assert read.get_by_id("nope") is None

    summary = read.get_summary("pl-05")
    assert isinstance(summary, PipelineConfigSummary)
    assert summary.model_dump() == {
        "pipeline_id": "pl-05",
        "pipeline_name": "Pipeline 5",
        "environment": Environment.PROD,
        "is_active": True,
        "schedule_expression": "@daily",
        "updated_at": _updated(5),
    }
    assert read.get_summary("nope") is None

    many = read.get_many(["pl-09", "missing", "pl-01", "pl-20", "other-missing"])
    assert ids(many) == ["pl-09", "pl-01", "pl-20"]
    assert read.get_many([]) == []
    partial = read.get_many(["pl-02", "pl-01"], projection=["version"])
    assert [(v.pipeline_id, v.version, v.pipeline_name) for v in partial] == [
        ("pl-02", "2.2.0", None),
        ("pl-01", "2.1.0", None),
    ]


def test_reads_accept_every_stored_form(apis: Any, raw: Any) -> None:
    """Datetimes written by another program as any ISO-8601 with an offset."""
    read, write = apis
    raw.put_item(
        TableName=write.gateway.table_name,
        Item={
            "pipeline_id": {"S": "foreign"},
            "pipeline_name": {"S": "written by another program"},
            "source_type": {"S": "s3"},
            "destination_type": {"S": "warehouse"},
            "is_active": {"S": "false"},
            "created_at": {"S": "2024-01-01T02:00:00+02:00"},
            "updated_at": {"S": "2024-01-01T00:00:00Z"},
        },
    )
    view = read.get_by_id("foreign")
    assert view is not None and view.is_active is False
    assert view.created_at == view.updated_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert view.created_at.tzinfo is UTC and view.updated_at.tzinfo is UTC
    view = read.get_by_id("foreign", user_timezone="Asia/Tokyo")
    assert view is not None and view.created_at.hour == 9 and view.created_at.tzinfo == TOKYO


def test_every_list_starts_and_orders_as_documented(data: Dataset) -> None:
    read = data.read
    items, token = read.query_active_pipelines()
    assert ids(items) == ACTIVE and token is None
    assert [v.updated_at for v in items] == sorted((v.updated_at for v in items), reverse=True)
    assert ids(read.query_inactive_pipelines()[0]) == INACTIVE
    items, token = read.query_by_environment("staging")
    assert ids(items) == STAGING and token is None
    assert ids(read.query_by_environment(Environment.PROD)[0]) == PROD
    assert read.query_by_environment("dev") == ([], None)
    items, token = read.list_pipelines()
    assert sorted(ids(items)) == ALL and token is None
    summaries, token = read.list_summaries()
    assert sorted(ids(summaries)) == ALL and token is None
    assert all(isinstance(s, PipelineConfigSummary) for s in summaries)
    with pytest.raises(ValidationError) as info:
        read.query_by_environment("qa")
    assert info.value.field == "environment"


LIST_METHODS: dict[str, tuple[str, dict[str, Any], list[str] | None]] = {
    # name: (method, kwargs, expected ids in order, or None when the order is the storage order)
    "active": ("query_active_pipelines", {}, ACTIVE),
    "inactive": ("query_inactive_pipelines", {}, INACTIVE),
    "environment": ("query_by_environment", {"environment": "staging"}, STAGING),
    "list": ("list_pipelines", {}, None),
    "summaries": ("list_summaries", {}, None),
}


@pytest.mark.parametrize("limit", [1, 7, 50])
@pytest.mark.parametrize("name", sorted(LIST_METHODS))
def test_pagination_loses_and_repeats_nothing(data: Dataset, name: str, limit: int) -> None:
    method, kwargs, expected = LIST_METHODS[name]
    pages = all_pages(getattr(data.read, method), limit=limit, **kwargs)

    got = [pid for page in pages for pid in ids(page)]
    assert len(got) == len(set(got)), "an item was repeated"
    if expected is None:
        assert sorted(got) == ALL
    else:
        assert got == expected
    assert all(len(page) == limit for page in pages[:-1] if page), "a page was not filled"
    assert all(pages[:-1]), "an empty page came before the end"
    assert len(pages) <= -(-len(got) // limit) + 1  # at most one (empty) extra page


def test_pagination_with_a_projection_and_time_zone(data: Dataset) -> None:
    pages = all_pages(
        data.read.query_by_environment,
        environment="staging",
        limit=4,
        projection=["pipeline_name", "environment"],
        user_timezone="Asia/Tokyo",
    )
    views = [v for page in pages for v in page]
    assert ids(views) == STAGING
    assert {v.environment for v in views} == {Environment.STAGING}
    assert all(v.pipeline_name and v.version is None and v.config is None for v in views)
    # the index sort key is fetched for resuming, and converted like every datetime
    assert all(v.created_at is None or v.created_at.tzinfo == TOKYO for v in views)


def test_iterators_yield_everything(data: Dataset) -> None:
    read = data.read
    assert ids(list(read.iter_active_pipelines())) == ACTIVE
    assert ids(list(read.iter_by_environment("staging"))) == STAGING
    assert ids(list(read.iter_by_environment(Environment.PROD))) == PROD
    assert sorted(ids(list(read.iter_pipelines()))) == ALL
    views = list(read.iter_pipelines(projection=["version"], user_timezone="Asia/Tokyo"))
    assert sorted(v.version for v in views) == sorted(f"2.{i}.0" for i in range(N_PIPELINES))
    tokyo = list(read.iter_active_pipelines(user_timezone="Asia/Tokyo"))
    assert {v.updated_at.tzinfo for v in tokyo} == {TOKYO}


def test_iterators_are_lazy(data: Dataset) -> None:
    with spy_requests(data.read.gateway.client, "Query") as sent:
        iterator = data.read.iter_active_pipelines()
        assert sent == []
        next(iterator)
        assert len(sent) == 1


# ----------------------------------------------------------------------------------- counts


def test_counts_use_select_count(data: Dataset) -> None:
    read = data.read
    client = read.gateway.client
    with spy_requests(client, "Query") as queries:
        assert read.count_active_pipelines() == len(ACTIVE)
        assert read.count_pipelines_by_environment("staging") == len(STAGING)
        assert read.count_pipelines_by_environment(Environment.PROD) == len(PROD)
        assert read.count_pipelines_by_environment("dev") == 0
    assert len(queries) == 4
    assert all(q["Select"] == "COUNT" and "ProjectionExpression" not in q for q in queries)
    assert [q["IndexName"] for q in queries] == [
        "ActivePipelinesIndex",
        "EnvironmentIndex",
        "EnvironmentIndex",
        "EnvironmentIndex",
    ]
    with spy_requests(client, "Scan") as scans:
        assert read.count_pipelines() == N_PIPELINES
    assert scans and all(s["Select"] == "COUNT" for s in scans)
    with pytest.raises(ValidationError):
        read.count_pipelines_by_environment("qa")


# ----------------------------------------------------------------------------------- time ranges


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (4, 10),  # even: stored on whole seconds
        (7, 13),  # odd: stored with microseconds
        (4, 13),
        (7, 12),
    ],
)
def test_time_range_is_inclusive_on_both_ends(data: Dataset, low: int, high: int) -> None:
    expected = [pid for pid in STAGING if low <= int(pid[3:]) <= high]
    assert _pid(low) in expected and _pid(high) in expected

    items, _ = data.read.query_by_environment(
        "staging", created_after=_created(low), created_before=_created(high)
    )
    assert ids(items) == expected

    # the same instants expressed in another zone select the same items
    items, _ = data.read.query_by_environment(
        "staging",
        created_after=_created(low).astimezone(NEW_YORK),
        created_before=_created(high).astimezone(timezone(timedelta(hours=5, minutes=30))),
    )
    assert ids(items) == expected

    # one microsecond inside each bound excludes the bound itself
    items, _ = data.read.query_by_environment(
        "staging",
        created_after=_created(low) + timedelta(microseconds=1),
        created_before=_created(high) - timedelta(microseconds=1),
    )
    assert ids(items) == [pid for pid in expected if pid not in (_pid(low), _pid(high))]


def test_open_ended_time_ranges(data: Dataset) -> None:
    read = data.read
    after, _ = read.query_by_environment("staging", created_after=_created(25))
    assert ids(after) == [pid for pid in STAGING if int(pid[3:]) >= 25]
    before, _ = read.query_by_environment("staging", created_before=_created(3))
    assert ids(before) == [pid for pid in STAGING if int(pid[3:]) <= 3]
    pages = all_pages(
        read.query_by_environment,
        environment="staging",
        limit=2,
        created_after=_created(6),
        created_before=_created(16),
    )
    assert [pid for page in pages for pid in ids(page)] == [
        pid for pid in STAGING if 6 <= int(pid[3:]) <= 16
    ]


@pytest.mark.parametrize(
    ("after", "before"),
    [
        (datetime(2024, 3, 1), None),
        (None, datetime(2024, 3, 2)),
        (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2)),
        (datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),  # reversed
    ],
)
def test_bad_time_ranges_are_refused(
    data: Dataset, after: datetime | None, before: datetime | None
) -> None:
    with spy_requests(data.read.gateway.client, "Query") as sent, pytest.raises(ValidationError):
        data.read.query_by_environment("staging", created_after=after, created_before=before)
    assert sent == []


# ----------------------------------------------------------------------------------- projections


def test_projection_of_reserved_words(data: Dataset) -> None:
    read = data.read
    wanted = ["environment", "version", "config", "tags"]

    view = read.get_by_id("pl-07", projection=wanted)
    assert view is not None
    assert view.environment is Environment.STAGING and view.version == "2.7.0"
    assert view.config == {"retries": 7, "mode": "batch"} and view.tags == {"team": "t1"}
    assert view.pipeline_name is None and view.source_type is None and view.created_at is None

    with spy_requests(read.gateway.client, "Query") as sent:
        items, _ = read.query_active_pipelines(projection=wanted)
    assert ids(items) == ACTIVE
    assert all(v.version and v.config and v.tags and v.pipeline_name is None for v in items)
    expression = sent[0]["ProjectionExpression"]
    assert not set(re.findall(r"[A-Za-z_]+", expression)) & {*wanted, "is_active"}
    assert set(sent[0]["ExpressionAttributeNames"].values()) >= set(wanted)

    listed, _ = read.list_pipelines(projection=["version", "tags"])
    assert {v.version for v in listed} == {f"2.{i}.0" for i in range(N_PIPELINES)}
    assert all(v.environment is None for v in listed)


@pytest.mark.parametrize(
    "projection", [["nope"], [], "version", ["version", ""], ["config.x", "bogus.y"]]
)
def test_bad_projections_are_refused(data: Dataset, projection: Any) -> None:
    with pytest.raises(ValidationError):
        data.read.get_by_id("pl-01", projection=projection)
    with pytest.raises(ValidationError):
        data.read.query_active_pipelines(projection=projection)


# ----------------------------------------------------------------------------------- time zones


def _zones(view: Any) -> set[Any]:
    return {view.created_at.tzinfo, view.updated_at.tzinfo}


def test_user_timezone_precedence(data: Dataset) -> None:
    plain = data.read
    tokyo_config = PipelineConfigReadApi(derive(data.config, user_timezone="Asia/Tokyo"))

    utc_view = plain.get_by_id("pl-03")
    assert utc_view is not None and _zones(utc_view) == {UTC}
    config_view = tokyo_config.get_by_id("pl-03")
    assert config_view is not None and _zones(config_view) == {TOKYO}
    call_view = tokyo_config.get_by_id("pl-03", user_timezone="America/New_York")
    assert call_view is not None and _zones(call_view) == {NEW_YORK}
    utc_again = tokyo_config.get_by_id("pl-03", user_timezone="UTC")
    assert utc_again is not None and _zones(utc_again) == {UTC}
    for view in (config_view, call_view, utc_again):
        assert view.created_at == utc_view.created_at == _created(3)  # same instants
        assert view.updated_at == utc_view.updated_at == _updated(3)

    # every read path converts, and the config zone applies when no zone is passed
    assert tokyo_config.get_summary("pl-03").updated_at.tzinfo == TOKYO  # type: ignore[union-attr]
    assert {z for v in tokyo_config.get_many(["pl-01", "pl-02"]) for z in _zones(v)} == {TOKYO}
    for page, kwargs in [
        (tokyo_config.query_active_pipelines, {}),
        (tokyo_config.query_inactive_pipelines, {}),
        (tokyo_config.query_by_environment, {"environment": "prod"}),
        (tokyo_config.list_pipelines, {}),
    ]:
        items, _ = page(limit=3, **kwargs)
        assert {z for v in items for z in _zones(v)} == {TOKYO}
        items, _ = page(limit=3, user_timezone="America/New_York", **kwargs)
        assert {z for v in items for z in _zones(v)} == {NEW_YORK}
    summaries, _ = tokyo_config.list_summaries(limit=3, user_timezone="America/New_York")
    assert {s.updated_at.tzinfo for s in summaries} == {NEW_YORK}
    assert {v.updated_at.tzinfo for v in tokyo_config.iter_pipelines()} == {TOKYO}


def test_unknown_time_zone_is_refused(data: Dataset) -> None:
    read = data.read
    for call in (
        lambda: read.get_by_id("pl-01", user_timezone="Mars/Olympus_Mons"),
        lambda: read.get_by_id("missing", user_timezone="Mars/Olympus_Mons"),
        lambda: read.get_summary("pl-01", user_timezone="EST5EDT-nope"),
        lambda: read.query_active_pipelines(user_timezone="Nowhere/City"),
        lambda: read.query_by_environment("prod", user_timezone=" UTC"),
        lambda: read.list_pipelines(user_timezone="Nowhere/City"),
        lambda: read.list_summaries(user_timezone="Nowhere/City"),
        lambda: list(read.iter_active_pipelines(user_timezone="Nowhere/City")),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "user_timezone"
    with pytest.raises(ValidationError) as info:
        derive(data.config, user_timezone="Nowhere/City")
    assert info.value.field == "user_timezone"


# ----------------------------------------------------------------------------------- tokens


def _token(read: PipelineConfigReadApi, method: str = "query_active_pipelines", **kw: Any) -> str:
    _, token = getattr(read, method)(limit=2, **kw)
    assert token is not None
    return token


def _forge_key(token: str, pipeline_id: str) -> str:
    """The same token with another start key and the original signature."""
    raw_bytes = b64decode(token)
    signature, document = raw_bytes[:16], json.loads(raw_bytes[16:])
    document["k"]["pipeline_id"] = {"S": pipeline_id}
    return b64encode(signature + json.dumps(document, separators=(",", ":")).encode())


def test_tokens_resume_only_their_own_query(data: Dataset) -> None:
    read = data.read
    token = _token(read)
    resumed, _ = read.query_active_pipelines(limit=2, next_token=token)
    assert ids(resumed) == ACTIVE[2:4]
    # the page size may change between pages of the same query
    resumed, _ = read.query_active_pipelines(limit=5, next_token=token)
    assert ids(resumed) == ACTIVE[2:7]


def _invalid_tokens(read: PipelineConfigReadApi) -> dict[str, Any]:
    token = _token(read)
    raw_bytes = b64decode(token)
    return {
        "empty": "",
        "garbage": "not a token",
        "not base64": "!!!!",
        "json only": b64encode(raw_bytes[16:]),
        "bad signature": b64encode(bytes(16) + raw_bytes[16:]),
        "forged start key": _forge_key(token, "pl-00"),
        "truncated end": token[:-3],
        "truncated half": token[: len(token) // 2],
        "one char changed": token[:10] + ("A" if token[10] != "A" else "B") + token[11:],
        "huge": token * 200,
        "not a string": 12345,
    }


def test_forged_and_truncated_tokens_are_refused(data: Dataset) -> None:
    read = data.read
    for label, bad in _invalid_tokens(read).items():
        with pytest.raises(InvalidPaginationTokenError) as info:
            read.query_active_pipelines(limit=2, next_token=bad)
        assert isinstance(info.value, ValidationError), label
        assert info.value.field == "next_token", label
        with pytest.raises(ValidationError):
            read.list_pipelines(limit=2, next_token=bad)


def test_foreign_tokens_are_refused(data: Dataset) -> None:
    read = data.read
    active = _token(read)
    staging = _token(read, "query_by_environment", environment="staging")
    ranged = _token(
        read,
        "query_by_environment",
        environment="staging",
        created_after=_created(0),
        created_before=_created(20),
    )
    scan = _token(read, "list_pipelines")
    cases: list[tuple[str, Callable[[str], Any]]] = [
        (active, lambda t: read.query_inactive_pipelines(next_token=t)),  # other partition
        (active, lambda t: read.query_by_environment("staging", next_token=t)),  # other index
        (active, lambda t: read.list_pipelines(next_token=t)),  # a scan
        (staging, lambda t: read.query_by_environment("prod", next_token=t)),  # other partition
        (staging, lambda t: read.query_active_pipelines(next_token=t)),  # other index
        (ranged, lambda t: read.query_by_environment("staging", next_token=t)),  # other range
        (
            ranged,
            lambda t: read.query_by_environment(
                "staging", next_token=t, created_after=_created(1), created_before=_created(20)
            ),
        ),
        (scan, lambda t: read.query_active_pipelines(next_token=t)),  # scan token on a query
    ]
    for token, call in cases:
        with pytest.raises(InvalidPaginationTokenError):
            call(token)
    # and each one still works for its own query
    assert (
        ids(read.query_by_environment("staging", limit=2, next_token=staging)[0]) == (STAGING[2:4])
    )


def test_tokens_from_another_table_are_refused(data: Dataset, apis: Any) -> None:
    other_read, other_write = apis
    other_write.upsert_many(dto(f"x-{i}") for i in range(5))
    token = _token(other_read)
    with pytest.raises(InvalidPaginationTokenError):
        data.read.query_active_pipelines(next_token=token)


def test_expired_tokens_are_refused(data: Dataset) -> None:
    short = PipelineConfigReadApi(derive(data.config, pagination_token_ttl=0.2))
    token = _token(short)
    time.sleep(0.5)
    with pytest.raises(InvalidPaginationTokenError) as info:
        short.query_active_pipelines(limit=2, next_token=token)
    assert "expired" in str(info.value)
    # the default lifetime (7 days) still accepts it
    assert ids(data.read.query_active_pipelines(limit=2, next_token=token)[0]) == ACTIVE[2:4]


def test_token_age_is_measured_to_sub_second_precision(
    data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimpleNamespace(now=1_700_000_000.9)
    monkeypatch.setattr(pagination, "time", SimpleNamespace(time=lambda: clock.now))
    short = PipelineConfigReadApi(derive(data.config, pagination_token_ttl=0.5))
    token = _token(short)
    clock.now += 0.1  # the token is 0.1 s old
    assert ids(short.query_active_pipelines(limit=2, next_token=token)[0]) == ACTIVE[2:4]


def test_tokens_signed_with_a_secret(data: Dataset) -> None:
    one = PipelineConfigReadApi(derive(data.config, pagination_secret="first-secret"))
    two = PipelineConfigReadApi(derive(data.config, pagination_secret="second-secret"))
    token = _token(one)
    assert ids(one.query_active_pipelines(limit=2, next_token=token)[0]) == ACTIVE[2:4]
    with pytest.raises(InvalidPaginationTokenError):
        two.query_active_pipelines(limit=2, next_token=token)
    with pytest.raises(InvalidPaginationTokenError):
        data.read.query_active_pipelines(limit=2, next_token=token)  # no secret
    with pytest.raises(InvalidPaginationTokenError):
        one.query_active_pipelines(limit=2, next_token=_token(data.read))  # unsigned token
    scan_token = _token(one, "list_pipelines")
    with pytest.raises(InvalidPaginationTokenError):
        two.list_pipelines(limit=2, next_token=scan_token)


# ----------------------------------------------------------------------------------- limits


@pytest.mark.parametrize("limit", [0, -1, 10**6, True, False, 2.0, "5", None])
def test_bad_limits_are_refused(data: Dataset, limit: Any) -> None:
    read = data.read
    calls: list[Callable[[], Any]] = [
        lambda: read.query_active_pipelines(limit=limit),
        lambda: read.query_inactive_pipelines(limit=limit),
        lambda: read.query_by_environment("staging", limit=limit),
        lambda: read.list_pipelines(limit=limit),
        lambda: read.list_summaries(limit=limit),
    ]
    client = read.gateway.client
    with spy_requests(client, "Query") as queries, spy_requests(client, "Scan") as scans:
        for call in calls:
            with pytest.raises(ValidationError) as info:
                call()
            assert info.value.field == "limit"
    assert queries == [] and scans == []


def test_largest_limit_is_accepted(data: Dataset) -> None:
    items, token = data.read.query_active_pipelines(limit=1000)
    assert ids(items) == ACTIVE and token is None
