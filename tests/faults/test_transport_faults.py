"""Transport faults on the real engine (DynamoDB Local), injected with botocore ``before-send``
hooks (RELIABILITY.md §1, §2, §3, §5, §8).

A hook returns ``None`` to let DynamoDB Local answer, returns a fake ``AWSResponse`` (throttling),
or raises a transport error (``EndpointConnectionError`` / ``ReadTimeoutError``). A *lost
response* is made real: the hook forwards the request to DynamoDB Local itself (so it is applied)
and then raises, as if the answer never arrived.

botocore clients are cached per connection settings (``core.client.get_client``), and the retry
quota lives in the client, so every test that needs its own retry behaviour builds a config with
settings of its own (``read_timeout`` values used nowhere else) and the quota tests start and end
with ``clear_client_cache()``. botocore's retry sleeps are recorded, never slept.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import botocore.endpoint
import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.client import clear_client_cache
from dynamodb_wrapper.core.codec import decode_item
from dynamodb_wrapper.core.expressions import Update
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.provisioning import ensure_tables
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import TableGateway, create_table_gateway, transact_write
from dynamodb_wrapper.exceptions import (
    BatchWriteError,
    ConnectionError,
    RetryableError,
    ValidationError,
)

pytestmark = pytest.mark.integration

Scan = Callable[[str], list[dict[str, Any]]]


class FaultRunLine(DynamoModel):
    """A run-log-like line: small, many per run."""

    run_id: str
    seq: int
    level: str = "INFO"
    message: str = ""

    class Meta:
        table_name = "fault_run_lines"
        partition_key = "run_id"
        sort_key = "seq"


class FaultCounter(DynamoModel):
    counter_id: str
    counter: int = 0

    class Meta:
        table_name = "fault_counters"
        partition_key = "counter_id"


def lines(count: int) -> list[dict[str, Any]]:
    return [
        FaultRunLine(
            run_id=f"run-{i % 16}", seq=i, level="INFO" if i % 7 else "WARN", message=f"step {i}"
        ).to_dynamodb_item()
        for i in range(count)
    ]


def line_id(item: dict[str, Any]) -> tuple[str, int]:
    return item["run_id"]["S"], int(item["seq"]["N"])


class _RecordingTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``: records retry sleeps."""

    def __init__(self, sleeps: list[float]) -> None:
        self.sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry sleeps (recorded, not slept)."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", _RecordingTime(sleeps))
    return sleeps


@pytest.fixture
def fresh_clients() -> Iterator[None]:
    """No cached botocore client survives into or out of the test."""
    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture
def make_config(
    dynamodb_local_endpoint: str, dynamodb_config: DynamoDBConfig
) -> Callable[..., DynamoDBConfig]:
    """A config for this test's tables with the given connection/retry settings."""

    def build(**settings: Any) -> DynamoDBConfig:
        return DynamoDBConfig(
            endpoint_url=dynamodb_local_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            table_prefix=dynamodb_config.table_prefix,
            environment=dynamodb_config.environment,
            **settings,
        )

    return build


def gateway(config: DynamoDBConfig, model: type[DynamoModel], sleeps: list[float]) -> TableGateway:
    ensure_tables(config, [model])
    return create_table_gateway(
        config, model, backoff=BackoffPolicy(sleep=sleeps.append, rng=random.Random(0))
    )


# ----------------------------------------------------------------------------- retry policy


