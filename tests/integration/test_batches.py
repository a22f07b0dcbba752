"""Batch writes and reads against DynamoDB Local, with UnprocessedItems / UnprocessedKeys and
throttling injected through botocore's ``before-send`` event on the real client.

When a fault says "these requests were processed", the handler really writes/reads them through a
separate raw client first, so the table always reflects what the fake response claims.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import TableGateway, create_table_gateway
from dynamodb_wrapper.exceptions import (
    BatchGetError,
    BatchWriteError,
    RetryableError,
    ValidationError,
)

pytestmark = pytest.mark.integration

Scan = Callable[[str], list[dict[str, Any]]]
KeyId = tuple[str, int]
# plan(call_number, requests_or_keys) -> how many to really process (rest left unprocessed),
# None to pass the call through untouched, or "throttle" to fail the whole call.
Plan = Callable[[int, list[Any]], "int | str | None"]


class Reading(DynamoModel):
    sensor: str
    seq: int
    payload: str = ""

    class Meta:
        table_name = "readings"
        partition_key = "sensor"
        sort_key = "seq"


def readings(count: int, *, size: int = 10, start: int = 0) -> list[dict[str, Any]]:
    return [
        Reading(sensor=f"s{i % 4}", seq=i, payload=f"{i}:" + "x" * size).to_dynamodb_item()
        for i in range(start, start + count)
    ]


def kid(item_or_key: Mapping[str, Any]) -> KeyId:
    """(sensor, seq) of a wire item or key."""
    return item_or_key["sensor"]["S"], int(item_or_key["seq"]["N"])


def request_kid(request: Mapping[str, Any]) -> KeyId:
    """(sensor, seq) of a PutRequest / DeleteRequest."""
    if "PutRequest" in request:
        return kid(request["PutRequest"]["Item"])
    return kid(request["DeleteRequest"]["Key"])


def stored_keys(scan_all: Scan, gw: TableGateway) -> list[KeyId]:
    return sorted(kid(i) for i in scan_all(gw.table_name))


@pytest.fixture
def gw(dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy) -> TableGateway:
    ensure_tables(dynamodb_config, [Reading])
    return create_table_gateway(dynamodb_config, Reading, backoff=backoff)


@pytest.fixture
def fail_fast_gw(
    dynamodb_local_endpoint: str, dynamodb_config: DynamoDBConfig, backoff: BackoffPolicy
) -> TableGateway:
    """A gateway whose client makes one attempt per call (botocore does not retry)."""
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=dynamodb_config.table_prefix,
        environment=dynamodb_config.environment,
        max_attempts=1,
    )
    ensure_tables(config, [Reading])
    return create_table_gateway(config, Reading, backoff=backoff)


def inject_batch_write(
    faults: Any, gw: TableGateway, raw_client: Any, plan: Plan
) -> list[list[dict[str, Any]]]:
    """Fault BatchWriteItem calls per ``plan``; returns the requests of every call."""
    calls: list[list[dict[str, Any]]] = []
    table = gw.table_name

    def handler(request: Any, **_: Any) -> Any:
        pending = json.loads(request.body)["RequestItems"][table]
        calls.append(pending)
        decision = plan(len(calls), pending)
        if decision is None:
            return None
        if decision == "throttle":
            return faults.error(
                request, "ProvisionedThroughputExceededException", "Rate of requests exceeded"
            )
        assert isinstance(decision, int)
        done, left = pending[:decision], pending[decision:]
        if done:
            raw_client.batch_write_item(RequestItems={table: done})
        return faults.response(request, {"UnprocessedItems": {table: left} if left else {}})

    faults.on(gw.client, "before-send.dynamodb.BatchWriteItem", handler)
    return calls


def inject_batch_get(
    faults: Any, gw: TableGateway, raw_client: Any, plan: Plan
) -> list[list[dict[str, Any]]]:
    """Fault BatchGetItem calls per ``plan``; returns the keys of every call."""
    calls: list[list[dict[str, Any]]] = []
    table = gw.table_name

    def handler(request: Any, **_: Any) -> Any:
        table_request = json.loads(request.body)["RequestItems"][table]
        keys = table_request["Keys"]
        calls.append(keys)
        decision = plan(len(calls), keys)
        if decision is None:
            return None
        if decision == "throttle":
            return faults.error(request, "ThrottlingException", "Rate exceeded")
        assert isinstance(decision, int)
        done, left = keys[:decision], keys[decision:]
        found: list[Any] = []
        if done:
            answer = raw_client.batch_get_item(
                RequestItems={table: {**table_request, "Keys": done}}
            )
            found = answer["Responses"][table]
        body: dict[str, Any] = {"Responses": {table: found}, "UnprocessedKeys": {}}
        if left:
            body["UnprocessedKeys"] = {table: {**table_request, "Keys": left}}
        return faults.response(request, body)

    faults.on(gw.client, "before-send.dynamodb.BatchGetItem", handler)
    return calls


def expected_delays(count: int, base: float = 0.1, cap: float = 0.4) -> list[float]:
    """The full-jitter delays of the ``backoff`` fixture's policy (seeded rng)."""
    rng = random.Random(0)
    return [rng.uniform(0, min(cap, base * 2 ** (n - 1))) for n in range(1, count + 1)]


