"""Optimistic locking and lost responses, on DynamoDB Local (RELIABILITY.md §4).

A lost response is made real: a ``before-send`` hook sends the request to DynamoDB Local
itself (so the write is applied), then raises ``ReadTimeoutError`` as if the answer never
arrived. botocore retries; the retry fails its condition against our own first write. The
library must recognise its own write and report success, not a conflict.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from dynamodb_wrapper import (
    DynamoDBConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    RunStatus,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigWriteApi,
    VersionConflictError,
    ensure_tables,
)
from dynamodb_wrapper.exceptions import ConflictError

pytestmark = pytest.mark.integration


def pipeline(pid: str = "p1", **fields: Any) -> PipelineConfigUpsert:
    return PipelineConfigUpsert(
        pipeline_id=pid, pipeline_name="P", source_type="s3", destination_type="w", **fields
    )


@pytest.fixture
def tables(dynamodb_config: DynamoDBConfig) -> DynamoDBConfig:
    ensure_tables(dynamodb_config)
    return dynamodb_config


# ----------------------------------------------------------------------------- versions


def test_create_sets_version_one_and_each_write_adds_one(tables: DynamoDBConfig) -> None:
    write = PipelineConfigWriteApi(tables)
    assert write.create_pipeline(pipeline()).item_version == 1
    assert write.update_pipeline("p1", {"description": "a"}).item_version == 2
    assert write.upsert_pipeline(pipeline(description="b")).item_version == 3
    assert write.deactivate_pipeline("p1").item_version == 4
    assert write.upsert_many([pipeline(), pipeline("p2")]) == 2
    stored = {
        p.pipeline_id: p.item_version for p in PipelineConfigReadApi(tables).get_many(["p1", "p2"])
    }
    assert stored == {"p1": 5, "p2": 1}


def test_stale_writer_gets_version_conflict_with_the_current_item(
    tables: DynamoDBConfig, faults: Any, raw_client: Any
) -> None:
    write = PipelineConfigWriteApi(tables)
    write.create_pipeline(pipeline())
    write.update_pipeline("p1", {"description": "newer"}, expected_version=1)
    sent = faults.spy(write.gateway.client, "UpdateItem")
    with pytest.raises(VersionConflictError) as info:
        write.update_pipeline("p1", {"description": "stale"}, expected_version=1)
    assert info.value.item is not None
    assert info.value.item["item_version"] == 2
    assert info.value.item["description"] == "newer"
    # One write, refused by its own condition (item_version = 1): nothing stored changes.
    assert len(sent) == 1
    assert PipelineConfigReadApi(tables).get_by_id("p1").description == "newer"  # type: ignore[union-attr]
    with pytest.raises(VersionConflictError):
        write.delete_pipeline("p1", expected_version=1)
    write.delete_pipeline("p1", expected_version=2)
    assert "Item" not in raw_client.get_item(
        TableName=write.gateway.table_name, Key={"pipeline_id": {"S": "p1"}}
    )


def test_version_checked_inside_the_write_when_a_race_slips_past_the_read(
    tables: DynamoDBConfig, faults: Any
) -> None:
    write = PipelineConfigWriteApi(tables)
    other = PipelineConfigWriteApi(tables)
    write.create_pipeline(pipeline())
    raced: list[bool] = []

    def concurrent_writer(request: Any, **_: Any) -> None:
        if not raced:  # between our read and our write, someone else writes version 2
            raced.append(True)
            other.update_pipeline("p1", {"description": "theirs"})

    faults.on(write.gateway.client, "before-send.dynamodb.UpdateItem", concurrent_writer)
    with pytest.raises(VersionConflictError) as info:
        write.update_pipeline("p1", {"description": "mine"}, expected_version=1)
    assert info.value.item is not None and info.value.item["description"] == "theirs"
    assert info.value.error_code == "ConditionalCheckFailedException"


def test_eight_threads_times_fifty_read_modify_write_increments(tables: DynamoDBConfig) -> None:
    TableConfigWriteApi(tables).create_table(
        TableConfigUpsert(
            table_id="counter",
            pipeline_id="p1",
            table_name="c",
            table_type="source",
            data_format="json",
            location="/data/c",
            record_count=0,
        )
    )
    read = TableConfigReadApi(tables)
    conflicts = []

    def worker() -> None:
        write = TableConfigWriteApi(tables)
        for _ in range(50):
            while True:
                current = read.get_by_id("counter", projection=["record_count", "item_version"])
                assert current is not None and current.item_version is not None
                try:
                    write.update_table(
                        "counter",
                        {"record_count": (current.record_count or 0) + 1},
                        expected_version=current.item_version,
                    )
                    break
                except VersionConflictError:
                    conflicts.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = read.get_by_id("counter")
    assert final is not None
    assert final.record_count == 400
    assert final.item_version == 401
    assert conflicts  # the threads really did collide


# ----------------------------------------------------------------------------- lost responses


def _lose_first_response(faults: Any, client: Any, operation: str) -> list[int]:
    """Deliver the first ``operation`` request to the engine, then pretend it timed out."""
    calls: list[int] = []
    session = URLLib3Session()

    def handler(request: Any, **_: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            session.send(request)  # the write reaches DynamoDB Local and is applied
            raise ReadTimeoutError(endpoint_url=request.url)
        return None

    faults.on(client, f"before-send.dynamodb.{operation}", handler)
    return calls


def test_lost_update_response_is_recognised_as_our_own_write(
    tables: DynamoDBConfig, faults: Any
) -> None:
    write = PipelineConfigWriteApi(tables)
    write.create_pipeline(pipeline())
    calls = _lose_first_response(faults, write.gateway.client, "UpdateItem")
    updated = write.update_pipeline("p1", {"description": "once"}, expected_version=1)
    assert len(calls) == 2  # the retry really happened and failed its condition
    assert updated.description == "once" and updated.item_version == 2


def test_lost_create_response_is_not_reported_as_already_exists(
    tables: DynamoDBConfig, faults: Any
) -> None:
    write = PipelineConfigWriteApi(tables)
    calls = _lose_first_response(faults, write.gateway.client, "PutItem")
    created = write.create_pipeline(pipeline())
    assert len(calls) == 2
    assert created.item_version == 1
    with pytest.raises(ConflictError):  # a genuine second create still conflicts
        write.create_pipeline(pipeline())


def test_lost_finish_response_is_not_a_status_conflict(tables: DynamoDBConfig, faults: Any) -> None:
    write = PipelineRunLogsWriteApi(tables)
    run = write.start_pipeline_run("p1", start_time=datetime(2026, 1, 1, tzinfo=UTC))
    calls = _lose_first_response(faults, write.gateway.client, "UpdateItem")
    finished = write.finish_pipeline_run(run.run_id, "success", total_records_processed=3)
    assert len(calls) == 2
    assert finished.status is RunStatus.SUCCESS
    stored = PipelineRunLogsReadApi(tables).get_by_id(run.run_id)
    assert stored is not None and stored.status is RunStatus.SUCCESS
    assert stored.total_records_processed == 3


def test_lost_delete_response_is_not_reported_as_not_found(
    tables: DynamoDBConfig, faults: Any
) -> None:
    write = PipelineConfigWriteApi(tables)
    write.create_pipeline(pipeline())
    calls = _lose_first_response(faults, write.gateway.client, "DeleteItem")
    write.delete_pipeline("p1")
    assert len(calls) == 2