@pytest.mark.parametrize("attempts", [2, 4])
def test_pinned_attempts_ignore_ambient_retry_environment(
    make_config: Callable[..., DynamoDBConfig],
    dynamodb_local_endpoint: str,
    faults: Any,
    monkeypatch: pytest.MonkeyPatch,
    retry_sleeps: list[float],
    fresh_clients: None,
    attempts: int,
) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "9")
    clear_client_cache()  # the client below is created under the ambient settings
    request_ids: list[str] = []

    def throttle(request: Any, **_: Any) -> Any:
        response = faults.error(request, "ProvisionedThroughputExceededException", "slow down")
        request_ids.append(response.headers["x-amzn-requestid"])
        return response

    # Control: a client without the library's Config does obey the ambient settings (9 sends).
    control: Any = botocore.session.Session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=dynamodb_local_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    faults.on(control, "before-send.dynamodb.GetItem", throttle)
    with pytest.raises(ClientError):
        control.get_item(TableName="any", Key={"k": {"S": "v"}})
    assert len(request_ids) == 9
    control.close()

    request_ids.clear()
    retry_sleeps.clear()
    gw = create_table_gateway(make_config(max_attempts=attempts), FaultRunLine)
    assert gw.client.meta.config.retries == {"mode": "standard", "total_max_attempts": attempts}
    faults.on(gw.client, "before-send.dynamodb.GetItem", throttle)
    with pytest.raises(RetryableError) as info:
        gw.get_item({"run_id": "r", "seq": 1})
    err = info.value
    assert len(request_ids) == attempts  # exactly N sends, not 9
    assert len(retry_sleeps) == attempts - 1
    assert err.error_code == "ProvisionedThroughputExceededException"
    assert err.request_id == request_ids[-1]
    assert err.retry_attempts == attempts - 1
    assert err.retryable is True
    assert err.operation == "GetItem" and err.table == gw.table_name
    assert "retry quota" not in err.message


def test_retry_quota_storm_fails_fast_with_a_clear_error(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    fresh_clients: None,
) -> None:
    # Standard mode: a bucket of 500 tokens per client, 5 per throttling retry, refunded only by
    # successes. 3 attempts = 2 retries = 10 tokens per failing call -> 50 calls empty it.
    gw = gateway(make_config(max_attempts=3, read_timeout=31.0), FaultRunLine, [])
    gw.put_item(lines(1)[0])
    sends: list[int] = []

    def throttle(request: Any, **_: Any) -> Any:
        sends[-1] += 1
        return faults.error(request, "ThrottlingException", "Rate of requests exceeded")

    faults.on(gw.client, "before-send.dynamodb.GetItem", throttle)
    errors: list[RetryableError] = []
    for _ in range(120):
        sends.append(0)
        with pytest.raises(RetryableError) as info:
            gw.get_item({"run_id": "run-0", "seq": 0})
        errors.append(info.value)

    assert sends == [3] * 50 + [1] * 70
    assert len(retry_sleeps) == 100
    for err in errors[:50]:
        assert err.retry_attempts == 2 and "retry quota" not in err.message
    for err in errors[50:]:
        assert err.retry_attempts == 0
        assert err.error_code == "ThrottlingException" and err.retryable is True
        assert err.message == "Rate of requests exceeded (retry quota exhausted)"

    # The client is not broken: without the fault the engine answers (one send, no retry).
    faults.close()
    assert decode_item(gw.get_item({"run_id": "run-0", "seq": 0}) or {})["message"] == "step 0"


# ----------------------------------------------------------------------------- batch writes


def test_connection_lost_mid_way_through_10000_items_loses_and_duplicates_nothing(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    scan_all: Scan,
) -> None:
    sleeps: list[float] = []
    gw = gateway(make_config(max_attempts=2), FaultRunLine, sleeps)
    items = lines(10_000)
    sends: list[int] = []

    def cut(request: Any, **_: Any) -> None:
        sends.append(len(json.loads(request.body)["RequestItems"][gw.table_name]))
        if len(sends) in (150, 151):  # both attempts of the 150th call: botocore gives up
            raise EndpointConnectionError(endpoint_url=request.url)
        return None

    faults.on(gw.client, "before-send.dynamodb.BatchWriteItem", cut)
    started = time.monotonic()
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write(items)
    err = info.value

    assert len(sends) == 151 and len(retry_sleeps) == 1 and sleeps == []
    assert err.written == 149 * 25
    assert err.written + len(err.unprocessed) == 10_000
    assert err.unprocessed == [{"PutRequest": {"Item": i}} for i in items[err.written :]]
    assert err.retryable is True
    assert isinstance(err.__cause__, ConnectionError)
    assert isinstance(err.__cause__.__cause__, EndpointConnectionError)
    stored = scan_all(gw.table_name)
    assert sorted(map(line_id, stored)) == sorted(map(line_id, items[: err.written]))

    # Re-sending exactly the unprocessed requests completes the set.
    faults.close()
    resent = gw.batch_write(r["PutRequest"]["Item"] for r in err.unprocessed)
    assert resent == len(err.unprocessed)
    stored = scan_all(gw.table_name)
    assert len(stored) == 10_000
    assert len({line_id(i) for i in stored}) == 10_000
    assert {line_id(i): i for i in stored} == {line_id(i): i for i in items}
    assert time.monotonic() - started < 40