# ----------------------------------------------------------------------------- batch_write


def test_batch_write_1200_items_all_readable(
    gw: TableGateway, faults: Any, scan_all: Scan, sleeps: list[float]
) -> None:
    items = readings(1200, size=3000)
    sent = faults.spy(gw.client, "BatchWriteItem")
    progress: list[int] = []
    assert gw.batch_write(items, on_progress=progress.append) == 1200

    assert len(sent) == 48
    assert all(len(r["RequestItems"][gw.table_name]) == 25 for r in sent)
    assert progress == list(range(25, 1201, 25))
    assert sleeps == []
    assert stored_keys(scan_all, gw) == sorted(kid(i) for i in items)
    assert [gw.query_count(f"s{n}") for n in range(4)] == [300] * 4
    assert gw.scan_count() == 1200
    back = gw.batch_get([{"sensor": f"s{i % 4}", "seq": i} for i in range(0, 1200, 7)])
    assert {kid(i): i for i in back} == {kid(i): i for i in items[::7]}


def test_batch_write_mixed_puts_and_deletes(gw: TableGateway, scan_all: Scan) -> None:
    old = readings(40)
    gw.batch_write(old)
    fresh = readings(30, start=100)
    overwrites = [
        Reading(sensor=f"s{i % 4}", seq=i, payload="new").to_dynamodb_item() for i in range(10)
    ]
    deletes = [{"sensor": f"s{i % 4}", "seq": i} for i in range(20, 40)]
    missing = [{"sensor": "nobody", "seq": n} for n in range(5)]
    progress: list[int] = []
    written = gw.batch_write(
        [*fresh, *overwrites], [*deletes, *missing], on_progress=progress.append
    )
    assert written == 30 + 10 + 20 + 5
    assert progress == [25, 50, 65]
    expected = {kid(i) for i in old[:20]} | {kid(i) for i in fresh}
    assert set(stored_keys(scan_all, gw)) == expected
    by_key = {kid(i): i for i in scan_all(gw.table_name)}
    assert [by_key[("s" + str(i % 4), i)]["payload"]["S"] for i in range(10)] == ["new"] * 10
    assert by_key[("s2", 10)]["payload"]["S"].startswith("10:")


