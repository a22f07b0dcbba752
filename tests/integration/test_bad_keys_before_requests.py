"""Malformed ids and keys are refused with a typed error before any request, on every API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamodb_wrapper import (
    DynamoDBConfig,
    PipelineConfigReadApi,
    PipelineConfigWriteApi,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    TableConfigReadApi,
    TableConfigWriteApi,
    ValidationError,
    ensure_tables,
)
from dynamodb_wrapper.core.client import get_client

pytestmark = pytest.mark.integration

BAD_IDS = ["", "has space", "slash/inside", "x" * 256, "new\nline", "ünïcode", "semi;colon"]

CALLS: dict[str, Callable[[DynamoDBConfig, str], Any]] = {
    "pipeline get_by_id": lambda c, i: PipelineConfigReadApi(c).get_by_id(i),
    "pipeline get_many": lambda c, i: PipelineConfigReadApi(c).get_many(["ok", i]),
    "pipeline update": lambda c, i: PipelineConfigWriteApi(c).update_pipeline(i, {"version": "2"}),
    "pipeline delete": lambda c, i: PipelineConfigWriteApi(c).delete_pipeline(i),
    "table get_by_id": lambda c, i: TableConfigReadApi(c).get_by_id(i),
    "tables of pipeline": lambda c, i: TableConfigReadApi(c).query_by_pipeline(i),
    "table count": lambda c, i: TableConfigReadApi(c).count_tables_by_pipeline(i),
    "table delete": lambda c, i: TableConfigWriteApi(c).delete_table(i),
    "run get_by_id": lambda c, i: PipelineRunLogsReadApi(c).get_by_id(i),
    "runs of pipeline": lambda c, i: PipelineRunLogsReadApi(c).query_by_pipeline(i),
    "run heartbeat": lambda c, i: PipelineRunLogsWriteApi(c).heartbeat(i),
    "run finish": lambda c, i: PipelineRunLogsWriteApi(c).finish_pipeline_run(i, "success"),
}


@pytest.fixture(scope="module")
def config(dynamodb_local_endpoint: str) -> DynamoDBConfig:
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix="badkeys",
    )
    ensure_tables(config)
    return config


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_malformed_ids_are_refused_before_any_request(
    config: DynamoDBConfig, faults: Any, call: str, bad: str
) -> None:
    sent: list[str] = []
    faults.on(
        get_client(config),
        "before-send.dynamodb",
        lambda request, **_: sent.append(request.url) and None,
    )
    with pytest.raises(ValidationError) as info:
        CALLS[call](config, bad)
    assert info.value.field in {"pipeline_id", "table_id", "run_id"}
    assert sent == []
