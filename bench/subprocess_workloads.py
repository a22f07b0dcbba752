"""Workloads measured in fresh subprocesses: 6. cold import + first client, 7. lazy iteration of
100,000 items with the resident set size sampled (it must stay flat)."""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.data import BASE_TIME
from bench.env import B3, LIB, PYN, RAW, REF, Env
from bench.harness import Contender, Measured, Workload
from dynamodb_wrapper import PipelineRunLog, ensure_tables

__all__ = ["import_workload", "iterate_workload"]

ROOT = Path(__file__).resolve().parent.parent

#: Growth of RSS between 10 % and 100 % of the iteration that still counts as flat.
FLAT_BYTES = 10 * 1024 * 1024


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run_child(args: list[str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"child exited {proc.returncode}: {' | '.join(tail)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _profile_child(args: list[str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "cProfile", "-s", "cumulative", *args],
        cwd=ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = (proc.stdout + proc.stderr).splitlines()
    return "\n".join(lines[:60])


# =========================================================================== 6. import


_CLIENT_KW = (
    "region_name='us-east-1', endpoint_url={endpoint!r}, aws_access_key_id='bench', "
    "aws_secret_access_key='bench'"
)

_IMPORT_CODE = {
    LIB: (
        "from dynamodb_wrapper import DynamoDBConfig, PipelineConfigReadApi\n"
        "api = PipelineConfigReadApi(DynamoDBConfig({kw}))\n"
        "assert api.gateway.client is not None\n"
    ),
    REF: "import boto3, pydantic\nclient = boto3.client('dynamodb', {kw})\n",
    RAW: (
        "import botocore.session\n"
        "client = botocore.session.get_session().create_client('dynamodb', {kw})\n"
    ),
    B3: "import boto3\ntable = boto3.resource('dynamodb', {kw}).Table('t')\n",
    PYN: (
        "from bench.pynamo_models import build_models, client_of\n"
        "models = build_models({endpoint!r}, 'c', 'r')\n"
        "client = client_of(models.PipelineRunLog)\n"
    ),
}

_IMPORT_DESCRIPTIONS = {
    LIB: "`from dynamodb_wrapper import …` + `PipelineConfigReadApi(DynamoDBConfig(…))` "
    "(creates the shared client)",
    REF: "`import boto3, pydantic` + `boto3.client('dynamodb', …)`: the target's reference",
    RAW: "`import botocore.session` + `create_client('dynamodb', …)`",
    B3: "`import boto3` + `boto3.resource('dynamodb', …).Table(…)`",
    PYN: "`import pynamodb` + the two model classes + their botocore client",
}

_WRAPPER = (
    "import time, sys, json\n"
    "c0 = time.process_time(); t0 = time.perf_counter()\n"
    "{body}"
    "wall = time.perf_counter() - t0; cpu = time.process_time() - c0\n"
    "print(json.dumps({{'wall': wall, 'cpu': cpu, 'modules': len(sys.modules)}}))\n"
)


class ImportContender(Contender):
    """Cold ``import`` + first client in a fresh interpreter (interpreter start-up excluded)."""

    def __init__(self, env: Env, name: str) -> None:
        self.env = env
        self.name = name
        self.description = _IMPORT_DESCRIPTIONS[name]
        kw = _CLIENT_KW.format(endpoint=env.endpoint)
        body = _IMPORT_CODE[name].format(kw=kw, endpoint=env.endpoint)
        self.code = _WRAPPER.format(body=body)

    def setup(self) -> None:
        # Byte code for the library, as an installed package has it (pip compiles on install) and
        # as boto3/pydantic in site-packages have it. The warm-up round alone does not ensure
        # this: with PYTHONDONTWRITEBYTECODE set, every child would compile the library's source.
        if self.name == LIB:
            compileall.compile_dir(ROOT / "dynamodb_wrapper", quiet=1)

    def run(self, prepared: Any) -> Any:
        out = _run_child(["-c", self.code], timeout=120)
        return Measured(out["wall"], out["cpu"], out, {"modules": out["modules"]})

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        return [] if result.get("modules", 0) > 10 else ["the child imported nothing"]

    def profile(self) -> str:
        """Where a cold start goes: ``-X importtime`` (top modules by their own import time)
        and cProfile of the whole import + first client (cumulative)."""
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "cold_import.py"
            script.write_text(self.code, encoding="utf-8")
            proc = subprocess.run(
                [sys.executable, "-X", "importtime", str(script)],
                cwd=ROOT,
                env=_child_env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            rows = []
            for line in proc.stderr.splitlines():
                parts = line.removeprefix("import time:").split("|")
                if len(parts) == 3 and parts[0].strip().isdigit():
                    rows.append((int(parts[0]), int(parts[1]), parts[2].rstrip()))
            rows.sort(reverse=True)
            table = [f"{'self ms':>8} {'cumul ms':>9}  module (-X importtime, top 30 by self)"]
            table += [f"{a / 1000:8.1f} {b / 1000:9.1f}  {name}" for a, b, name in rows[:30]]
            return "\n".join(table) + "\n\n" + _profile_child([str(script)])


def import_workload(env: Env) -> Workload:
    names = [LIB, REF, RAW, B3, *([PYN] if env.has_pynamodb else [])]
    return Workload(
        key="import",
        title="6. cold import + first client (fresh interpreter)",
        ops=1,
        rounds=env.sizes.import_rounds,
        contenders=[ImportContender(env, n) for n in names],
        warmup=not env.smoke,  # the first run compiles byte code
        op_label="process",
        notes=[
            "Measured inside each child from its first statement, so interpreter start-up "
            "(identical for all) is excluded; .pyc files are warm (an untimed first round, and "
            "the library is byte-compiled first, even under PYTHONDONTWRITEBYTECODE)."
        ],
    )


# =========================================================================== 7. iterate


class IterateContender(Contender):
    """Lazily iterate every run log of one pipeline in a fresh interpreter, sampling RSS."""

    def __init__(self, env: Env, name: str, data: IterationData) -> None:
        self.env = env
        self.name = name
        self.data = data
        self.description = {
            LIB: "`PipelineRunLogsReadApi.iter_by_pipeline(id)` (pages of 1,000 → views)",
            RAW: "`client.query(Limit=1000)` following `LastEvaluatedKey`, raw dicts",
            B3: "`Table.query(Limit=1000)` following `LastEvaluatedKey`",
            PYN: "`PipelineRunLog.pipeline_index.query(id, page_size=1000)`",
        }[name]

    def setup(self) -> None:
        self.data.ensure()

    def _args(self) -> list[str]:
        return [
            "--contender",
            self.name,
            "--endpoint",
            self.env.endpoint,
            "--table-prefix",
            self.data.prefix,
            "--table",
            self.data.table,
            "--pipeline",
            self.data.pipeline,
            "--every",
            str(self.env.sizes.iter_every),
        ]

    def profile(self) -> str:
        self.data.ensure()
        return _profile_child(["-m", "bench.iterate_child", *self._args()])

    def run(self, prepared: Any) -> Any:
        out = _run_child(["-m", "bench.iterate_child", *self._args()], timeout=600)
        samples = out["samples"]
        n = out["count"]
        ten = next((rss for count, rss in samples if count >= n / 10), samples[0][1])
        extra = {
            "count": n,
            "peak_rss": out["peak_rss"],
            "rss_before": out["rss_before"],
            "rss_at_10pct": ten,
            "rss_end": out["rss_end"],
            "growth": max(rss for count, rss in samples if count >= n / 10) - ten,
            "samples": samples,
            "load_seconds": self.data.load_seconds,
        }
        return Measured(out["wall"], out["cpu"], out, extra)

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        want = self.env.sizes.iter_items
        return [] if result["count"] == want else [f"iterated {result['count']} of {want} items"]


class IterationData:
    """The 100,000 small run logs of one pipeline, written once (shared, read-only)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.prefix = f"{env.prefix}_iter"
        self.config = env.lib_config("iter")
        self.table = self.config.get_table_name("pipeline_run_logs")
        self.pipeline = "iter-pipe"
        self.load_seconds: float | None = None

    def ensure(self) -> None:
        if self.load_seconds is not None:
            return
        ensure_tables(self.config, [PipelineRunLog])
        n = self.env.sizes.iter_items
        items = []
        for i in range(n):
            start = BASE_TIME + timedelta(microseconds=i * 1000)
            items.append(
                {
                    "run_id": {"S": f"run-it-{i:07d}"},
                    "pipeline_id": {"S": self.pipeline},
                    # PynamoDB's UTCDateTimeAttribute format, which the library also reads.
                    "start_time": {"S": start.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")},
                    "trigger_type": {"S": "schedule"},
                    "retry_count": {"N": str(i % 3)},
                }
            )
        self.load_seconds = self.env.load(self.table, items, threads=4)


def iterate_workload(env: Env) -> Workload:
    data = IterationData(env)
    names = [LIB, RAW, B3, *([PYN] if env.has_pynamodb else [])]
    n = env.sizes.iter_items
    return Workload(
        key="iterate",
        title=f"7. lazily iterate {n:,} items (peak RSS must stay flat)",
        ops=1,
        rounds=1,
        contenders=[IterateContender(env, name, data) for name in names],
        warmup=False,
        op_label=f"{n:,} items",
        notes=[
            f"{n:,} small run logs of one pipeline, written once with parallel batch writes "
            "(untimed) and read by every contender in its own fresh interpreter; RSS sampled "
            f"every {env.sizes.iter_every:,} items. Flat: RSS growth between 10 % and 100 % of "
            f"the iteration below {FLAT_BYTES // 2**20} MB."
        ],
    )