def test_duplicates_and_bad_items_rejected_before_sending(
    gw: TableGateway, faults: Any, scan_all: Scan
) -> None:
    sent = faults.spy(gw.client, "BatchWriteItem")
    items = readings(60)
    dup_far_apart = [*items, items[3]]  # the duplicate would be in a later chunk
    with pytest.raises(ValidationError, match="duplicate"):
        gw.batch_write(dup_far_apart)
    with pytest.raises(ValidationError, match="duplicate"):
        gw.batch_write(items, [{"sensor": "s1", "seq": 1}])  # put and delete of one item
    with pytest.raises(ValidationError, match="duplicate"):
        gw.batch_write((), [{"sensor": "a", "seq": 1}, {"sensor": "a", "seq": 1}])
    with pytest.raises(ValidationError):
        gw.batch_write([*items, {**items[0], "sensor": {"S": ""}}])  # bad item in chunk 3
    with pytest.raises(ValidationError):
        gw.batch_write(items, [{"sensor": "s1"}])  # incomplete key
    assert sent == []
    assert scan_all(gw.table_name) == []
    assert gw.batch_write([]) == 0
    assert sent == []


def test_unprocessed_items_resent_with_capped_jittered_backoff(
    gw: TableGateway, faults: Any, raw_client: Any, scan_all: Scan, sleeps: list[float]
) -> None:
    items = readings(60)  # chunks of 25, 25, 10
    # Chunk 1: 10 written then 15 left; nothing; 5 more; nothing; nothing; then the rest.
    script = {1: 10, 2: 0, 3: 5, 4: 0, 5: 0}
    calls = inject_batch_write(faults, gw, raw_client, lambda n, _: script.get(n))
    progress: list[int] = []
    assert gw.batch_write(items, on_progress=progress.append) == 60

    assert len(calls) == 3 + len(script)  # one send per chunk + one per partial response
    assert [len(c) for c in calls] == [25, 15, 15, 10, 10, 10, 25, 10]
    assert calls[1] == calls[0][10:]  # exactly the unprocessed requests are re-sent
    assert calls[3] == calls[0][15:]
    assert progress == [10, 10, 15, 15, 15, 25, 50, 60]
    assert stored_keys(scan_all, gw) == sorted(kid(i) for i in items)

    assert len(sleeps) == len(script)
    caps = [0.1, 0.2, 0.4, 0.4, 0.4]  # base 0.1 doubling, capped at max_delay 0.4
    assert all(0 <= s <= cap for s, cap in zip(sleeps, caps, strict=True))
    assert len(set(sleeps)) == len(sleeps)  # jittered, not a fixed schedule
    assert sleeps == pytest.approx(expected_delays(len(script)))


def test_permanent_unprocessed_items_raise_with_exact_leftovers(
    gw: TableGateway, faults: Any, raw_client: Any, scan_all: Scan, sleeps: list[float]
) -> None:
    items = readings(70)  # chunks of 25, 25, 20
    calls = inject_batch_write(
        faults, gw, raw_client, lambda n, _: None if n == 1 else (10 if n == 2 else 0)
    )
    progress: list[int] = []
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write(items, on_progress=progress.append)
    err = info.value

    assert len(calls) == 1 + gw.backoff.max_attempts  # chunk 3 was never sent
    assert len(sleeps) == gw.backoff.max_attempts - 1
    assert err.written == 35
    assert progress[-1] == 35 and progress == sorted(progress)
    assert err.retryable is True
    assert err.table == gw.table_name and err.operation == "BatchWriteItem"
    assert "15 request(s) still unprocessed" in err.message
    expected_left = [{"PutRequest": {"Item": i}} for i in items[35:]]
    assert err.unprocessed == expected_left  # 15 of chunk 2, then all of chunk 3, in order

    stored = set(stored_keys(scan_all, gw))
    left = {request_kid(r) for r in err.unprocessed}
    assert stored == {kid(i) for i in items[:35]}
    assert stored.isdisjoint(left)
    assert stored | left == {kid(i) for i in items}
    sent_keys = {request_kid(r) for c in calls for r in c}
    assert sent_keys.isdisjoint({kid(i) for i in items[50:]})

    # The leftovers can be re-submitted as they are once the table accepts writes again.
    faults.close()
    assert gw.batch_write([r["PutRequest"]["Item"] for r in err.unprocessed]) == 35
    assert set(stored_keys(scan_all, gw)) == {kid(i) for i in items}


