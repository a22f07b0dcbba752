"""``dynamodb-wrapper runs …`` against DynamoDB Local, including bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dynamodb_wrapper import DynamoDBConfig, PipelineRunLogsWriteApi

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(tables: Any) -> Any:
    tables.ok(
        "pipelines", "create", "orders", "--name", "Orders", "--source-type", "s3",
        "--destination-type", "warehouse", "--env", "prod", "--version", "2.1.0",
    )  # fmt: skip
    return tables


def test_start_finish_show(pipeline: Any) -> None:
    run_id = pipeline.ok("runs", "start", "orders", "--trigger", "schedule").stdout.strip()
    assert run_id.startswith("run-")

    shown = pipeline.json("runs", "show", run_id, tz="Asia/Kolkata")
    assert shown["status"] == "running"
    assert shown["trigger_type"] == "schedule"
    assert shown["environment"] == "prod" and shown["pipeline_version"] == "2.1.0"
    assert shown["start_time"].endswith("+05:30")

    finished = pipeline.json(
        "runs", "finish", run_id, "--status", "failed", "--error", "disk full",
        "--records", "120", "--failed-records", "3",
    )  # fmt: skip
    assert finished["status"] == "failed"
    assert finished["error_message"] == "disk full"
    assert finished["total_records_processed"] == 120
    assert finished["duration_seconds"] >= 0

    human = pipeline.ok("runs", "show", run_id).stdout
    assert "disk full" in human and "failed" in human

    # a finished run cannot finish again: the write's condition refuses it
    line = pipeline.fails("runs", "finish", run_id, "--status", "success")
    assert "failed" in line and "allowed only from" in line
    # not a terminal status
    other = pipeline.ok("runs", "start", "orders", "--run-id", "run-manual-1").stdout.strip()
    assert other == "run-manual-1"
    assert "terminal" in pipeline.fails("runs", "finish", other, "--status", "pending")
    finished = pipeline.ok("runs", "finish", other, "--status", "success").stdout
    assert "finished: success" in finished
    # the id is taken now
    assert "already exists" in pipeline.fails("runs", "start", "orders", "--run-id", "run-manual-1")


def _seed_runs(config: DynamoDBConfig) -> datetime:
    """Ten runs of 'orders' an hour apart (the newest two hours ago), every 3rd failed."""
    writer = PipelineRunLogsWriteApi(config)
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(10):
        start = now - timedelta(hours=2 + i)
        run = writer.start_pipeline_run("orders", run_id=f"run-{i:02d}", start_time=start)
        writer.finish_pipeline_run(
            run.run_id,
            "failed" if i % 3 == 0 else "success",
            error_message="boom" if i % 3 == 0 else None,
            end_time=start + timedelta(minutes=10 + i),
            total_records_processed=100,
        )
    writer.start_pipeline_run("other", run_id="run-other", start_time=now - timedelta(hours=1))
    return now


def test_list_filters_paging_and_time_zones(pipeline: Any, dynamodb_config: Any) -> None:
    now = _seed_runs(dynamodb_config)
    page = pipeline.json("runs", "list", "--pipeline", "orders", "--limit", "4")
    assert [r["run_id"] for r in page["items"]] == ["run-00", "run-01", "run-02", "run-03"]
    page2 = pipeline.json(
        "runs", "list", "--pipeline", "orders", "--limit", "4", "--next-token", page["next_token"]
    )
    assert [r["run_id"] for r in page2["items"]] == ["run-04", "run-05", "run-06", "run-07"]
    everything = pipeline.json("runs", "list", "--pipeline", "orders", "--all", "--limit", "3")
    assert len(everything["items"]) == 10

    failed = pipeline.json("runs", "list", "--pipeline", "orders", "--status", "failed")
    assert [r["run_id"] for r in failed["items"]] == ["run-00", "run-03", "run-06", "run-09"]
    by_status = pipeline.json("runs", "list", "--status", "running", "--all")
    assert [r["run_id"] for r in by_status["items"]] == ["run-other"]

    since = (now - timedelta(hours=4, minutes=30)).astimezone(UTC).isoformat()
    recent = pipeline.json("runs", "list", "--pipeline", "orders", "--since", since)
    assert [r["run_id"] for r in recent["items"]] == ["run-00", "run-01", "run-02"]
    until = (now - timedelta(hours=9, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = pipeline.json("runs", "list", "--status", "failed", "--until", until)
    assert [r["run_id"] for r in old["items"]] == ["run-09"]
    # --since in another zone means the same instant
    tokyo = (now - timedelta(hours=4, minutes=30)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Tokyo")
    )
    same = pipeline.json("runs", "list", "--pipeline", "orders", "--since", tokyo.isoformat())
    assert [r["run_id"] for r in same["items"]] == ["run-00", "run-01", "run-02"]

    listed = pipeline.json("runs", "list", "--pipeline", "orders", "--limit", "1", tz="Asia/Tokyo")
    assert listed["items"][0]["start_time"].endswith("+09:00")
    human = pipeline.ok("runs", "list", "--pipeline", "orders", tz="Asia/Tokyo").stdout
    assert "JST" in human and "boom" in human and "10m 00s" in human


def test_stats(pipeline: Any, dynamodb_config: Any) -> None:
    now = _seed_runs(dynamodb_config)
    stats = pipeline.json("runs", "stats", "orders")
    assert stats["total_runs"] == 10
    assert stats["by_status"] == {"success": 6, "failed": 4}
    assert stats["success_rate"] == pytest.approx(0.6)
    assert stats["duration_p95"] == pytest.approx(19 * 60)
    assert stats["total_records_processed"] == 1000
    since = (now - timedelta(hours=4, minutes=30)).isoformat()
    recent = pipeline.json("runs", "stats", "orders", "--since", since)
    assert recent["total_runs"] == 3
    human = pipeline.ok("runs", "stats", "orders").stdout
    assert "60.0%" in human and "19m 00s" in human


def test_bad_input(pipeline: Any) -> None:
    assert "pipeline 'ghost' does not exist" in pipeline.fails("runs", "start", "ghost")
    assert "pipeline 'ghost' does not exist" in pipeline.fails("runs", "stats", "ghost")
    assert "does not exist" in pipeline.fails("runs", "show", "run-ghost")
    assert "does not exist" in pipeline.fails("runs", "finish", "run-ghost", "--status", "success")
    assert "invalid run id 'not a valid id'" in pipeline.fails("runs", "show", "not a valid id")
    assert "invalid --pipeline 'a b'" in pipeline.fails("runs", "list", "--pipeline", "a b")
    line = pipeline.fails(
        "runs", "list", "--pipeline", "orders", "--since", "2024-05-01T08:00:00", code=2
    )
    assert "--since" in line and "no UTC offset" in line
    line = pipeline.fails("runs", "stats", "orders", "--until", "yesterday", code=2)
    assert "not an ISO-8601 datetime" in line
    assert "--pipeline" in pipeline.fails("runs", "list", code=2)
    assert pipeline("runs", "list", "--status", "exploded").exit_code == 2
    assert pipeline("runs", "start", "orders", "--trigger", "cosmic-ray").exit_code == 2
    assert "Nowhere/City" in pipeline.fails(
        "runs", "list", "--status", "failed", tz="Nowhere/City", code=2
    )
