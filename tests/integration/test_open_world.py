"""The open world: items other writers stored, and writers racing each other, on DynamoDB Local.

Each test stores an item the way another tool would (raw botocore, wire JSON: offsets, unknown
attributes, bools as strings), goes through the library, and checks the stored item raw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.handlers.pipeline_config import PipelineConfigReadApi, PipelineConfigWriteApi
from dynamodb_wrapper.handlers.pipeline_run_logs import (
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
)
from dynamodb_wrapper.handlers.table_config import TableConfigReadApi, TableConfigWriteApi
from dynamodb_wrapper.models.domain_models import StageInfo
from dynamodb_wrapper.models.dtos import (
    PipelineConfigUpsert,
    PipelineRunLogUpsert,
    TableConfigUpsert,
)

pytestmark = pytest.mark.integration


@pytest.fixture(params=[True, False], ids=["fast", "standard"])
def config(request: pytest.FixtureRequest, dynamodb_config: DynamoDBConfig) -> DynamoDBConfig:
    ensure_tables(dynamodb_config)
    return dynamodb_config.model_copy(update={"fast_path": request.param})


@pytest.fixture
def raw(raw_client: Any, config: DynamoDBConfig) -> Iterator[Callable[..., Any]]:
    """``raw("pipeline_config", key)`` → the stored wire item; ``raw.put(base, item)``."""

    def get(base: str, key: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = raw_client.get_item(
            TableName=config.get_table_name(base), Key=key, ConsistentRead=True
        )["Item"]
        return item

    def put(base: str, item: dict[str, Any]) -> None:
        raw_client.put_item(TableName=config.get_table_name(base), Item=item)

    get.put = put  # type: ignore[attr-defined]
    yield get


LEGACY = {
    "legacy_flags": {"L": [{"S": "a"}, {"NULL": True}, {"N": "1.5"}]},
    "owner_note": {"NULL": True},
    "blob": {"B": b"\x00\x01"},
}


def foreign_pipeline(pipeline_id: str = "p1", **extra: Any) -> dict[str, Any]:
    """A pipeline as another writer stores it: offset timestamps, attributes we don't declare."""
    return {
        "pipeline_id": {"S": pipeline_id},
        "pipeline_name": {"S": "Orders"},
        "source_type": {"S": "s3"},
        "destination_type": {"S": "warehouse"},
        "is_active": {"S": "true"},
        "environment": {"S": "dev"},
        "created_at": {"S": "2026-11-03T10:00:00+02:00"},
        "updated_at": {"S": "2026-11-03T10:00:00+0000"},
        **LEGACY,
        **extra,
    }


def foreign_run(run_id: str = "r1", **extra: Any) -> dict[str, Any]:
    stage = {
        "stage_name": {"S": "extract"},
        "status": {"S": "running"},
        "start_time": {"S": "2026-11-03T10:00:00+02:00"},
        "executor_host": {"S": "node-7"},
    }
    return {
        "run_id": {"S": run_id},
        "pipeline_id": {"S": "p1"},
        "status": {"S": "running"},
        "trigger_type": {"S": "schedule"},
        "start_time": {"S": "2026-11-03T08:00:00.000000Z"},
        "environment": {"S": "dev"},
        "stages": {"L": [{"M": stage}]},
        "data_quality_results": {
            "L": [{"M": {"check_name": {"S": "rows"}, "passed": {"BOOL": True}, "sev": {"N": "2"}}}]
        },
        "created_at": {"S": "2026-11-03T10:00:00+02:00"},
        "updated_at": {"S": "2026-11-03T10:00:00+02:00"},
        **LEGACY,
        **extra,
    }


def assert_unknown_kept(stored: dict[str, Any]) -> None:
    for name, wire in LEGACY.items():
        assert stored[name] == wire, name


# ------------------------------------------------------------------ pipeline configs