def test_time_budget_stops_resending(
    dynamodb_config: DynamoDBConfig, faults: Any, raw_client: Any, sleeps: list[float]
) -> None:
    ensure_tables(dynamodb_config, [Reading])
    now = [0.0]

    def clock() -> float:
        now[0] += 0.25
        return now[0]

    policy = BackoffPolicy(
        max_attempts=1000,
        base_delay=0.1,
        max_delay=0.4,
        time_budget=2.0,
        sleep=sleeps.append,
        clock=clock,
        rng=random.Random(0),
    )
    gw = create_table_gateway(dynamodb_config, Reading, backoff=policy)
    calls = inject_batch_write(faults, gw, raw_client, lambda n, _: 0)
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write(readings(5))
    assert len(info.value.unprocessed) == 5 and info.value.written == 0
    assert 1 < len(calls) < 12
    assert len(sleeps) == len(calls) - 1


def test_exception_mid_batch_reports_everything_not_written(
    fail_fast_gw: TableGateway, faults: Any, raw_client: Any, scan_all: Scan
) -> None:
    gw = fail_fast_gw
    items = readings(80)  # chunks of 25, 25, 25, 5
    # Chunk 1 passes; chunk 2 gets 10 written, then its re-send is throttled (no botocore retry).
    calls = inject_batch_write(
        faults, gw, raw_client, lambda n, _: {1: None, 2: 10, 3: "throttle"}.get(n)
    )
    progress: list[int] = []
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write(items, on_progress=progress.append)
    err = info.value

    assert len(calls) == 3  # max_attempts=1: botocore did not retry the throttled call
    assert err.written == 35 and progress == [25, 35]
    assert err.unprocessed == [{"PutRequest": {"Item": i}} for i in items[35:]]
    assert err.retryable is True
    cause = err.__cause__
    assert isinstance(cause, RetryableError)
    assert cause.error_code == "ProvisionedThroughputExceededException"
    assert cause.retry_attempts == 0
    assert isinstance(cause.__cause__, ClientError)

    stored = set(stored_keys(scan_all, gw))
    left = {request_kid(r) for r in err.unprocessed}
    assert stored == {kid(i) for i in items[:35]}
    assert stored.isdisjoint(left) and stored | left == {kid(i) for i in items}


def test_exception_in_first_chunk_of_deletes(
    fail_fast_gw: TableGateway, faults: Any, raw_client: Any, scan_all: Scan
) -> None:
    gw = fail_fast_gw
    gw.batch_write(readings(30))
    inject_batch_write(faults, gw, raw_client, lambda n, _: "throttle")
    deletes = [{"sensor": f"s{i % 4}", "seq": i} for i in range(30)]
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write((), deletes)
    assert info.value.written == 0
    assert [request_kid(r) for r in info.value.unprocessed] == [
        (k["sensor"], k["seq"]) for k in deletes
    ]
    assert all("DeleteRequest" in r for r in info.value.unprocessed)
    assert len(scan_all(gw.table_name)) == 30


# ----------------------------------------------------------------------------- batch_get


@pytest.fixture
def stored(gw: TableGateway) -> list[dict[str, Any]]:
    items = readings(200)
    gw.batch_write(items)
    return items


def _key(i: int) -> dict[str, Any]:
    return {"sensor": f"s{i % 4}", "seq": i}


