"""``dynamodb-wrapper export|import``: every item of a domain to and from JSON Lines.

Export streams the full views (datetimes ISO-8601 UTC, numbers exact). Import reads the file
twice: pass 1 validates every line into the domain's Upsert DTO and, if any line is bad, reports
them all by number and writes nothing; pass 2 re-reads the file and writes it in chunks with
``upsert_many``, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.text import Text

from dynamodb_wrapper import (
    DynamoDBConfig,
    PipelineConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLog,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunLogUpsert,
    RunStatus,
    TableConfig,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigWriteApi,
    ValidationError,
    WriteDTO,
)
from dynamodb_wrapper.cli.context import CliError
from dynamodb_wrapper.cli.options import output
from dynamodb_wrapper.cli.render import dumps

__all__ = ["Domain", "LineError", "export", "import_"]


class Domain(StrEnum):
    PIPELINES = "pipelines"
    TABLES_CONFIG = "tables-config"
    RUNS = "runs"


@dataclass(frozen=True)
class _Spec:
    label: str
    key: str
    dto: type[WriteDTO]
    #: Fields an export holds that the DTO does not take (maintained by the library).
    ignored: frozenset[str]
    iterate: Callable[[DynamoDBConfig], Iterator[Any]]
    count: Callable[[DynamoDBConfig], int]
    upsert_many: Callable[[DynamoDBConfig, list[Any], Callable[[int], None]], int]


def _ignored(model: type[Any], dto: type[WriteDTO]) -> frozenset[str]:
    return frozenset(model.model_fields) - frozenset(dto.model_fields)


def _count_runs(config: DynamoDBConfig) -> int:
    # No count_runs(): every run has a status, so the status index counts them all.
    api = PipelineRunLogsReadApi(config)
    return sum(api.count_runs_by_status(status) for status in RunStatus)


SPECS: dict[Domain, _Spec] = {
    Domain.PIPELINES: _Spec(
        label="pipelines",
        key="pipeline_id",
        dto=PipelineConfigUpsert,
        ignored=_ignored(PipelineConfig, PipelineConfigUpsert),
        iterate=lambda c: PipelineConfigReadApi(c).iter_pipelines(user_timezone="UTC"),
        count=lambda c: PipelineConfigReadApi(c).count_pipelines(),
        upsert_many=lambda c, dtos, cb: PipelineConfigWriteApi(c).upsert_many(dtos, cb),
    ),
    Domain.TABLES_CONFIG: _Spec(
        label="table configs",
        key="table_id",
        dto=TableConfigUpsert,
        ignored=_ignored(TableConfig, TableConfigUpsert),
        iterate=lambda c: TableConfigReadApi(c).iter_tables(user_timezone="UTC"),
        count=lambda c: TableConfigReadApi(c).count_tables(),
        upsert_many=lambda c, dtos, cb: TableConfigWriteApi(c).upsert_many(dtos, cb),
    ),
    Domain.RUNS: _Spec(
        label="runs",
        key="run_id",
        dto=PipelineRunLogUpsert,
        ignored=_ignored(PipelineRunLog, PipelineRunLogUpsert),
        iterate=lambda c: PipelineRunLogsReadApi(c).iter_runs(user_timezone="UTC"),
        count=_count_runs,
        upsert_many=lambda c, dtos, cb: PipelineRunLogsWriteApi(c).upsert_many(dtos, cb),
    ),
}

DomainArgument = Annotated[Domain, typer.Argument(help="pipelines, tables-config or runs.")]


# --------------------------------------------------------------------------- export


@contextlib.contextmanager
def _open_output(path: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file next to ``path`` renamed into place on success."""
    if path is None:
        yield sys.stdout
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def export(
    ctx: typer.Context,
    domain: DomainArgument,
    output_path: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: stdout).", dir_okay=False),
    ] = None,
) -> None:
    """Write every item of a domain as JSON Lines (one full item per line, UTC times)."""
    state, out = output(ctx)
    spec = SPECS[domain]
    config = state.config
    total = spec.count(config)
    count = 0
    show_bar = output_path is not None or not sys.stdout.isatty()
    with _open_output(output_path) as handle, out.progress(enabled=show_bar) as progress:
        task = progress.add_task(f"exporting {spec.label}", total=total)
        for view in spec.iterate(config):
            handle.write(dumps(view, UTC, compact=True))
            handle.write("\n")
            count += 1
            progress.advance(task)
        handle.flush()
    where = f" to {output_path}" if output_path is not None else ""
    out.note(f"exported {count} {spec.label}{where}", style="bold")
    if state.json and output_path is not None:
        out.json({"exported": count, "domain": domain.value, "file": str(output_path)})


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class LineError:
    """What is wrong with one line of an import file."""

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"line {self.line}: {where}{self.message}"


