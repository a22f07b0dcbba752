"""The fast wire path and botocore's standard path give identical results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dynamodb_wrapper import DynamoDBConfig, ensure_tables
from dynamodb_wrapper.core.client import get_client
from dynamodb_wrapper.core.expressions import Attr
from dynamodb_wrapper.core.fastpath import BODY, _FastJSONSerializer, deliver_body
from dynamodb_wrapper.core.model import DynamoModel
from dynamodb_wrapper.core.table_gateway import create_table_gateway
from dynamodb_wrapper.core.wire_models import response_validator
from dynamodb_wrapper.exceptions import ConditionCheckFailedError, TableNotFoundError

pytestmark = pytest.mark.integration


class Blob(DynamoModel):
    blob_id: str
    payload: bytes
    chunks: set[bytes] | None = None
    amount: Decimal
    nested: dict[str, Any] = {}

    class Meta:
        table_name = "fastpath_blobs"
        partition_key = "blob_id"


def configs(base: DynamoDBConfig) -> list[DynamoDBConfig]:
    common = {
        "endpoint_url": base.endpoint_url,
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
        "table_prefix": base.table_prefix,
        "environment": base.environment,
    }
    return [DynamoDBConfig(fast_path=True, **common), DynamoDBConfig(fast_path=False, **common)]


def test_fast_and_standard_paths_agree(dynamodb_config: DynamoDBConfig) -> None:
    fast, standard = configs(dynamodb_config)
    assert isinstance(get_client(fast)._serializer, _FastJSONSerializer)
    assert not isinstance(get_client(standard)._serializer, _FastJSONSerializer)
    ensure_tables(fast, [Blob])
    blob = Blob(
        blob_id="b1",
        payload=b"\x00\xffbinary\n",
        chunks={b"a", b"\x01"},
        amount=Decimal("12.5"),
        nested={"k": [1, "two", {"deep": True}], "empty": {}},
    )
    create_table_gateway(fast, Blob).put_item(blob.to_dynamodb_item())
    reads = [create_table_gateway(c, Blob).get_item({"blob_id": "b1"}) for c in (fast, standard)]
    models = [Blob.from_dynamodb_item(item) for item in reads if item is not None]
    assert models == [blob, blob]
    # written through the standard path, read through the fast one
    create_table_gateway(standard, Blob).put_item(
        blob.model_copy(update={"blob_id": "b2"}).to_dynamodb_item()
    )
    again = create_table_gateway(fast, Blob).get_item({"blob_id": "b2"})
    assert again is not None and Blob.from_dynamodb_item(again).payload == blob.payload


@pytest.mark.parametrize("which", [0, 1], ids=["fast", "standard"])
def test_errors_keep_their_types_on_both_paths(dynamodb_config: DynamoDBConfig, which: int) -> None:
    config = configs(dynamodb_config)[which]
    gateway = create_table_gateway(config, Blob)
    with pytest.raises(TableNotFoundError):
        gateway.get_item({"blob_id": "x"})
    ensure_tables(config, [Blob])
    item = Blob(blob_id="c", payload=b"1", amount=Decimal(1)).to_dynamodb_item()
    gateway.put_item(item)
    with pytest.raises(ConditionCheckFailedError) as info:
        gateway.put_item(item, condition=Attr("blob_id").not_exists())
    assert info.value.item is not None and info.value.item["payload"] == b"1"
    assert info.value.request_id


def test_one_json_parser_serves_every_response_in_turn(dynamodb_config: DynamoDBConfig) -> None:
    fast = configs(dynamodb_config)[0]
    ensure_tables(fast, [Blob])
    gateway = create_table_gateway(fast, Blob)
    factory = gateway.client._endpoint._response_parser_factory
    assert factory.create_parser("json") is factory.create_parser("json")
    item = Blob(blob_id="p", payload=b"\x00\xff", amount=Decimal("1.5")).to_dynamodb_item()
    # success, typed error, success again through the same parser object
    gateway.put_item(item)
    with pytest.raises(ConditionCheckFailedError):
        gateway.put_item(item, condition=Attr("blob_id").not_exists())
    back = gateway.get_item({"blob_id": "p"})
    assert back is not None and Blob.from_dynamodb_item(back).payload == b"\x00\xff"


def test_typed_reads_validate_the_body_itself_on_the_fast_path(
    dynamodb_config: DynamoDBConfig,
) -> None:
    """With the fast path on, a typed read gets the raw body (no json.loads, no wire dicts) and
    validates it in one pass; with it off, botocore parses and the items are converted one by one.
    Both give the same models, bytes and sets included."""
    fast, standard = configs(dynamodb_config)
    ensure_tables(fast, [Blob])
    blobs = [
        Blob(blob_id=f"t{i}", payload=bytes([i, 255]), chunks={b"x", bytes([i])}, amount=i)
        for i in range(3)
    ]
    gateway = create_table_gateway(fast, Blob)
    for blob in blobs:
        gateway.put_item(blob.to_dynamodb_item())

    with deliver_body():
        raw = gateway.client.get_item(TableName=gateway.table_name, Key={"blob_id": {"S": "t1"}})
    assert set(raw) == {BODY, "ResponseMetadata"} and b'"payload"' in raw[BODY]
    assert response_validator(Blob, "Item") is not None  # so no fallback is needed below

    for config in (fast, standard):
        typed = create_table_gateway(config, Blob)
        assert typed.get_item({"blob_id": "t1"}, as_type=Blob) == blobs[1]
        assert typed.get_item({"blob_id": "nope"}, as_type=Blob) is None
        page = typed.scan_page(as_type=Blob)
        assert sorted(page.items, key=lambda b: b.blob_id) == blobs
        assert page.count == 3
