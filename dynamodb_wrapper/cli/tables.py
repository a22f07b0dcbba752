"""``dynamodb-wrapper tables …``: create, describe and drop the physical tables (from Meta)."""

from __future__ import annotations

from typing import Annotated, Any

import botocore.exceptions
import typer

from dynamodb_wrapper import (
    DOMAIN_MODELS,
    DynamoDBConfig,
    drop_tables,
    ensure_tables,
    extract_model_metadata,
)
from dynamodb_wrapper.cli.context import CliError
from dynamodb_wrapper.cli.options import output
from dynamodb_wrapper.cli.render import Column, Output
from dynamodb_wrapper.core.client import get_client

__all__ = ["app", "describe_tables"]

app = typer.Typer(
    help="The three DynamoDB tables, provisioned from the models' Meta.",
    no_args_is_help=True,
)


def _index_label(index: dict[str, Any]) -> str:
    label = f"{index['name']}({' + '.join(index['key'])})"
    if index["status"] not in (None, "ACTIVE"):
        label += f" {index['status']}"
    return label


COLUMNS = [
    Column("table", lambda t: t["table"]),
    Column("model", lambda t: t["model"]),
    Column("status", lambda t: t["status"]),
    Column("items", lambda t: t.get("item_count"), justify="right"),
    Column("key", lambda t: " + ".join(t["key"])),
    Column("indexes", lambda t: ", ".join(_index_label(i) for i in t["indexes"])),
    Column("ttl", lambda t: t.get("ttl_attribute")),
]


def describe_tables(config: DynamoDBConfig) -> list[dict[str, Any]]:
    """What DescribeTable says about each domain table (``status`` MISSING when absent)."""
    client = get_client(config)
    described = []
    for model in DOMAIN_MODELS:
        meta = extract_model_metadata(model)
        name = config.get_table_name(meta.table_name)
        try:
            table = client.describe_table(TableName=name)["Table"]
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise CliError(f"cannot describe table {name}: {exc}") from exc
            table = None
        except botocore.exceptions.BotoCoreError as exc:
            raise CliError(f"cannot describe table {name}: {exc}") from exc
        key = [a for a in (meta.partition_key, meta.sort_key) if a is not None]
        entry: dict[str, Any] = {
            "table": name,
            "model": model.__name__,
            "status": "MISSING" if table is None else table.get("TableStatus"),
            "key": key,
            "indexes": [
                {
                    "name": gsi,
                    "key": [
                        a
                        for a in (meta.gsi(gsi).partition_key, meta.gsi(gsi).sort_key)
                        if a is not None
                    ],
                    "status": None,
                }
                for gsi in meta.gsis
            ],
            "ttl_attribute": meta.ttl_attribute,
        }
        if table is not None:
            entry["item_count"] = table.get("ItemCount")
            entry["size_bytes"] = table.get("TableSizeBytes")
            entry["created_at"] = table.get("CreationDateTime")
            entry["billing_mode"] = table.get("BillingModeSummary", {}).get("BillingMode")
            present = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
            for index in entry["indexes"]:
                found = present.get(index["name"])
                index["status"] = "MISSING" if found is None else found.get("IndexStatus")
        described.append(entry)
    return described


def _print(out: Output, tables: list[dict[str, Any]], title: str) -> None:
    if out.json_mode:
        out.json({"tables": tables})
    else:
        out.table(tables, COLUMNS, title=title)


@app.command("create")
def create(ctx: typer.Context) -> None:
    """Create the missing tables, indexes and TTL (idempotent)."""
    state, out = output(ctx)
    with out.err.status("creating tables…"):
        ensure_tables(state.config)
    _print(out, describe_tables(state.config), "tables")


@app.command("describe")
def describe(ctx: typer.Context) -> None:
    """Show each table: status, item count, keys, indexes, TTL."""
    state, out = output(ctx)
    _print(out, describe_tables(state.config), "tables")


@app.command("drop")
def drop(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the three tables and everything in them."""
    state, out = output(ctx)
    names = [
        state.config.get_table_name(extract_model_metadata(m).table_name) for m in DOMAIN_MODELS
    ]
    if not yes:
        typer.confirm(f"Delete {', '.join(names)} and all their items?", abort=True, err=True)
    with out.err.status("dropping tables…"):
        drop_tables(state.config)
    if out.json_mode:
        out.json({"dropped": names})
    else:
        out.print(f"dropped {', '.join(names)}")
