"""The benchmark harness never rots: ``python -m bench --smoke`` runs every workload with tiny
sizes against the session's DynamoDB Local and produces its report. No timing is asserted."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ["put", "get", "query", "bulk", "encode", "decode", "page", "import", "iterate"]


def test_bench_smoke(dynamodb_local_endpoint: str, tmp_path: Path) -> None:
    has_pynamodb = importlib.util.find_spec("pynamodb") is not None
    env = {**os.environ, "DYNAMODB_ENDPOINT_URL": dynamodb_local_endpoint}
    env.pop("DYNAMODB_TABLE_PREFIX", None)
    args = [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)]
    if not has_pynamodb:
        args.append("--no-pynamodb")
    proc = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]

    markdown = (tmp_path / "latest.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    contenders = ["dynamodb_wrapper", "raw botocore", "boto3 Table"]
    if has_pynamodb:
        contenders.append("PynamoDB 6.1")

    assert list(data["workloads"]) == WORKLOADS
    for key, workload in data["workloads"].items():
        expected = [*contenders, *(["import boto3, pydantic"] if key == "import" else [])]
        assert set(workload["contenders"]) == set(expected), key
        for name, result in workload["contenders"].items():
            # Every contender ran every round, and its correctness checks passed.
            assert result["error"] is None, (key, name, result["error"])
            assert result["problems"] == [], (key, name, result["problems"])
            assert result["ok"], (key, name)
            assert len(result["walls"]) == workload["rounds"] >= 1, (key, name)
            assert f"| {name} |" in markdown, (key, name)
        assert workload["title"] in markdown

    # One line per target in the report, each with a verdict (met or not: no timing asserts).
    labels = [t["label"] for t in data["targets"]]
    assert len(labels) == 12
    for label in labels:
        assert f"| {label} |" in markdown
    assert "Correctness checks: all passed." in markdown
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "latest.png").stat().st_size > 1000
    assert (tmp_path / "README-section.md").read_text(encoding="utf-8").startswith("## Benchmark")