def test_writes_on_a_wider_item_succeed_and_keep_what_they_do_not_own(
    config: DynamoDBConfig, raw: Any
) -> None:
    raw.put("pipeline_config", foreign_pipeline())
    write = PipelineConfigWriteApi(config)
    key = {"pipeline_id": {"S": "p1"}}

    read = PipelineConfigReadApi(config).get_by_id("p1")
    assert read is not None and read.created_at == datetime(2026, 11, 3, 8, tzinfo=UTC)

    updated = write.update_pipeline("p1", {"description": "nightly"})  # offset updated_at
    assert updated.description == "nightly"
    assert updated.model_extra is not None and updated.model_extra["legacy_flags"][0] == "a"
    stored = raw("pipeline_config", key)
    assert stored["description"] == {"S": "nightly"}
    assert_unknown_kept(stored)

    write.deactivate_pipeline("p1")
    write.activate_pipeline("p1")
    upserted = write.upsert_pipeline(
        PipelineConfigUpsert(
            pipeline_id="p1", pipeline_name="Orders v2", source_type="s3", destination_type="w"
        )
    )
    assert upserted.pipeline_name == "Orders v2"
    stored = raw("pipeline_config", key)
    assert stored["created_at"] == {"S": "2026-11-03T10:00:00+02:00"}  # kept as stored
    assert_unknown_kept(stored)

    write.upsert_many(
        [
            PipelineConfigUpsert(
                pipeline_id="p1", pipeline_name="Orders v3", source_type="s3", destination_type="w"
            )
        ]
    )
    stored = raw("pipeline_config", key)
    assert stored["pipeline_name"] == {"S": "Orders v3"}
    assert stored["created_at"] == {"S": "2026-11-03T10:00:00+02:00"}
    assert_unknown_kept(stored)

    write.delete_pipeline("p1")  # the old item decodes with its extras: no error after delete
    assert PipelineConfigReadApi(config).get_by_id("p1") is None


