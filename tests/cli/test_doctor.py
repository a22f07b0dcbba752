"""``dynamodb-wrapper doctor`` against DynamoDB Local: report, --fix, --json and exit codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.integration

CANON = "2024-05-01T10:00:00.000000Z"


def _run(run_id: str, start: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": {"S": run_id},
        "pipeline_id": {"S": "p-1"},
        "status": {"S": "success"},
        "start_time": {"S": start},
        "created_at": {"S": CANON},
        "updated_at": {"S": CANON},
        **extra,
    }


@pytest.fixture
def foreign(tables: Any, raw_client: Any) -> str:
    """Runs from another writer: two with offset times (one in a stage), one unknown attr."""
    name = f"{tables.table_prefix}_test_pipeline_run_logs"
    stages = {"L": [{"M": {"stage_name": {"S": "load"}, "status": {"S": "success"},
                           "start_time": {"S": "2024-05-01T12:05:00+02:00"}}}]}  # fmt: skip
    for item in (
        _run("r-1", "2024-05-01T12:00:00+02:00", retry_count={"S": "2"}),
        _run("r-2", CANON, stages=stages),
        _run("r-3", CANON, legacy={"S": "kept"}),
    ):
        raw_client.put_item(TableName=name, Item=item)
    return name


def test_report_in_json_exits_3_and_fix_then_exits_0(tables: Any, foreign: str) -> None:
    result = tables("doctor", "runs", json_output=True)
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["clean"] is False
    (report,) = data["tables"]
    assert report["table"] == foreign and report["scanned"] == 3 and report["fix"] is False
    counts = {(p["kind"], p["field"]): p["count"] for p in report["problems"]}
    assert counts == {
        ("number_as_string", "retry_count"): 1,
        ("timestamp", "stages[].start_time"): 1,
        ("timestamp", "start_time"): 1,
        ("unknown_attribute", "legacy"): 1,
    }
    stage = next(p for p in report["problems"] if p["field"] == "stages[].start_time")
    assert stage["examples"] == [
        {
            "key": {"run_id": "r-2"},
            "path": "stages[0].start_time",
            "stored": "2024-05-01T12:05:00+02:00",
            "canonical": "2024-05-01T10:05:00.000000Z",
        }
    ]

    fixed = tables("doctor", "runs", "--fix", "--segments", "2", json_output=True)
    assert fixed.exit_code == 0, fixed.output
    (report,) = json.loads(fixed.stdout)["tables"]
    assert (report["fixed_items"], report["fixed_values"], report["remaining"]) == (2, 3, 0)

    again = tables("doctor", "runs", json_output=True)
    assert again.exit_code == 0  # unknown attributes alone do not fail
    (report,) = json.loads(again.stdout)["tables"]
    assert [(p["kind"], p["field"]) for p in report["problems"]] == [
        ("unknown_attribute", "legacy")
    ]


def test_human_output_lists_problems_and_checks_all_tables_by_default(
    tables: Any, foreign: str
) -> None:
    result = tables("doctor")
    assert result.exit_code == 3, result.output
    out = result.stdout
    assert (
        "stages[].start_time" in out
        and "r-2 stages[0].start_time='2024-05-01T12:05:00+02:00'" in out
    )
    assert f"{foreign}: scanned 3 items" in out and "2 not canonical" in out
    assert "run with --fix" in out
    for base in ("pipeline_config", "table_config"):
        assert f"{tables.table_prefix}_test_{base}: scanned 0 items" in out
    assert out.count("no problems found") == 2

    fixed = tables("doctor", "pipeline_run_logs", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed 2 items (3 values), skipped 0 changed meanwhile, 0 not fixable" in fixed.stdout


def test_bad_table_names_options_and_missing_tables(cli: Any, tables: Any) -> None:
    assert "unknown table 'nope'" in tables.fails("doctor", "runs", "nope", code=2)
    assert tables("doctor", "--segments", "0").exit_code == 2
    cli.ok("tables", "drop", "--yes")
    assert "does not exist" in cli.fails("doctor", "pipelines")
