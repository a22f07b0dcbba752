"""``dynamodb-wrapper export|import`` against DynamoDB Local: round trip and bad lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

DOMAINS = {"pipelines": "pipeline_id", "tables-config": "table_id", "runs": "run_id"}
#: Maintained by the library on every write, so not carried over by an import.
STAMPS = ("created_at", "updated_at")


def _read(path: Path, key: str) -> dict[str, dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text().splitlines()]
    return {item[key]: {k: v for k, v in item.items() if k not in STAMPS} for item in items}


def test_export_drop_import_round_trip(tables: Any, tmp_path: Path) -> None:
    loaded = tables.json("demo", "--days", "1", "--seed", "3")["loaded"]
    counts = {
        "pipelines": loaded["pipelines"],
        "tables-config": loaded["table_configs"],
        "runs": loaded["runs"],
    }
    before: dict[str, dict[str, dict[str, Any]]] = {}
    for domain, key in DOMAINS.items():
        path = tmp_path / f"{domain}.jsonl"
        result = tables.ok("export", domain, "--output", str(path))
        assert f"exported {counts[domain]} " in result.stderr
        before[domain] = _read(path, key)
        assert len(before[domain]) == counts[domain]
    sample_run = next(r for r in before["runs"].values() if r["status"] == "failed")
    assert sample_run["start_time"].endswith("+00:00") and sample_run["stages"]
    assert any("memory_gb" in p for p in before["pipelines"].values())

    assert tables.json("tables", "drop", "--yes")["dropped"]
    statuses = {t["status"] for t in tables.json("tables", "describe")["tables"]}
    assert statuses == {"MISSING"}
    tables.ok("tables", "create")

    for domain in DOMAINS:
        result = tables.ok("import", domain, str(tmp_path / f"{domain}.jsonl"))
        assert f"imported {counts[domain]} " in result.stderr
    for domain, key in DOMAINS.items():
        again = tmp_path / f"{domain}-again.jsonl"
        tables.ok("export", domain, "-o", str(again))
        assert _read(again, key) == before[domain]


def test_export_to_stdout_and_import_from_stdin(tables: Any, tmp_path: Path) -> None:
    for i in range(3):
        tables.ok(
            "pipelines", "create", f"p-{i}", "--name", f"P {i}", "--source-type", "s3",
            "--destination-type", "db", "--memory-gb", "0.1",
        )  # fmt: skip
    result = tables.ok("export", "pipelines")
    lines = result.stdout.splitlines()
    assert sorted(json.loads(line)["pipeline_id"] for line in lines) == ["p-0", "p-1", "p-2"]
    assert all(json.loads(line)["memory_gb"] == 0.1 for line in lines)
    assert "exported 3 pipelines" in result.stderr

    tables.ok("tables", "drop", "-y")
    tables.ok("tables", "create")
    imported = tables.json("import", "pipelines", "-", input=result.stdout)
    assert imported == {"imported": 3, "domain": "pipelines", "errors": []}
    assert len(tables.json("pipelines", "list", "--all")["items"]) == 3

    summary = tables.json("export", "pipelines", "-o", str(tmp_path / "p.jsonl"))
    assert summary == {"exported": 3, "domain": "pipelines", "file": str(tmp_path / "p.jsonl")}


def test_import_reports_every_bad_line_and_writes_nothing(tables: Any, tmp_path: Path) -> None:
    good = {"pipeline_id": "p-1", "pipeline_name": "P", "source_type": "s3",
            "destination_type": "db", "created_at": "2024-01-01T00:00:00+00:00"}  # fmt: skip
    lines = [
        json.dumps(good),  # 1
        '{"pipeline_id": "p-2", "pipeline_name": ',  # 2 broken JSON
        "[1, 2, 3]",  # 3 not an object
        json.dumps({**good, "pipeline_id": "p-4", "pipeline_name": None}),  # 4
        json.dumps({**good, "pipeline_id": "bad id", "schedule_expression": "nope"}),  # 5
        "",  # 6 blank: skipped
        json.dumps(good),  # 7 duplicate of line 1
        json.dumps({**good, "pipeline_id": "p-8", "colour": "red"}),  # 8 unknown field
        json.dumps({**good, "pipeline_id": "p-9"}),  # 9 fine
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = tables("import", "pipelines", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("line 2: invalid JSON")
    assert errors[1] == "line 3: expected a JSON object, got list"
    assert errors[2].startswith("line 4: pipeline_name: ")
    assert errors[3].startswith("line 5: pipeline_id: ")
    assert errors[4].startswith("line 5: schedule_expression: ")
    assert errors[5] == "line 7: pipeline_id: 'p-1' repeats line 1"
    assert errors[6].startswith("line 8: colour: ")
    assert errors[-1] == f"error: 6 bad line(s) in {path}; nothing was imported"
    assert tables.json("pipelines", "list", "--all")["items"] == []

    as_json = tables("import", "pipelines", str(path), json_output=True)
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["imported"] == 0
    assert [e["line"] for e in report["errors"]] == [2, 3, 4, 5, 5, 7, 8]
    assert report["errors"][1] == {
        "line": 3,
        "field": None,
        "message": "expected a JSON object, got list",
    }


def test_import_and_export_bad_input(tables: Any, tmp_path: Path) -> None:
    assert "no such file" in tables.fails("import", "runs", str(tmp_path / "missing.jsonl"))
    not_utf8 = tmp_path / "latin1.jsonl"
    not_utf8.write_bytes(b'{"run_id": "caf\xe9"}\n')
    result = tables("import", "runs", str(not_utf8))
    assert result.exit_code == 1 and "line 1: not valid UTF-8" in result.stderr
    assert tables("import", "nothing", str(not_utf8)).exit_code == 2
    line = tables.fails("export", "runs", "-o", str(tmp_path / "no-such-dir" / "runs.jsonl"))
    assert "cannot write" in line
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert "imported 0 runs" in tables.ok("import", "runs", str(empty)).stderr
