"""``tables``, ``local`` and ``demo`` commands against DynamoDB Local."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_tables_create_describe_drop(cli: Any) -> None:
    described = cli.json("tables", "describe")["tables"]
    assert [t["status"] for t in described] == ["MISSING"] * 3

    created = cli.json("tables", "create")["tables"]
    prefix = f"{cli.table_prefix}_test_"
    assert [t["table"] for t in created] == [
        f"{prefix}pipeline_config",
        f"{prefix}table_config",
        f"{prefix}pipeline_run_logs",
    ]
    assert all(t["status"] == "ACTIVE" for t in created)
    runs = created[2]
    assert runs["key"] == ["run_id"] and runs["ttl_attribute"] == "expires_at"
    assert {i["name"]: i["status"] for i in runs["indexes"]} == {
        "PipelineRunsIndex": "ACTIVE",
        "StatusRunsIndex": "ACTIVE",
    }
    assert cli.json("tables", "create")["tables"] == created  # idempotent

    human = cli.ok("tables", "describe").stdout
    assert "ActivePipelinesIndex(is_active + updated_at)" in human and "ACTIVE" in human

    aborted = cli("tables", "drop", input="n\n")
    assert aborted.exit_code == 1 and "Aborted" in aborted.output
    assert all(t["status"] == "ACTIVE" for t in cli.json("tables", "describe")["tables"])
    dropped = cli.ok("tables", "drop", input="y\n")
    assert "dropped" in dropped.stdout
    assert [t["status"] for t in cli.json("tables", "describe")["tables"]] == ["MISSING"] * 3


def test_bad_global_options(cli: Any) -> None:
    assert "table_prefix" in cli.fails(
        "tables", "describe", global_args=["--endpoint-url", str(cli.endpoint_url),
                                           "--table-prefix", "bad prefix!"],
    )  # fmt: skip
    assert "endpoint_url" in cli.fails(
        "tables", "describe", global_args=["--endpoint-url", "ftp://nowhere"]
    )
    line = cli.fails(
        "tables",
        "describe",
        global_args=["--endpoint-url", "http://127.0.0.1:9", "--table-prefix", "x"],
    )
    assert "127.0.0.1:9" in line
    line = cli.fails(
        "tables", "describe", global_args=["--endpoint-url", str(cli.endpoint_url),
                                           "--region", "bad region"], code=2,
    )  # fmt: skip
    assert "invalid region 'bad region'" in line


def test_local_start_status_stop(isolated_local: Path, make_cli: Any) -> None:
    cli = make_cli(None, f"t{uuid.uuid4().hex[:12]}", {})
    assert cli.json("local", "status") == {"running": False}
    assert "is not running" in cli.ok("local", "status").stdout

    started = cli.json("local", "start")
    assert started["running"] is True and started["already_running"] is False
    endpoint = started["endpoint_url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint)
    again = cli.ok("local", "start").stdout
    assert "already running" in again and f"export DYNAMODB_ENDPOINT_URL={endpoint}" in again
    status = cli.json("local", "status")
    assert status["endpoint_url"] == endpoint and status["pid"] == started["pid"]

    # with no endpoint configured, other commands use the background server
    created = cli.json("tables", "create")["tables"]
    assert all(t["status"] == "ACTIVE" for t in created)
    cli.ok("pipelines", "create", "bg", "--name", "Background", "--source-type", "s3",
           "--destination-type", "db")  # fmt: skip
    listed = cli.json("pipelines", "list")["items"]
    assert [p["pipeline_id"] for p in listed] == ["bg"]

    other_port = int(endpoint.rsplit(":", 1)[1]) + 1
    line = cli.fails("local", "start", "--port", str(other_port))
    assert "already running" in line

    assert cli.json("local", "stop") == {"stopped": True}
    assert "was not running" in cli.ok("local", "stop").stdout
    assert cli.json("local", "status") == {"running": False}


def test_demo_starts_its_own_dynamodb_local(isolated_local: Path, make_cli: Any) -> None:
    cli = make_cli(None, "unused", {})
    result = cli.ok("demo", "--days", "2", "--tz", "Europe/Paris", global_args=[])
    out = result.stdout
    for section in (
        "Active pipelines (17)",
        "Runs in the last 24 h",
        "Recent failures",
        "Success rate and p95 duration per pipeline (last 2 days)",
    ):
        assert section in out
    assert re.search(r"\d+\.\d%", out), "no success-rate figure"
    assert "times in Europe/Paris" in out and re.search(r" CES?T ", out)
    assert "DynamoDB Local started for this demo" in result.stderr
    assert "loaded 20 pipelines, 60 table configs and" in result.stderr


def test_demo_json_on_a_configured_endpoint(cli: Any) -> None:
    report = cli.json("demo", "--days", "2", "--seed", "11", tz="Asia/Tokyo")
    assert report["loaded"]["pipelines"] == 20 and report["loaded"]["table_configs"] == 60
    assert report["table_prefix"] == cli.table_prefix
    assert report["time_zone"] == "Asia/Tokyo"
    assert len(report["active_pipelines"]) == 17
    assert {p["environment"] for p in report["active_pipelines"]} == {"dev", "staging", "prod"}
    assert report["running"], "a few runs are still going"
    assert all(r["status"] == "failed" and r["error_message"]
               for r in report["recent_failures"]["runs"])  # fmt: skip
    assert datetime.fromisoformat(report["now"]).utcoffset().total_seconds() == 9 * 3600
    rates = [s["success_rate"] for s in report["statistics"]]
    assert all(r is None or 0 <= r <= 1 for r in rates) and min(r for r in rates if r) < 1
    assert all(s["duration_p95"] >= s["duration_p50"] for s in report["statistics"])
    total_runs = sum(row["runs"] for row in report["runs_last_24h"])
    assert total_runs > 50

    # same seed again: the same items are replaced, nothing is added
    again = cli.json("demo", "--days", "2", "--seed", "11")
    assert again["loaded"] == report["loaded"]
    exported = cli.ok("export", "runs").stdout.splitlines()
    assert len(exported) == report["loaded"]["runs"]
    assert json.loads(exported[0])["run_id"].startswith("run-")


def test_demo_bad_options(cli: Any) -> None:
    assert cli("demo", "--days", "0").exit_code == 2
    assert "Moon/Base" in cli.fails("demo", "--tz", "Moon/Base", code=2)


def test_console_entry_point(cli: Any) -> None:
    """``main()`` as the console script runs it: real exit codes, one line on stderr."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in cli.env}
    command = [sys.executable, "-m", "dynamodb_wrapper.cli", *cli.global_args()]
    done = subprocess.run(
        [*command, "pipelines", "show", "p-1"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: table {cli.table_prefix}_test_pipeline_config does not exist; "
        "create the tables with `dynamodb-wrapper tables create`"
    )
    done = subprocess.run([*command, "tables", "describe", "--json"], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout)["tables"]
    done = subprocess.run([*command, "pipelines", "list", "--limit", "0"], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "--limit" in done.stderr
