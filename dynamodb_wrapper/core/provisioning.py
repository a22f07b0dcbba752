"""Tables created from each model's ``Meta``: key schema, attribute definitions, GSIs and TTL.

No CreateTable request is written by hand anywhere else in the library.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.client import get_client
from dynamodb_wrapper.core.errors import translate_errors
from dynamodb_wrapper.core.metadata import TableMeta, extract_model_metadata
from dynamodb_wrapper.exceptions import ConfigurationError, TableNotFoundError

__all__ = ["drop_tables", "ensure_tables", "table_definition"]


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def _gsi_definition(meta: TableMeta, name: str) -> dict[str, Any]:
    gsi = meta.gsi(name)
    projection: dict[str, Any] = {"ProjectionType": gsi.projection}
    if gsi.non_key_attributes:
        projection["NonKeyAttributes"] = list(gsi.non_key_attributes)
    return {
        "IndexName": gsi.name,
        "KeySchema": _key_schema(gsi.partition_key, gsi.sort_key),
        "Projection": projection,
    }


def table_definition(meta: TableMeta, table_name: str) -> dict[str, Any]:
    """The CreateTable request for ``meta`` (on-demand billing)."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": _key_schema(meta.partition_key, meta.sort_key),
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in sorted(meta.attribute_types.items())
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if meta.gsis:
        request["GlobalSecondaryIndexes"] = [_gsi_definition(meta, n) for n in meta.gsis]
    return request


def _default_models() -> Sequence[type[BaseModel]]:
    from dynamodb_wrapper.models import DOMAIN_MODELS

    return DOMAIN_MODELS


def _describe(client: Any, table_name: str) -> dict[str, Any] | None:
    try:
        with translate_errors("DescribeTable", table_name):
            table: dict[str, Any] = client.describe_table(TableName=table_name)["Table"]
    except TableNotFoundError:
        return None
    return table


def _wait_active(client: Any, table_name: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        table = _describe(client, table_name)
        if table is not None and table.get("TableStatus") == "ACTIVE":
            indexes = table.get("GlobalSecondaryIndexes", [])
            if all(i.get("IndexStatus") == "ACTIVE" for i in indexes):
                return table
        if time.monotonic() > deadline:
            raise ConfigurationError(f"table {table_name} did not become ACTIVE in {timeout}s")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _check_existing(meta: TableMeta, table: dict[str, Any], client: Any, timeout: float) -> None:
    name = table["TableName"]
    expected = _key_schema(meta.partition_key, meta.sort_key)
    if table.get("KeySchema") != expected:
        raise ConfigurationError(
            f"table {name} exists with key schema {table.get('KeySchema')}, but "
            f"{meta.model_name}.Meta declares {expected}"
        )
    present = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    for index_name, index in present.items():
        if index_name not in meta.gsis:
            continue
        gsi = meta.gsi(index_name)
        wanted = _key_schema(gsi.partition_key, gsi.sort_key)
        if index.get("KeySchema") != wanted:
            raise ConfigurationError(
                f"table {name}: index {index_name} exists with key schema "
                f"{index.get('KeySchema')}, but {meta.model_name}.Meta declares {wanted}"
            )
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    for index_name in meta.gsis:
        if index_name in present:
            continue
        gsi = meta.gsi(index_name)
        definitions = [
            {"AttributeName": attr, "AttributeType": meta.attribute_types[attr]}
            for attr in (gsi.partition_key, gsi.sort_key)
            if attr is not None
        ]
        for definition in definitions:
            known = types.get(definition["AttributeName"])
            if known is not None and known != definition["AttributeType"]:
                raise ConfigurationError(
                    f"table {name}: attribute {definition['AttributeName']} is {known}, "
                    f"but {meta.model_name}.Meta needs {definition['AttributeType']}"
                )
        # One index creation per UpdateTable call (a DynamoDB rule).
        with translate_errors("UpdateTable", name):
            client.update_table(
                TableName=name,
                AttributeDefinitions=definitions,
                GlobalSecondaryIndexUpdates=[{"Create": _gsi_definition(meta, index_name)}],
            )
        _wait_active(client, name, timeout)


def _ensure_ttl(meta: TableMeta, client: Any, table_name: str) -> None:
    if meta.ttl_attribute is None:
        return
    with translate_errors("DescribeTimeToLive", table_name):
        status = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if status.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        if status.get("AttributeName") not in (None, meta.ttl_attribute):
            raise ConfigurationError(
                f"table {table_name} has TTL on {status.get('AttributeName')!r}, but "
                f"{meta.model_name}.Meta.ttl_attribute is {meta.ttl_attribute!r}"
            )
        return
    with translate_errors("UpdateTimeToLive", table_name):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": meta.ttl_attribute},
        )


def ensure_tables(
    config: DynamoDBConfig,
    models: Iterable[type[BaseModel]] | None = None,
    *,
    timeout: float = 120.0,
) -> None:
    """Create every missing table (and missing GSI / TTL) from the models' ``Meta``; idempotent.

    Args:
        config: Connection and naming settings.
        models: Models to provision; defaults to the library's three domain models.
        timeout: Seconds to wait for each table to become ACTIVE.

    Raises:
        ConfigurationError: A table exists with a different key schema, or never became ACTIVE.
    """
    client = get_client(config)
    for model in _default_models() if models is None else models:
        meta = extract_model_metadata(model)
        table_name = config.get_table_name(meta.table_name)
        table = _describe(client, table_name)
        if table is None:
            try:
                with translate_errors("CreateTable", table_name):
                    client.create_table(**table_definition(meta, table_name))
            except ConfigurationError:
                raise
            except Exception as exc:
                # Another process created it between describe and create: check it like any
                # existing table (it may come from another version of the model).
                if getattr(exc, "error_code", None) != "ResourceInUseException":
                    raise
                table = _wait_active(client, table_name, timeout)
                _check_existing(meta, table, client, timeout)
            else:
                _wait_active(client, table_name, timeout)
        else:
            table = _wait_active(client, table_name, timeout)
            _check_existing(meta, table, client, timeout)
        _ensure_ttl(meta, client, table_name)


def drop_tables(
    config: DynamoDBConfig,
    models: Iterable[type[BaseModel]] | None = None,
    *,
    timeout: float = 120.0,
) -> None:
    """Delete the models' tables if they exist (for tests and local set-ups) and wait."""
    client = get_client(config)
    for model in _default_models() if models is None else models:
        table_name = config.get_table_name(extract_model_metadata(model).table_name)
        try:
            with translate_errors("DeleteTable", table_name):
                client.delete_table(TableName=table_name)
        except TableNotFoundError:
            continue
        deadline = time.monotonic() + timeout
        while _describe(client, table_name) is not None:
            if time.monotonic() > deadline:
                raise ConfigurationError(f"table {table_name} was not deleted in {timeout}s")
            time.sleep(0.05)
