"""``dynamodb-wrapper pipelines …`` against DynamoDB Local, including bad input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def create(cli: Any, pipeline_id: str, *extra: str) -> None:
    cli.ok(
        "pipelines",
        "create",
        pipeline_id,
        "--name",
        f"Pipeline {pipeline_id}",
        "--source-type",
        "s3",
        "--destination-type",
        "warehouse",
        *extra,
    )


def test_create_show_and_json(tables: Any) -> None:
    created = tables.json(
        "pipelines",
        "create",
        "orders-daily",
        "--name",
        "Orders daily",
        "--source-type",
        "s3",
        "--destination-type",
        "warehouse",
        "--schedule",
        "0 2 * * *",
        "--env",
        "prod",
        "--cpu-cores",
        "4",
        "--memory-gb",
        "15.5",
        "--tag",
        "team=data",
        "--tag",
        "tier=gold",
    )
    assert created["pipeline_id"] == "orders-daily"
    assert created["memory_gb"] == 15.5
    assert created["tags"] == {"team": "data", "tier": "gold"}

    shown = tables.json("pipelines", "show", "orders-daily", tz="Asia/Tokyo")
    assert shown["environment"] == "prod"
    assert shown["schedule_expression"] == "0 2 * * *"
    assert shown["is_active"] is True
    updated_at = datetime.fromisoformat(shown["updated_at"])
    assert updated_at.utcoffset() is not None and updated_at.utcoffset().total_seconds() == 9 * 3600

    tables.env["DYNAMODB_USER_TIMEZONE"] = "America/Sao_Paulo"  # the configured zone
    assert tables.json("pipelines", "show", "orders-daily")["created_at"].endswith("-03:00")
    assert tables.json("pipelines", "show", "orders-daily", tz="UTC")["created_at"].endswith(
        "+00:00"
    )

    human = tables.ok("pipelines", "show", "orders-daily", tz="Europe/Paris").stdout
    assert "Orders daily" in human and "0 2 * * *" in human
    assert "CET" in human or "CEST" in human
    assert '"team":"data"' in human and '"tier":"gold"' in human


def test_create_twice_is_a_conflict(tables: Any) -> None:
    create(tables, "p-1")
    line = tables.fails(
        "pipelines", "create", "p-1", "--name", "x", "--source-type", "s3",
        "--destination-type", "db",
    )  # fmt: skip
    assert "already exists" in line


def test_create_from_json_and_yaml_files_flags_win(tables: Any, tmp_path: Path) -> None:
    spec = {
        "pipeline_id": "from-json",
        "pipeline_name": "From a file",
        "source_type": "kafka",
        "destination_type": "delta",
        "source_config": {"topic": "orders", "partitions": 12},
        "environment": "staging",
    }
    json_file = tmp_path / "p.json"
    json_file.write_text(json.dumps(spec))
    created = tables.json("pipelines", "create", "--file", str(json_file), "--name", "Flag name")
    assert created["pipeline_name"] == "Flag name"
    assert created["source_config"] == {"topic": "orders", "partitions": 12}
    assert created["environment"] == "staging"

    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text(
        "pipeline_id: from-yaml\npipeline_name: YAML pipeline\nsource_type: api\n"
        "destination_type: s3\nschedule_expression: '*/15 * * * *'\ntags:\n  team: ops\n"
    )
    created = tables.json("pipelines", "create", "--file", str(yaml_file), "--tag", "tier=b")
    assert created["pipeline_id"] == "from-yaml"
    assert created["tags"] == {"team": "ops", "tier": "b"}


def test_list_paging_and_filters(tables: Any) -> None:
    for i in range(5):
        create(tables, f"p-{i}", "--env", "prod" if i % 2 else "dev")
    tables.ok("pipelines", "deactivate", "p-4")

    page1 = tables.json("pipelines", "list", "--limit", "2")
    assert len(page1["items"]) == 2 and page1["next_token"]
    page2 = tables.json("pipelines", "list", "--limit", "2", "--next-token", page1["next_token"])
    page3 = tables.json("pipelines", "list", "--limit", "2", "--next-token", page2["next_token"])
    ids = [p["pipeline_id"] for page in (page1, page2, page3) for p in page["items"]]
    assert sorted(ids) == [f"p-{i}" for i in range(5)]
    assert page3["next_token"] is None

    everything = tables.json("pipelines", "list", "--all", "--limit", "1")
    assert sorted(p["pipeline_id"] for p in everything["items"]) == sorted(ids)
    assert everything["next_token"] is None

    active = tables.json("pipelines", "list", "--active", "--all")
    assert sorted(p["pipeline_id"] for p in active["items"]) == ["p-0", "p-1", "p-2", "p-3"]
    inactive = tables.json("pipelines", "list", "--inactive")
    assert [p["pipeline_id"] for p in inactive["items"]] == ["p-4"]
    inactive_all = tables.json("pipelines", "list", "--inactive", "--all")
    assert [p["pipeline_id"] for p in inactive_all["items"]] == ["p-4"]
    prod = tables.json("pipelines", "list", "--env", "prod", "--all")
    assert sorted(p["pipeline_id"] for p in prod["items"]) == ["p-1", "p-3"]

    # global options may also follow the command
    after = tables.ok("pipelines", "list", "--limit", "2", "--json", "--tz", "Asia/Tokyo")
    assert json.loads(after.stdout)["items"][0]["created_at"].endswith("+09:00")

    human = tables.ok("pipelines", "list", "--limit", "3").stdout
    assert "more: --next-token " in human
    assert "s3 → warehouse" in human
    token = human.split("more: --next-token ", 1)[1].split()[0]
    rest = tables.json("pipelines", "list", "--limit", "3", "--next-token", token)
    assert len(rest["items"]) == 2


def test_update_activate_deactivate_delete(tables: Any, tmp_path: Path) -> None:
    create(tables, "p-1")
    create(tables, "p-2")
    updated = tables.json(
        "pipelines", "update", "p-1", "--set", "cpu_cores=8", "--set", "description=nightly",
        "--set", 'tags={"team": "x"}',
    )  # fmt: skip
    assert updated["cpu_cores"] == 8
    assert updated["description"] == "nightly"
    assert updated["tags"] == {"team": "x"}

    changes = tmp_path / "changes.yaml"
    changes.write_text("description: from file\nversion: 2.0.0\n")
    updated = tables.json(
        "pipelines", "update", "p-1", "--file", str(changes), "--set", "description=flag"
    )
    assert updated["description"] == "flag" and updated["version"] == "2.0.0"
    removed = tables.json("pipelines", "update", "p-1", "--set", "description=null")
    assert "description" not in removed

    assert tables.json("pipelines", "deactivate", "p-1", "p-2") == {"deactivated": ["p-1", "p-2"]}
    assert tables.json("pipelines", "list", "--active")["items"] == []
    assert "activated 1 pipeline(s): p-2" in tables.ok("pipelines", "activate", "p-2").stdout
    assert [p["pipeline_id"] for p in tables.json("pipelines", "list", "--active")["items"]] == [
        "p-2"
    ]

    assert "deleted pipeline" in tables.ok("pipelines", "delete", "p-1").stdout
    line = tables.fails("pipelines", "show", "p-1")
    assert line == "error: pipeline 'p-1' does not exist"


def test_bad_input(tables: Any, tmp_path: Path) -> None:
    # unknown pipeline: one error line, exit 1, no traceback
    assert "does not exist" in tables.fails("pipelines", "update", "ghost", "--set", "cpu_cores=2")
    assert "does not exist" in tables.fails("pipelines", "delete", "ghost")
    assert "does not exist" in tables.fails("pipelines", "activate", "ghost")
    assert "invalid pipeline id 'a/b'" in tables.fails("pipelines", "deactivate", "ok", "a/b")
    # invalid id and invalid values: the DTO's rules
    line = tables.fails(
        "pipelines", "create", "bad id!", "--name", "x", "--source-type", "s3",
        "--destination-type", "db",
    )  # fmt: skip
    assert "pipeline_id" in line
    line = tables.fails(
        "pipelines", "create", "p-1", "--name", "x", "--source-type", "s3",
        "--destination-type", "db", "--schedule", "every day",
    )  # fmt: skip
    assert "schedule_expression" in line
    assert "pipeline_name" in tables.fails("pipelines", "create", "p-2", "--source-type", "s3")
    create(tables, "p-3")
    assert "cpu_cores" in tables.fails("pipelines", "update", "p-3", "--set", "cpu_cores=-1")
    assert "unknown field" in tables.fails("pipelines", "update", "p-3", "--set", "colour=red")
    # usage errors exit 2
    assert "KEY=VALUE" in tables.fails("pipelines", "update", "p-3", "--set", "novalue", code=2)
    assert "nothing to change" in tables.fails("pipelines", "update", "p-3", code=2)
    assert "Mars/Olympus" in tables.fails("pipelines", "list", tz="Mars/Olympus", code=2)
    assert "cannot be combined" in tables.fails(
        "pipelines", "list", "--active", "--env", "dev", code=2
    )
    assert "cannot be combined" in tables.fails(
        "pipelines", "list", "--all", "--next-token", "abc", code=2
    )
    # a forged token is refused by the library
    assert "token" in tables.fails("pipelines", "list", "--next-token", "not-a-token")
    # malformed files
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"pipeline_id": "x",')
    line = tables.fails("pipelines", "create", "--file", str(broken_json))
    assert "invalid JSON at line 1" in line
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("pipeline_id: [unclosed\n")
    assert "invalid YAML" in tables.fails("pipelines", "create", "--file", str(broken_yaml))
    a_list = tmp_path / "list.json"
    a_list.write_text("[1, 2]")
    assert "expected one object" in tables.fails("pipelines", "create", "--file", str(a_list))
    missing = tmp_path / "missing.json"
    assert "cannot read" in tables.fails("pipelines", "create", "--file", str(missing))
    # unknown option values are the toolkit's usage errors
    assert tables("pipelines", "list", "--env", "moon").exit_code == 2


def test_verbose_shows_the_cause(tables: Any) -> None:
    result = tables(
        "pipelines", "create", "p-1", "--name", "x", "--source-type", "s3",
        "--destination-type", "db",
    )  # fmt: skip
    assert result.exit_code == 0
    result = tables(
        "pipelines", "create", "p-1", "--name", "x", "--source-type", "s3",
        "--destination-type", "db",
        global_args=[*tables.global_args(), "--verbose"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "PipelineConfigAlreadyExistsError" in lines[0]
    assert any("caused by" in line and "ConditionalCheckFailed" in line for line in lines[1:])


def test_missing_tables_are_a_clear_error(cli: Any) -> None:
    line = cli.fails("pipelines", "list")
    assert f"table {cli.table_prefix}_test_pipeline_config does not exist" in line
    assert "dynamodb-wrapper tables create" in line