def _lose_responses(
    faults: Any,
    client: Any,
    operation: str,
    lose: Callable[[int], bool],
    error: Callable[..., Exception],
) -> list[dict[str, Any]]:
    """Forward ``operation`` sends to the engine; for those ``lose(n)`` picks, raise ``error``
    after the engine applied them (a lost response). Returns every body sent."""
    bodies: list[dict[str, Any]] = []
    session = URLLib3Session()

    def handler(request: Any, **_: Any) -> None:
        bodies.append(json.loads(request.body))
        if lose(len(bodies)):
            answer = session.send(request)
            assert answer.status_code == 200, answer.content
            raise error(endpoint_url=request.url)
        return None

    faults.on(client, f"before-send.dynamodb.{operation}", handler)
    return bodies


def test_lost_batch_write_response_is_resent_and_lands_once(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    scan_all: Scan,
) -> None:
    gw = gateway(make_config(max_attempts=2), FaultRunLine, [])
    items = lines(250)
    bodies = _lose_responses(
        faults, gw.client, "BatchWriteItem", lambda n: n == 4, ReadTimeoutError
    )
    progress: list[int] = []
    assert gw.batch_write(items, on_progress=progress.append) == 250

    assert len(bodies) == 11 and len(retry_sleeps) == 1
    assert bodies[3] == bodies[4]  # botocore re-sent the very same batch
    assert progress == list(range(25, 251, 25))
    stored = scan_all(gw.table_name)
    assert len(stored) == 250
    assert {line_id(i): i for i in stored} == {line_id(i): i for i in items}


def test_batch_applied_but_never_confirmed_is_reported_unprocessed_and_safe_to_resend(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    scan_all: Scan,
) -> None:
    gw = gateway(make_config(max_attempts=2), FaultRunLine, [])
    items = lines(100)
    # Call 2 is applied by the engine on both attempts but neither answer arrives.
    bodies = _lose_responses(
        faults, gw.client, "BatchWriteItem", lambda n: n in (2, 3), ReadTimeoutError
    )
    with pytest.raises(BatchWriteError) as info:
        gw.batch_write(items)
    err = info.value
    assert len(bodies) == 3
    assert err.written == 25
    assert err.unprocessed == [{"PutRequest": {"Item": i}} for i in items[25:]]
    assert isinstance(err.__cause__, ConnectionError)
    # Unconfirmed is not unwritten: chunk 2 is stored although it is listed as unprocessed.
    assert sorted(map(line_id, scan_all(gw.table_name))) == sorted(map(line_id, items[:50]))

    faults.close()
    assert gw.batch_write(r["PutRequest"]["Item"] for r in err.unprocessed) == 75
    stored = scan_all(gw.table_name)
    assert len(stored) == 100
    assert {line_id(i): i for i in stored} == {line_id(i): i for i in items}


# ----------------------------------------------------------------------------- transactions


def _counter(gw: TableGateway, counter_id: str = "c1") -> int | None:
    item = gw.get_item({"counter_id": counter_id}, consistent_read=True)
    return None if item is None else int(decode_item(item)["counter"])


def test_lost_transaction_response_is_retried_by_botocore_with_the_same_token(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
) -> None:
    sleeps: list[float] = []
    gw = gateway(make_config(max_attempts=2), FaultCounter, sleeps)
    bodies = _lose_responses(
        faults, gw.client, "TransactWriteItems", lambda n: n == 1, ReadTimeoutError
    )
    token = gw.transact_write([gw.tx_update({"counter_id": "c1"}, Update().add("counter", 1))])

    assert len(bodies) == 2 and len(retry_sleeps) == 1 and sleeps == []
    assert [b["ClientRequestToken"] for b in bodies] == [token, token]
    assert bodies[0] == bodies[1]
    assert _counter(gw) == 1  # applied by the first send; the retry was a no-op