def test_concurrent_plain_updates_of_one_item_all_succeed(config: DynamoDBConfig) -> None:
    write = PipelineConfigWriteApi(config)
    write.create_pipeline(
        PipelineConfigUpsert(
            pipeline_id="hot", pipeline_name="Hot", source_type="s3", destination_type="w"
        )
    )
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                write.update_pipeline("hot", {"description": f"{n}-{i}"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = PipelineConfigReadApi(config).get_by_id("hot")
    assert stored is not None and stored.item_version == 201


# ------------------------------------------------------------------ table configs


def test_bool_filters_match_both_stored_forms(config: DynamoDBConfig, raw: Any) -> None:
    write = TableConfigWriteApi(config)
    for table_id in ("t-native", "t-string", "t-off"):
        write.create_table(
            TableConfigUpsert(
                table_id=table_id,
                pipeline_id="p1",
                table_name=table_id,
                table_type="source",
                data_format="parquet",
                location="s3://bucket/x",
                is_active=table_id != "t-off",
            )
        )
    item = raw("table_config", {"table_id": {"S": "t-string"}})
    item["is_active"] = {"S": "true"}  # as another writer stores a bool
    raw.put("table_config", item)
    read = TableConfigReadApi(config)
    by_id = read.get_by_id("t-string")
    assert by_id is not None and by_id.is_active is True
    active, _ = read.query_active_tables("p1")
    assert sorted(t.table_id or "" for t in active) == ["t-native", "t-string"]


# ------------------------------------------------------------------ run logs


def test_run_lifecycle_on_a_wider_run_keeps_unknown_keys_at_every_depth(
    config: DynamoDBConfig, raw: Any
) -> None:
    raw.put("pipeline_run_logs", foreign_run())
    write = PipelineRunLogsWriteApi(config)
    key = {"run_id": {"S": "r1"}}

    run = PipelineRunLogsReadApi(config).get_by_id("r1")
    assert run is not None and run.stages is not None
    assert run.stages[0].model_extra == {"executor_host": "node-7"}

    write.update_stage("r1", "extract", records_processed=10)
    write.add_stage("r1", StageInfo(stage_name="load", status="running"))
    write.update_metrics(
        "r1",
        total_records_processed=10,
        data_quality_results=[{"check_name": "rows", "passed": False}],
    )
    write.heartbeat("r1")
    finished = write.finish_pipeline_run("r1", "success")
    assert finished.status == "success"

    stored = raw("pipeline_run_logs", key)
    assert_unknown_kept(stored)
    first = stored["stages"]["L"][0]["M"]
    assert first["executor_host"] == {"S": "node-7"}
    assert first["records_processed"] == {"N": "10"}
    assert stored["stages"]["L"][1]["M"]["stage_name"] == {"S": "load"}
    check = stored["data_quality_results"]["L"][0]["M"]
    assert check["passed"] == {"BOOL": False} and check["sev"] == {"N": "2"}

    write.upsert_many(
        [
            PipelineRunLogUpsert(
                run_id="r1",
                pipeline_id="p1",
                status="success",
                trigger_type="schedule",
                start_time=datetime(2026, 11, 3, 8, tzinfo=UTC),
                stages=[StageInfo(stage_name="extract", status="success")],
            )
        ]
    )
    stored = raw("pipeline_run_logs", key)
    assert_unknown_kept(stored)
    assert stored["stages"]["L"][0]["M"]["executor_host"] == {"S": "node-7"}
    assert stored["stages"]["L"][0]["M"]["status"] == {"S": "success"}
    write.delete_run_log("r1")


def test_concurrent_stage_and_metric_updates_of_one_run_all_land(config: DynamoDBConfig) -> None:
    write = PipelineRunLogsWriteApi(config)
    write.start_pipeline_run(
        "p1",
        run_id="busy",
        stages=[StageInfo(stage_name=f"s{n}", status="running") for n in range(4)],
        start_time=datetime.now(UTC) - timedelta(minutes=5),
    )
    errors: list[BaseException] = []

    def stages(n: int) -> None:
        try:
            for i in range(1, 11):
                write.update_stage("busy", f"s{n}", records_processed=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def metrics(n: int) -> None:
        try:
            for i in range(1, 11):
                field = "total_records_processed" if n % 2 else "total_records_failed"
                write.update_metrics("busy", **{field: i * 100 + n})
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=stages, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=metrics, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    run = PipelineRunLogsReadApi(config).get_by_id("busy")
    assert run is not None and run.stages is not None
    assert [s.records_processed for s in run.stages] == [10, 10, 10, 10]
    assert run.item_version == 1 + 4 * 10 + 4 * 10  # every write landed once


def test_single_run_upsert_keeps_unknown_keys_inside_replaced_stages(
    config: DynamoDBConfig, raw: Any
) -> None:
    raw.put("pipeline_run_logs", foreign_run(status={"S": "running"}))
    upserted = PipelineRunLogsWriteApi(config).upsert_run_log(
        PipelineRunLogUpsert(
            run_id="r1",
            pipeline_id="p1",
            status="success",
            trigger_type="schedule",
            start_time=datetime(2026, 11, 3, 8, tzinfo=UTC),
            stages=[
                StageInfo(stage_name="new", status="success"),
                StageInfo(stage_name="extract", status="success"),
            ],
        )
    )
    assert upserted.stages[1].model_extra == {"executor_host": "node-7"}
    stored = raw("pipeline_run_logs", {"run_id": {"S": "r1"}})
    assert_unknown_kept(stored)
    stages = [s["M"] for s in stored["stages"]["L"]]
    assert "executor_host" not in stages[0]
    assert stages[1]["executor_host"] == {"S": "node-7"}
    assert stages[1]["status"] == {"S": "success"}
    assert stored["created_at"] == {"S": "2026-11-03T10:00:00+02:00"}


def test_a_stale_run_whose_heartbeat_carries_an_offset_is_failed(
    config: DynamoDBConfig, raw: Any
) -> None:
    old = datetime.now(UTC) - timedelta(hours=3)
    beat = (old + timedelta(minutes=1)).astimezone().isoformat()  # e.g. +00:00, not ...Z
    raw.put(
        "pipeline_run_logs",
        foreign_run(
            run_id="zombie",
            start_time={"S": old.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
            last_heartbeat={"S": beat.replace("+00:00", "+0000")},
        ),
    )
    failed = PipelineRunLogsWriteApi(config).fail_stale_runs(timedelta(hours=1))
    assert failed == ["zombie"]
    stored = raw("pipeline_run_logs", {"run_id": {"S": "zombie"}})
    assert stored["status"] == {"S": "failed"}
    assert_unknown_kept(stored)
