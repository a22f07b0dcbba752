"""Gateway input checks that happen before any request (the client is never touched)."""

from __future__ import annotations

from typing import Any

import pytest

from dynamodb_wrapper.core.codec import key_identity
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.table_gateway import TableGateway, TransactAction, transact_write
from dynamodb_wrapper.exceptions import ValidationError


class Counter(DynamoModel):
    name: str
    shard: int

    class Meta:
        table_name = "unit_gateway_counter"
        partition_key = "name"
        sort_key = "shard"


class NoClient:
    """Fails the test if the gateway tries to send anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"request {name} was sent")


def gateway() -> TableGateway:
    return TableGateway(NoClient(), "t_counter", Counter.table_meta())


def test_numbers_in_keys_are_compared_by_value() -> None:
    one = key_identity({"name": {"S": "a"}, "shard": {"N": "1"}})
    assert one == key_identity({"name": {"S": "a"}, "shard": {"N": "1.0"}})
    assert one == key_identity({"shard": {"N": "1E+0"}, "name": {"S": "a"}})
    assert one != key_identity({"name": {"S": "a"}, "shard": {"N": "10"}})


def test_duplicate_keys_differing_only_in_number_form_are_refused_in_a_batch() -> None:
    from decimal import Decimal

    with pytest.raises(ValidationError, match="duplicate key"):
        gateway().batch_write(
            deletes=[{"name": "a", "shard": 1}, {"name": "a", "shard": Decimal("1.0")}]
        )


@pytest.mark.parametrize("token", ["", "x" * 37])
def test_client_request_token_length_is_checked_before_sending(token: str) -> None:
    action = TransactAction({"Delete": {}}, "t_counter", "k1")
    with pytest.raises(ValidationError) as info:
        transact_write(NoClient(), [action], client_request_token=token)
    assert info.value.field == "client_request_token"


@pytest.mark.parametrize(("segment", "total"), [(1, None), (None, 4), (4, 4), (-1, 4)])
def test_scan_segment_and_total_go_together(segment: int | None, total: int | None) -> None:
    with pytest.raises(ValidationError) as info:
        gateway().scan_page(segment=segment, total_segments=total)
    assert info.value.field == "segment"


def test_a_transaction_that_stays_unreachable_hands_back_its_token() -> None:
    import random

    from botocore.exceptions import EndpointConnectionError

    from dynamodb_wrapper.core.retry import BackoffPolicy
    from dynamodb_wrapper.exceptions import ConnectionError

    tokens: list[str] = []

    class DeadClient:
        def transact_write_items(self, **request: Any) -> None:
            tokens.append(request["ClientRequestToken"])
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    slept: list[float] = []
    action = TransactAction({"Delete": {}}, "t_counter", "k1")
    policy = BackoffPolicy(sleep=slept.append, rng=random.Random(0))
    with pytest.raises(ConnectionError) as info:
        transact_write(DeadClient(), [action], resends=2, backoff=policy)
    assert len(tokens) == 3 and len(set(tokens)) == 1  # every re-send reuses one token
    assert info.value.client_request_token == tokens[0]
    assert len(slept) == 2