@pytest.mark.parametrize("fault", [EndpointConnectionError, ReadTimeoutError])
@pytest.mark.parametrize("entry", ["gateway", "function"])
def test_library_resend_after_connection_error_reuses_the_token_and_applies_once(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    fault: Callable[..., Exception],
    entry: str,
) -> None:
    sleeps: list[float] = []
    gw = gateway(make_config(max_attempts=1), FaultCounter, sleeps)  # botocore does not retry
    bodies = _lose_responses(faults, gw.client, "TransactWriteItems", lambda n: n == 1, fault)
    actions = [gw.tx_update({"counter_id": "c1"}, Update().add("counter", 1))]
    if entry == "gateway":
        token = gw.transact_write(actions)
    else:
        token = transact_write(gw.client, actions, resends=2, backoff=gw.backoff)

    assert len(bodies) == 2 and retry_sleeps == []
    assert len(sleeps) == 1  # the library's own backoff before its re-send
    assert [b["ClientRequestToken"] for b in bodies] == [token, token]
    assert bodies[0] == bodies[1]
    assert _counter(gw) == 1

    # DynamoDB Local does check the token: same token, other actions -> mismatch, not applied.
    faults.close()
    with pytest.raises(ValidationError) as info:
        gw.transact_write(
            [gw.tx_update({"counter_id": "c1"}, Update().add("counter", 5))],
            client_request_token=token,
        )
    assert info.value.error_code == "IdempotentParameterMismatchException"
    assert _counter(gw) == 1


@pytest.mark.parametrize("reached_engine", [True, False])
def test_connection_error_outlasting_every_resend_then_caller_resend_applies_once(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
    reached_engine: bool,
) -> None:
    sleeps: list[float] = []
    gw = gateway(make_config(max_attempts=1), FaultCounter, sleeps)
    actions = [gw.tx_update({"counter_id": "c1"}, Update().add("counter", 1))]
    token = str(uuid.uuid4())
    if reached_engine:  # every send is applied (or not) by the engine, no answer comes back
        bodies = _lose_responses(
            faults, gw.client, "TransactWriteItems", lambda n: True, EndpointConnectionError
        )
    else:
        bodies = []

        def refuse(request: Any, **_: Any) -> None:
            bodies.append(json.loads(request.body))
            raise EndpointConnectionError(endpoint_url=request.url)

        faults.on(gw.client, "before-send.dynamodb.TransactWriteItems", refuse)

    with pytest.raises(ConnectionError) as info:
        gw.transact_write(actions, client_request_token=token)
    assert info.value.operation == "TransactWriteItems" and info.value.retryable is True
    assert len(bodies) == 3 and len(sleeps) == 2  # first send + resends=2
    assert {b["ClientRequestToken"] for b in bodies} == {token}
    assert _counter(gw) == (1 if reached_engine else None)

    # The network is back: the caller re-sends with the same token -> applied exactly once.
    faults.close()
    assert gw.transact_write(actions, client_request_token=token) == token
    assert _counter(gw) == 1


def test_in_progress_answer_to_the_library_resend_is_retried_and_applies_once(
    make_config: Callable[..., DynamoDBConfig],
    faults: Any,
    retry_sleeps: list[float],
) -> None:
    # Send 1 reaches the engine but its answer is lost; send 2 cannot connect (botocore gives up
    # after 2 attempts); the library re-sends: send 3 finds the first still "in progress"
    # (TransactionInProgressException, retried by botocore), send 4 is answered by the engine.
    sleeps: list[float] = []
    gw = gateway(make_config(max_attempts=2), FaultCounter, sleeps)
    bodies: list[dict[str, Any]] = []
    session = URLLib3Session()

    def handler(request: Any, **_: Any) -> Any:
        bodies.append(json.loads(request.body))
        if len(bodies) == 1:
            session.send(request)
            raise ReadTimeoutError(endpoint_url=request.url)
        if len(bodies) == 2:
            raise EndpointConnectionError(endpoint_url=request.url)
        if len(bodies) == 3:
            return faults.error(request, "TransactionInProgressException", "in progress")
        return None

    faults.on(gw.client, "before-send.dynamodb.TransactWriteItems", handler)
    token = gw.transact_write([gw.tx_update({"counter_id": "c1"}, Update().add("counter", 1))])
    assert len(bodies) == 4 and len(retry_sleeps) == 2 and len(sleeps) == 1
    assert {b["ClientRequestToken"] for b in bodies} == {token}
    assert _counter(gw) == 1
