"""Interleaved measurement: A B C D, then B C D A, ... (order rotated every round).

Each round, every contender runs the same amount of work once. Wall time is
``time.perf_counter``; client CPU time is ``time.process_time`` of this Python process (DynamoDB
Local's JVM is another process, so this is exactly the client's CPU, all threads included). A
contender may measure itself instead (subprocess workloads return a :class:`Measured`).

The garbage collector stays enabled, but what was alive before a timed section is frozen
(``gc.freeze``) so that the harness's own heap does not tax whoever allocates; timed sections keep
only what their checks need (ids, counts), as a streaming consumer would.

Statistics are per operation: the round's time divided by its operation count. Ratios are
*paired*: each round's contender time over the baseline's time in the same round, so drift of the
machine or of DynamoDB Local over the run cancels out; their median and min..max are reported.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Contender",
    "ContenderResult",
    "Measured",
    "Ratio",
    "Workload",
    "WorkloadResult",
    "paired_ratio",
    "run_workload",
]


@dataclass
class Measured:
    """Times measured by the contender itself (e.g. inside a subprocess)."""

    wall: float
    cpu: float
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Contender:
    """One way of doing a workload. Subclasses override the hooks they need.

    ``prepare(round_no)`` builds the round's input (untimed), ``run(prepared)`` is the timed
    work, ``verify(round_no, prepared, result)`` checks it (untimed) and returns problems, and
    ``finish()`` returns problems found after the last round (e.g. items lost).
    """

    name: str = "?"
    #: Shown under the table: what exactly this contender does in this workload.
    description: str = ""

    def setup(self) -> None:
        """Create tables, load data (untimed, once)."""

    def prepare(self, round_no: int) -> Any:
        return None

    def run(self, prepared: Any) -> Any:
        raise NotImplementedError

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        return []

    def finish(self) -> list[str]:
        return []

    def teardown(self) -> None:
        """Undo global side effects (event handlers), once."""


@dataclass
class Workload:
    """A workload: the same work done by each contender, ``rounds`` times, interleaved."""

    key: str
    title: str
    ops: int  # operations per round (results are reported per operation)
    rounds: int
    contenders: list[Contender]
    baseline: str = "raw botocore"
    warmup: bool = True  # one untimed round first (connections, JIT of DynamoDB Local)
    op_label: str = "op"
    notes: list[str] = field(default_factory=list)


@dataclass
class ContenderResult:
    name: str
    description: str
    walls: list[float] = field(default_factory=list)  # per round, per operation
    cpus: list[float] = field(default_factory=list)
    extras: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems

    @property
    def wall(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus else None


@dataclass
class Ratio:
    median: float
    low: float
    high: float


@dataclass
class WorkloadResult:
    key: str
    title: str
    ops: int
    rounds: int
    baseline: str
    op_label: str
    contenders: dict[str, ContenderResult]
    order_log: list[list[str]]
    seconds: float
    notes: list[str] = field(default_factory=list)

    def ratio(self, name: str, metric: str, against: str | None = None) -> Ratio | None:
        """Paired ratio of ``name`` over ``against`` (default: the baseline)."""
        return paired_ratio(self.contenders, name, against or self.baseline, metric)


def paired_ratio(
    results: dict[str, ContenderResult], name: str, against: str, metric: str
) -> Ratio | None:
    mine, base = results.get(name), results.get(against)
    if mine is None or base is None:
        return None
    xs: Sequence[float] = mine.walls if metric == "wall" else mine.cpus
    ys: Sequence[float] = base.walls if metric == "wall" else base.cpus
    if not xs or len(xs) != len(ys):
        return None
    ratios = [x / y for x, y in zip(xs, ys, strict=True) if y > 0]
    if not ratios:
        return None
    return Ratio(statistics.median(ratios), min(ratios), max(ratios))


def _timed(contender: Contender, prepared: Any) -> tuple[float, float, Any, dict[str, Any]]:
    # The collector stays on (collecting the contender's own allocations is part of its cost),
    # but everything alive before the timed section (the bench's data, the prepared input, other
    # contenders' state) is frozen, so no contender pays for traversing the harness's heap.
    gc.collect()
    gc.freeze()
    try:
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = contender.run(prepared)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    finally:
        gc.unfreeze()
    if isinstance(result, Measured):
        return result.wall, result.cpu, result.result, result.extra
    return wall, cpu, result, {}


def run_workload(workload: Workload, log: Callable[[str], None] = print) -> WorkloadResult:
    """Run ``workload`` interleaved and collect per-round, per-operation times."""
    started = time.perf_counter()
    results = {
        c.name: ContenderResult(c.name, c.description or c.__class__.__doc__ or "")
        for c in workload.contenders
    }
    live: list[Contender] = []
    for contender in workload.contenders:
        try:
            contender.setup()
            live.append(contender)
        except Exception as exc:
            results[contender.name].error = _describe(exc)
            log(f"  {contender.name}: setup failed: {results[contender.name].error}")
            traceback.print_exc(file=sys.stderr)
    order_log: list[list[str]] = []
    first = 0 if workload.warmup else 1
    try:
        for round_no in range(first, workload.rounds + 1):
            shift = round_no % len(live) if live else 0
            order = live[shift:] + live[:shift]
            if round_no > 0:
                order_log.append([c.name for c in order])
            for contender in order:
                res = results[contender.name]
                if res.error is not None:
                    continue
                try:
                    prepared = contender.prepare(round_no)
                    wall, cpu, output, extra = _timed(contender, prepared)
                    problems = contender.verify(round_no, prepared, output)
                except Exception as exc:
                    res.error = _describe(exc)
                    log(f"  {contender.name}: failed in round {round_no}: {res.error}")
                    traceback.print_exc(file=sys.stderr)
                    continue
                res.problems.extend(f"round {round_no}: {p}" for p in problems)
                if round_no > 0:  # round 0 is the warm-up
                    res.walls.append(wall / workload.ops)
                    res.cpus.append(cpu / workload.ops)
                    res.extras.append(extra)
        for contender in live:
            res = results[contender.name]
            if res.error is None:
                try:
                    res.problems.extend(contender.finish())
                except Exception as exc:
                    res.error = _describe(exc)
    finally:
        for contender in live:
            try:
                contender.teardown()
            except Exception as exc:  # pragma: no cover - best effort
                log(f"  {contender.name}: teardown failed: {_describe(exc)}")
    # Rounds where a contender failed are dropped for everyone, so ratios stay paired.
    complete = [r for r in results.values() if r.error is None]
    if complete:
        n = min(len(r.walls) for r in complete)
        for r in complete:
            del r.walls[n:], r.cpus[n:], r.extras[n:]
    return WorkloadResult(
        key=workload.key,
        title=workload.title,
        ops=workload.ops,
        rounds=workload.rounds,
        baseline=workload.baseline,
        op_label=workload.op_label,
        contenders=results,
        order_log=order_log,
        seconds=time.perf_counter() - started,
        notes=list(workload.notes),
    )


def _describe(exc: BaseException) -> str:
    lines = f"{type(exc).__name__}: {exc}".splitlines() or ["?"]
    return lines[0][:300]
