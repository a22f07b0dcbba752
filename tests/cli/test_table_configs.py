"""``dynamodb-wrapper tables-config …`` against DynamoDB Local, including bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def create(cli: Any, table_id: str, pipeline: str, table_type: str, data_format: str) -> None:
    cli.ok(
        "tables-config",
        "create",
        table_id,
        "--pipeline",
        pipeline,
        "--name",
        table_id.replace("-", "_"),
        "--type",
        table_type,
        "--format",
        data_format,
        "--location",
        f"s3://bucket/{table_id}/",
    )


@pytest.fixture
def loaded(tables: Any) -> Any:
    create(tables, "orders-raw", "orders", "source", "json")
    create(tables, "orders-clean", "orders", "destination", "delta")
    create(tables, "orders-codes", "orders", "lookup", "csv")
    create(tables, "users-raw", "users", "source", "parquet")
    create(tables, "users-out", "users", "destination", "parquet")
    return tables


def test_create_and_show(tables: Any, tmp_path: Path) -> None:
    created = tables.json(
        "tables-config", "create", "t-1", "--pipeline", "p-1", "--name", "events",
        "--type", "source", "--format", "parquet", "--location", "s3://raw/events/",
        "--partition-column", "event_date", "--partition-column", "region",
        "--primary-key-column", "event_id", "--retention-days", "90",
        "--archive-after-days", "30", "--tag", "domain=web",
    )  # fmt: skip
    assert created["partition_columns"] == ["event_date", "region"]
    assert created["retention_days"] == 90 and created["archive_after_days"] == 30

    spec = tmp_path / "t.yaml"
    spec.write_text(
        "table_id: t-2\npipeline_id: p-1\ntable_name: lookup\ntable_type: lookup\n"
        "data_format: csv\nlocation: /mnt/ref/codes.csv\ncaching_enabled: true\n"
        "cache_level: memory_only\nschema_definition:\n  columns: [code, label]\n"
    )
    created = tables.json("tables-config", "create", "--file", str(spec), "--name", "codes")
    assert created["table_name"] == "codes"
    assert created["cache_level"] == "MEMORY_ONLY"
    assert created["schema_definition"] == {"columns": ["code", "label"]}

    shown = tables.json("tables-config", "show", "t-1", tz="America/New_York")
    assert shown["location"] == "s3://raw/events/"
    assert shown["created_at"].endswith(("-05:00", "-04:00"))
    human = tables.ok("tables-config", "show", "t-2").stdout
    assert "/mnt/ref/codes.csv" in human and "MEMORY_ONLY" in human


def test_list_filters_and_paging(loaded: Any) -> None:
    def ids(*args: str) -> list[str]:
        return sorted(t["table_id"] for t in loaded.json("tables-config", "list", *args)["items"])

    assert ids("--all") == [
        "orders-clean", "orders-codes", "orders-raw", "users-out", "users-raw",
    ]  # fmt: skip
    assert ids("--pipeline", "orders") == ["orders-clean", "orders-codes", "orders-raw"]
    assert ids("--pipeline", "orders", "--type", "lookup") == ["orders-codes"]
    assert ids("--type", "source", "--all") == ["orders-raw", "users-raw"]
    assert ids("--format", "parquet") == ["users-out", "users-raw"]

    first = loaded.json("tables-config", "list", "--pipeline", "orders", "--limit", "2")
    assert len(first["items"]) == 2 and first["next_token"]
    rest = loaded.json(
        "tables-config", "list", "--pipeline", "orders", "--limit", "2",
        "--next-token", first["next_token"],
    )  # fmt: skip
    assert len(rest["items"]) == 1 and rest["next_token"] is None
    # a token of another query is refused
    line = loaded.fails("tables-config", "list", "--next-token", first["next_token"])
    assert "token" in line

    loaded.ok("tables-config", "deactivate", "orders-codes")
    assert ids("--pipeline", "orders", "--active-only") == ["orders-clean", "orders-raw"]
    assert ids("--pipeline", "orders", "--active-only", "--all") == ["orders-clean", "orders-raw"]

    human = loaded.ok("tables-config", "list", "--pipeline", "users").stdout
    assert "users-raw" in human and "s3://bucket/users-raw/" in human


def test_update_activate_deactivate_delete(loaded: Any, tmp_path: Path) -> None:
    updated = loaded.json(
        "tables-config", "update", "orders-raw", "--set", "record_count=1200",
        "--set", 'read_options={"multiline": true}', "--set", "description=raw orders",
    )  # fmt: skip
    assert updated["record_count"] == 1200
    assert updated["read_options"] == {"multiline": True}
    changes = tmp_path / "c.json"
    changes.write_text(json.dumps({"retention_days": 30, "archive_after_days": 7}))
    updated = loaded.json("tables-config", "update", "orders-raw", "--file", str(changes))
    assert updated["retention_days"] == 30

    result = loaded.json("tables-config", "deactivate", "--pipeline", "orders")
    assert result == {"deactivated": 3, "pipeline_id": "orders"}
    assert loaded.json("tables-config", "show", "orders-raw")["is_active"] is False
    assert loaded.json("tables-config", "activate", "orders-raw", "orders-codes") == {
        "activated": ["orders-raw", "orders-codes"]
    }
    assert (
        "activated 1 table config(s) of pipeline orders"
        in loaded.ok("tables-config", "activate", "--pipeline", "orders").stdout
    )

    assert "deleted table config" in loaded.ok("tables-config", "delete", "users-out").stdout
    assert "does not exist" in loaded.fails("tables-config", "show", "users-out")


def test_bad_input(loaded: Any, tmp_path: Path) -> None:
    assert "does not exist" in loaded.fails("tables-config", "show", "ghost")
    assert "does not exist" in loaded.fails("tables-config", "delete", "ghost")
    assert "does not exist" in loaded.fails("tables-config", "activate", "ghost")
    assert "does not exist" in loaded.fails(
        "tables-config", "update", "ghost", "--set", "record_count=1"
    )
    line = loaded.fails(
        "tables-config", "create", "t-x", "--pipeline", "p", "--name", "n", "--type",
        "source", "--format", "csv", "--location", "ftp://nope/x",
    )  # fmt: skip
    assert "location" in line
    assert "table_id" in loaded.fails(
        "tables-config", "create", "bad/id", "--pipeline", "p", "--name", "n", "--type",
        "source", "--format", "csv", "--location", "/data/x",
    )  # fmt: skip
    # cross-field rule against the stored item
    loaded.ok("tables-config", "update", "orders-raw", "--set", "retention_days=10")
    assert "archive_after_days" in loaded.fails(
        "tables-config", "update", "orders-raw", "--set", "archive_after_days=20"
    )
    assert "--pipeline" in loaded.fails("tables-config", "list", "--active-only", code=2)
    assert "not both" in loaded.fails(
        "tables-config", "activate", "orders-raw", "--pipeline", "orders", code=2
    )
    assert "not both" in loaded.fails("tables-config", "deactivate", code=2)
    assert "cannot be combined" in loaded.fails(
        "tables-config", "list", "--format", "csv", "--type", "source", code=2
    )
    assert loaded("tables-config", "list", "--type", "table").exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("table_id: x\n  nested: wrong\n")
    assert "invalid YAML" in loaded.fails("tables-config", "create", "--file", str(bad))
