"""Batch writes and reads with several chunks in flight: nothing lost, nothing double-counted."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from dynamodb_wrapper import BatchGetError, BatchWriteError, DynamoDBConfig, ensure_tables
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import create_table_gateway

pytestmark = pytest.mark.integration


class Event(DynamoModel):
    event_id: str
    payload: str

    class Meta:
        table_name = "concurrent_events"
        partition_key = "event_id"


def items(n: int) -> list[dict[str, Any]]:
    return [Event(event_id=f"e{i:05d}", payload="x" * 50).to_dynamodb_item() for i in range(n)]


def config_for(base: DynamoDBConfig) -> DynamoDBConfig:
    return DynamoDBConfig(
        endpoint_url=base.endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=base.table_prefix,
        environment=base.environment,
        max_attempts=1,
    )


def stored_ids(gateway: Any) -> set[str]:
    return {
        item["event_id"]["S"]
        for page in gateway.iter_scan_pages(projection=["event_id"])
        for item in page.items
    }


def test_concurrent_chunks_write_everything_once(dynamodb_config: DynamoDBConfig) -> None:
    ensure_tables(dynamodb_config, [Event])
    gateway = create_table_gateway(dynamodb_config, Event)
    progress: list[int] = []
    lock = threading.Lock()

    def record(total: int) -> None:
        with lock:
            progress.append(total)

    assert gateway.batch_write(items(1000), on_progress=record, max_workers=4) == 1000
    assert len(stored_ids(gateway)) == 1000
    assert max(progress) == 1000 and len(progress) == 40


def test_a_failed_chunk_among_concurrent_ones_loses_nothing(
    dynamodb_config: DynamoDBConfig, faults: Any
) -> None:
    config = config_for(dynamodb_config)
    ensure_tables(config, [Event])
    gateway = create_table_gateway(
        config, Event, backoff=BackoffPolicy(sleep=lambda _: None, rng=random.Random(0))
    )
    calls = [0]
    lock = threading.Lock()

    def fail_one(request: Any, **_: Any) -> None:
        with lock:
            calls[0] += 1
            mine = calls[0]
        if mine == 7:  # one chunk's only attempt dies on the wire
            raise EndpointConnectionError(endpoint_url=request.url)

    faults.on(gateway.client, "before-send.dynamodb.BatchWriteItem", fail_one)
    sent = items(1000)
    with pytest.raises(BatchWriteError) as info:
        gateway.batch_write(sent, max_workers=4)
    error = info.value
    unprocessed = {r["PutRequest"]["Item"]["event_id"]["S"] for r in error.unprocessed}
    stored = stored_ids(gateway)
    assert error.written == len(stored)
    assert stored.isdisjoint(unprocessed)
    assert stored | unprocessed == {i["event_id"]["S"] for i in sent}  # nothing lost
    # the caller can finish the job with exactly what was reported
    retry = [r["PutRequest"]["Item"] for r in error.unprocessed]
    assert gateway.batch_write(retry, max_workers=4) == len(unprocessed)
    assert len(stored_ids(gateway)) == 1000


def test_concurrent_reads_return_every_item_once(
    dynamodb_config: DynamoDBConfig, faults: Any
) -> None:
    ensure_tables(dynamodb_config, [Event])
    gateway = create_table_gateway(dynamodb_config, Event)
    gateway.batch_write(items(1000), max_workers=4)
    sent = faults.spy(gateway.client, "BatchGetItem")
    keys = [{"event_id": f"e{i:05d}"} for i in range(0, 1100)]  # 100 missing
    got = gateway.batch_get(keys, projection=["payload"], max_workers=4)
    ids = [item["event_id"]["S"] for item in got]
    assert len(ids) == len(set(ids)) == 1000
    assert set(ids) == {f"e{i:05d}" for i in range(1000)}
    assert len(sent) == 11


def test_a_failed_read_among_concurrent_ones_reports_every_unread_key(
    dynamodb_config: DynamoDBConfig, faults: Any
) -> None:
    config = config_for(dynamodb_config)
    ensure_tables(config, [Event])
    gateway = create_table_gateway(
        config, Event, backoff=BackoffPolicy(sleep=lambda _: None, rng=random.Random(0))
    )
    gateway.batch_write(items(1000), max_workers=4)
    calls = [0]
    lock = threading.Lock()

    def fail_one(request: Any, **_: Any) -> None:
        with lock:
            calls[0] += 1
            mine = calls[0]
        if mine == 3:
            raise EndpointConnectionError(endpoint_url=request.url)

    faults.on(gateway.client, "before-send.dynamodb.BatchGetItem", fail_one)
    keys = [{"event_id": f"e{i:05d}"} for i in range(1000)]
    with pytest.raises(BatchGetError) as info:
        gateway.batch_get(keys, max_workers=4)
    error = info.value
    read = {item["event_id"]["S"] for item in error.items}
    unread = {key["event_id"]["S"] for key in error.unprocessed}
    assert len(error.items) == len(read) and len(error.unprocessed) == len(unread)
    assert read.isdisjoint(unread)
    assert read | unread == {k["event_id"] for k in keys}  # every key accounted for
    assert len(unread) >= 100  # at least the failed chunk
    assert error.__cause__ is not None
