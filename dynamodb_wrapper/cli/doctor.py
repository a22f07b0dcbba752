"""``dynamodb-wrapper doctor``: find (and with ``--fix`` rewrite) values other writers stored in a
non-canonical form (see :mod:`dynamodb_wrapper.core.doctor`).

Exit codes: 0 when no non-canonical value is left (unknown attributes are only reported), 3 when
some are (found without ``--fix``, not fixable, or changed meanwhile: run it again), 1 on errors,
2 on bad options.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from dynamodb_wrapper import DOMAIN_MODELS, extract_model_metadata
from dynamodb_wrapper.cli.context import CliUsageError
from dynamodb_wrapper.cli.options import output
from dynamodb_wrapper.cli.render import Column, Output
from dynamodb_wrapper.core.doctor import DoctorProgress, DoctorReport, doctor_table

__all__ = ["EXIT_NOT_CANONICAL", "TABLE_ALIASES", "doctor", "resolve_models"]

#: Exit code when non-canonical values remain.
EXIT_NOT_CANONICAL = 3
#: Command-line names of the domain tables (the CLI's domain names), besides their base names.
TABLE_ALIASES = {
    "pipelines": "pipeline_config",
    "tables-config": "table_config",
    "runs": "pipeline_run_logs",
}


def resolve_models(names: list[str] | None) -> list[type[Any]]:
    """The models of the tables named (domain or base table names); all three by default."""
    by_base = {extract_model_metadata(m).table_name: m for m in DOMAIN_MODELS}
    if not names:
        return list(DOMAIN_MODELS)
    models: list[type[Any]] = []
    for name in names:
        model = by_base.get(TABLE_ALIASES.get(name, name))
        if model is None:
            known = ", ".join([*TABLE_ALIASES, *by_base])
            raise CliUsageError(f"unknown table {name!r}; use one of {known}")
        if model not in models:
            models.append(model)
    return models


def _examples(problem: Any) -> str:
    shown = []
    for example in problem.examples:
        key = ",".join(str(v) for v in example.key.values())
        text = f"{key} {example.path}"
        if example.stored is not None:
            text += f"={example.stored!r}"
        if example.note:
            text += f" ({example.note})"
        shown.append(text)
    more = problem.count - len(problem.examples)
    return "; ".join(shown) + (f"; … {more} more" if more > 0 and shown else "")


COLUMNS = [
    Column("problem", lambda p: p.kind),
    Column("field", lambda p: p.field),
    Column("count", lambda p: p.count, justify="right"),
    Column("examples (key path=stored)", _examples),
]


def _summary(report: DoctorReport) -> str:
    text = (
        f"{report.table}: scanned {report.scanned} items in {report.seconds:.1f}s, "
        f"{report.items_non_canonical} not canonical, "
        f"{report.items_with_unknown_attributes} with unknown attributes"
    )
    if report.fix:
        text += (
            f"; fixed {report.fixed_items} items ({report.fixed_values} values), "
            f"skipped {report.skipped_changed} changed meanwhile, "
            f"{report.unfixable_items} not fixable"
        )
    return text


def _print(out: Output, report: DoctorReport) -> None:
    out.table(report.problems, COLUMNS, title=report.table, empty="no problems found")
    style = "green" if report.clean else "bold yellow"
    out.print(Text(_summary(report), style=style), soft_wrap=True)
    if not report.clean and not report.fix:
        out.print(Text("run with --fix to rewrite the fixable values", style="dim"))


def doctor(
    ctx: typer.Context,
    tables: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tables to check: pipelines, tables-config, runs (or their base names "
            "pipeline_config, table_config, pipeline_run_logs). Default: all three.",
            show_default=False,
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Rewrite the fixable values to their canonical form: one conditional "
            "UpdateItem per item, only the offending attributes, never over a concurrent change.",
        ),
    ] = False,
    segments: Annotated[
        int, typer.Option("--segments", min=1, max=1000, help="Parallel scan segments.")
    ] = 4,
    examples: Annotated[
        int, typer.Option("--examples", min=0, max=100, help="Example keys per problem.")
    ] = 5,
) -> None:
    """Find values other writers stored in a non-canonical form (offset timestamps, bool keys
    as BOOL, numbers as strings) and attributes the models do not declare; --fix rewrites them.

    Exits 3 when non-canonical values are left (unknown attributes are only reported)."""
    state, out = output(ctx)
    models = resolve_models(tables)
    config = state.config
    reports: list[DoctorReport] = []
    with out.progress() as progress:
        for model in models:
            name = config.get_table_name(extract_model_metadata(model).table_name)
            task = progress.add_task(f"{'fixing' if fix else 'checking'} {name}", total=None)

            def advance(p: DoctorProgress, task: Any = task) -> None:
                progress.update(
                    task, completed=p.scanned, total=max(p.estimated_total or 0, p.scanned)
                )

            report = doctor_table(
                config,
                model,
                fix=fix,
                segments=segments,
                on_progress=advance,
                max_examples=examples,
            )
            progress.update(task, completed=report.scanned, total=report.scanned)
            reports.append(report)
    clean = all(r.clean for r in reports)
    if out.json_mode:
        out.json({"clean": clean, "tables": [r.to_dict() for r in reports]})
    else:
        for report in reports:
            _print(out, report)
    if not clean:
        raise typer.Exit(EXIT_NOT_CANONICAL)
