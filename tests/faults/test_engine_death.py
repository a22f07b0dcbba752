"""The engine dies (or freezes) under a running bulk write: bounded failure, nothing hangs, nothing
is silently dropped, and the same call succeeds once DynamoDB Local is back on the same port.

Each test runs its own in-memory ``DynamoDBLocal`` (never the session one) and a config with small
timeouts (connect 1 s, read 2 s, 2 attempts), so a dead or frozen engine surfaces in seconds.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import TableGateway, create_table_gateway
from dynamodb_wrapper.exceptions import BatchWriteError, ConnectionError
from dynamodb_wrapper.local import DynamoDBLocal, find_free_port

pytestmark = pytest.mark.integration


class DeathRunLine(DynamoModel):
    run_id: str
    seq: int
    message: str = ""

    class Meta:
        table_name = "death_run_lines"
        partition_key = "run_id"
        sort_key = "seq"


def lines(count: int) -> list[dict[str, Any]]:
    return [
        DeathRunLine(run_id=f"run-{i % 8}", seq=i, message=f"step {i}").to_dynamodb_item()
        for i in range(count)
    ]


def puts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": i}} for i in items]


def line_id(item: dict[str, Any]) -> tuple[str, int]:
    return item["run_id"]["S"], int(item["seq"]["N"])


@pytest.fixture
def engine() -> Iterator[DynamoDBLocal]:
    """A DynamoDB Local of this test's own, on a fixed port (so it can come back on it)."""
    server = DynamoDBLocal(port=find_free_port())
    server.start()
    try:
        yield server
    finally:
        if server.pid is not None:  # a frozen engine would ignore the SIGTERM of stop()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
def config(engine: DynamoDBLocal) -> DynamoDBConfig:
    return DynamoDBConfig(
        endpoint_url=engine.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        environment="death",
        connect_timeout=1,
        read_timeout=2,
        max_attempts=2,
    )


@pytest.fixture
def gw(config: DynamoDBConfig) -> TableGateway:
    ensure_tables(config, [DeathRunLine])
    return create_table_gateway(
        config, DeathRunLine, backoff=BackoffPolicy(sleep=lambda _: None, rng=random.Random(0))
    )


def stored(endpoint_url: str, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` read through a raw client of its own."""
    client: Any = botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    try:
        while True:
            page = client.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    finally:
        client.close()


class Writer(threading.Thread):
    """Runs ``gw.batch_write(items)``; signals ``underway`` once ``signal_at`` are confirmed."""

    def __init__(self, gw: TableGateway, items: list[dict[str, Any]], signal_at: int) -> None:
        super().__init__(daemon=True)
        self.gw, self.items, self.signal_at = gw, items, signal_at
        self.underway = threading.Event()
        self.written: int | None = None
        self.error: BaseException | None = None
        self.ended_at: float | None = None

    def _progress(self, written: int) -> None:
        if written >= self.signal_at:
            self.underway.set()

    def run(self) -> None:
        try:
            self.written = self.gw.batch_write(self.items, on_progress=self._progress)
        except BaseException as exc:  # handed to the test thread
            self.error = exc
        finally:
            self.ended_at = time.monotonic()
            self.underway.set()


def test_engine_killed_mid_bulk_write_fails_fast_then_same_call_succeeds_after_restart(
    engine: DynamoDBLocal, config: DynamoDBConfig, gw: TableGateway
) -> None:
    items = lines(5000)
    port = engine.port
    writer = Writer(gw, items, signal_at=1000)
    writer.start()
    assert writer.underway.wait(30)
    assert writer.written is None and writer.error is None  # still running
    assert engine.pid is not None
    os.killpg(engine.pid, signal.SIGKILL)  # java leads its own process group
    killed_at = time.monotonic()
    writer.join(15)
    assert not writer.is_alive(), "batch_write hangs after the engine died"
    assert writer.ended_at is not None
    failed_after = writer.ended_at - killed_at
    assert failed_after < 15

    err = writer.error
    assert isinstance(err, BatchWriteError), err
    assert isinstance(err.__cause__, ConnectionError)
    assert err.retryable is True and err.operation == "BatchWriteItem"
    assert 1000 <= err.written < 5000
    assert err.written + len(err.unprocessed) == 5000
    assert err.unprocessed == puts(items[err.written :])  # everything not confirmed, in order

    # A single read against the dead endpoint fails quickly too.
    started = time.monotonic()
    with pytest.raises(ConnectionError) as info:
        gw.get_item({"run_id": "run-0", "seq": 0})
    get_took = time.monotonic() - started
    assert get_took < 10
    assert info.value.operation == "GetItem" and info.value.retryable is True

    # Back on the same port; in-memory data is gone, so the tables are created again.
    deadline = time.monotonic() + 10
    while engine.is_running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.start() == config.endpoint_url and engine.port == port
    ensure_tables(config, [DeathRunLine])
    endpoint = engine.endpoint_url
    assert stored(endpoint, gw.table_name) == []
    assert gw.batch_write(items) == 5000  # the same call, same gateway and client
    after = stored(endpoint, gw.table_name)
    assert len(after) == 5000
    assert {line_id(i): i for i in after} == {line_id(i): i for i in items}
    print(
        f"kill -> BatchWriteError after {failed_after:.2f}s (written={err.written}, "
        f"root cause {type(err.__cause__.__cause__).__name__}); "
        f"get_item on the dead engine {get_took:.2f}s"
    )


def test_frozen_engine_is_bounded_by_the_read_timeout(
    engine: DynamoDBLocal, config: DynamoDBConfig, gw: TableGateway
) -> None:
    items = lines(300)
    assert gw.batch_write(items[:100]) == 100
    assert engine.pid is not None
    os.killpg(engine.pid, signal.SIGSTOP)  # the process lives and holds its port, but is silent
    try:
        started = time.monotonic()
        with pytest.raises(BatchWriteError) as info:
            gw.batch_write(items[100:])
        took = time.monotonic() - started
    finally:
        os.killpg(engine.pid, signal.SIGCONT)
    err = info.value
    # 2 attempts x 2 s read timeout (+ a short retry sleep), not forever.
    assert 2 * config.read_timeout <= took < 10
    assert isinstance(err.__cause__, ConnectionError)
    assert err.written == 0 and err.unprocessed == puts(items[100:])

    # Thawed, the engine may still process the requests it had accepted: unconfirmed is not
    # unwritten. Re-sending the unprocessed requests (idempotent puts) ends with exactly the set.
    assert gw.batch_write(r["PutRequest"]["Item"] for r in err.unprocessed) == 200
    after = stored(engine.endpoint_url, gw.table_name)
    assert len(after) == 300
    assert {line_id(i): i for i in after} == {line_id(i): i for i in items}
    print(f"frozen engine -> BatchWriteError after {took:.2f}s")