def test_batch_get_250_keys_with_duplicates_and_missing(
    gw: TableGateway, stored: list[dict[str, Any]], faults: Any
) -> None:
    keys = [_key(i) for i in range(200)] + [{"sensor": "ghost", "seq": n} for n in range(30)]
    keys += [_key(i) for i in range(0, 200, 10)]  # 20 duplicates
    random.Random(7).shuffle(keys)
    assert len(keys) == 250
    sent = faults.spy(gw.client, "BatchGetItem")
    got = gw.batch_get(keys)

    assert Counter(kid(i) for i in got) == Counter(kid(i) for i in stored)
    assert {kid(i): i for i in got} == {kid(i): i for i in stored}
    sent_keys = [kid(k) for r in sent for k in r["RequestItems"][gw.table_name]["Keys"]]
    assert [len(r["RequestItems"][gw.table_name]["Keys"]) for r in sent] == [100, 100, 30]
    assert len(sent_keys) == len(set(sent_keys)) == 230

    projected = gw.batch_get(keys[:50], projection=["payload"])
    assert projected and all(set(i) == {"sensor", "seq", "payload"} for i in projected)
    assert gw.batch_get([]) == []


def test_batch_get_unprocessed_keys_resent_after_backoff(
    gw: TableGateway,
    stored: list[dict[str, Any]],
    faults: Any,
    raw_client: Any,
    sleeps: list[float],
) -> None:
    script = {1: 40, 2: 0, 3: 25}  # chunk 1: 40 read, then nothing, then 25, then the rest
    calls = inject_batch_get(faults, gw, raw_client, lambda n, _: script.get(n))
    got = gw.batch_get([_key(i) for i in range(200)], projection=["payload"])

    assert sorted(kid(i) for i in got) == sorted(kid(i) for i in stored)
    assert all(set(i) == {"sensor", "seq", "payload"} for i in got)
    assert [len(c) for c in calls] == [100, 60, 60, 35, 100]
    assert calls[1] == calls[0][40:] and calls[3] == calls[0][65:]
    assert sleeps == pytest.approx(expected_delays(3))


def test_batch_get_permanent_unprocessed_raises_with_items_and_keys(
    gw: TableGateway,
    stored: list[dict[str, Any]],
    faults: Any,
    raw_client: Any,
    sleeps: list[float],
) -> None:
    keys = [_key(i) for i in range(200)] + [{"sensor": "ghost", "seq": n} for n in range(50)]
    # Chunk 1 passes; chunk 2 reads 40 keys, then never anything again; chunk 3 is never sent.
    calls = inject_batch_get(
        faults, gw, raw_client, lambda n, _: None if n == 1 else (40 if n == 2 else 0)
    )
    with pytest.raises(BatchGetError) as info:
        gw.batch_get(keys)
    err = info.value

    assert len(calls) == 1 + gw.backoff.max_attempts
    assert len(sleeps) == gw.backoff.max_attempts - 1
    assert err.retryable is True
    unread = [kid(k) for k in err.unprocessed]
    assert unread == [(k["sensor"], k["seq"]) for k in keys[140:]]  # in input order
    read = {kid(i) for i in err.items}
    assert read == {(k["sensor"], k["seq"]) for k in keys[:140]}
    assert read.isdisjoint(unread)
    assert read | set(unread) >= {kid(i) for i in stored}
    assert len(err.items) + len(err.unprocessed) == len(keys)


def test_batch_get_exception_mid_way_keeps_what_was_read(
    fail_fast_gw: TableGateway, faults: Any, raw_client: Any
) -> None:
    gw = fail_fast_gw
    gw.batch_write(readings(250))
    inject_batch_get(faults, gw, raw_client, lambda n, _: "throttle" if n == 2 else None)
    keys = [_key(i) for i in range(250)]
    with pytest.raises(BatchGetError) as info:
        gw.batch_get(keys)
    err = info.value
    assert isinstance(err.__cause__, RetryableError)
    assert err.__cause__.error_code == "ThrottlingException"
    assert err.retryable is True  # as retryable as its cause (like BatchWriteError)
    assert sorted(kid(i) for i in err.items) == sorted((k["sensor"], k["seq"]) for k in keys[:100])
    assert [kid(k) for k in err.unprocessed] == [(k["sensor"], k["seq"]) for k in keys[100:]]