class _BadLine(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(str(errors[0]))
        self.errors = errors


def _parse_line(raw: bytes, number: int, spec: _Spec) -> WriteDTO | None:
    """The DTO of one line, ``None`` for a blank line, or ``_BadLine``."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise _BadLine([LineError(number, None, f"not valid UTF-8 ({exc.reason})")]) from None
    if not text:
        return None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise _BadLine(
            [LineError(number, None, f"invalid JSON: {exc.msg} (column {exc.colno})")]
        ) from None
    if not isinstance(data, dict):
        raise _BadLine(
            [LineError(number, None, f"expected a JSON object, got {type(data).__name__}")]
        )
    for name in spec.ignored:
        data.pop(name, None)
    try:
        return spec.dto.model_validate(data)
    except ValidationError as exc:
        errors = [
            LineError(
                number,
                ".".join(str(p) for p in detail.get("loc", ())) or None,
                str(detail.get("msg", exc.message)),
            )
            for detail in exc.errors
        ]
        raise _BadLine(errors or [LineError(number, exc.field, exc.message)]) from None


def _validate_file(path: Path, spec: _Spec) -> tuple[int, list[LineError]]:
    """Pass 1: how many valid records the file holds, and every problem (by line)."""
    valid = 0
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                dto = _parse_line(raw, number, spec)
            except _BadLine as bad:
                errors.extend(bad.errors)
                continue
            if dto is None:
                continue
            key = str(getattr(dto, spec.key))
            first = seen.setdefault(key, number)
            if first != number:
                errors.append(LineError(number, spec.key, f"{key!r} repeats line {first}"))
                continue
            valid += 1
    return valid, errors


def _read_dtos(path: Path, spec: _Spec) -> Iterator[WriteDTO]:
    """Pass 2: the DTOs of the file again, one at a time."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                dto = _parse_line(raw, number, spec)
            except _BadLine as bad:
                raise CliError(f"{path} changed while importing: {bad.errors[0]}") from None
            if dto is not None:
                yield dto


@contextlib.contextmanager
def _input_file(file: str) -> Iterator[Path]:
    """``file`` as a path; ``-`` spools stdin to a temporary file (it is read twice)."""
    if file != "-":
        path = Path(file)
        if not path.is_file():
            raise CliError(f"cannot read {file}: no such file")
        yield path
        return
    with tempfile.NamedTemporaryFile(prefix="dynamodb-wrapper-import-", suffix=".jsonl") as tmp:
        shutil.copyfileobj(sys.stdin.buffer, tmp)
        tmp.flush()
        yield Path(tmp.name)


def import_(
    ctx: typer.Context,
    domain: DomainArgument,
    file: Annotated[
        str, typer.Argument(help="JSON Lines file (as written by export); - reads stdin.")
    ],
    chunk_size: Annotated[
        int,
        typer.Option("--chunk-size", min=1, max=10_000, help="Items per upsert_many call."),
    ] = 1000,
) -> None:
    """Validate every line, then upsert them all (nothing is written if one line is bad)."""
    state, out = output(ctx)
    spec = SPECS[domain]
    config = state.config
    with _input_file(file) as path:
        try:
            total, errors = _validate_file(path, spec)
        except OSError as exc:
            raise CliError(f"cannot read {file}: {exc.strerror or exc}") from exc
        if errors:
            for error in errors:
                out.err.print(Text(str(error)), soft_wrap=True, highlight=False)
            if state.json:
                out.json(
                    {
                        "imported": 0,
                        "errors": [
                            {"line": e.line, "field": e.field, "message": e.message} for e in errors
                        ],
                    }
                )
            lines = len({e.line for e in errors})
            raise CliError(f"{lines} bad line(s) in {file}; nothing was imported")
        written = 0
        with out.progress() as progress:
            task = progress.add_task(f"importing {spec.label}", total=total)

            def flush(chunk: list[WriteDTO]) -> int:
                base = written
                return spec.upsert_many(
                    config, chunk, lambda n: progress.update(task, completed=base + n)
                )

            chunk: list[WriteDTO] = []
            for dto in _read_dtos(path, spec):
                chunk.append(dto)
                if len(chunk) >= chunk_size:
                    written += flush(chunk)
                    chunk = []
            if chunk:
                written += flush(chunk)
            progress.update(task, completed=written)
    out.note(f"imported {written} {spec.label} from {file}", style="bold")
    if state.json:
        out.json({"imported": written, "domain": domain.value, "errors": []})
