"""The ``dynamodb-wrapper`` command: global options, sub-commands, and the one error handler."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dynamodb_wrapper import DynamoDBWrapperError
from dynamodb_wrapper.cli import (
    demo,
    doctor,
    local,
    pipelines,
    runs,
    table_configs,
    tables,
    transfer,
)
from dynamodb_wrapper.cli.context import CliError, State, resolve_zone
from dynamodb_wrapper.cli.render import report_error
from dynamodb_wrapper.local import DynamoDBLocalError

__all__ = ["app", "main"]

#: What the CLI reports as one ``error:`` line instead of a traceback.
HANDLED_ERRORS = (DynamoDBWrapperError, DynamoDBLocalError, CliError)


def hoist_global_options(args: list[str], params: list[Any]) -> list[str]:
    """``args`` with the root's options moved to the front, wherever they were given.

    So ``pipelines list --json`` works like ``--json pipelines list``. Only exact option
    names (``--tz X``, ``--tz=X``, ``--json``) before a ``--`` are moved; no sub-command
    defines an option of the same name with another meaning.
    """
    flags: set[str] = set()
    valued: set[str] = set()
    for param in params:
        if getattr(param, "param_type_name", None) != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        (flags if param.is_flag else valued).update(n for n in names if n != "--help")
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in flags:
            front.append(arg)
        elif arg in valued:
            if index + 1 == len(args):
                raise typer.BadParameter("a value is required", param_hint=f"'{arg}'")
            front.extend(args[index : index + 2])
            index += 1
        elif arg.split("=", 1)[0] in valued and "=" in arg:
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return [*front, *rest]


class _RootGroup(TyperGroup):
    """The root command: global options anywhere, and every handled error ends here."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        result: list[str] = super().parse_args(ctx, hoist_global_options(args, self.params))
        return result

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HANDLED_ERRORS as exc:
            state = ctx.obj if isinstance(ctx.obj, State) else None
            verbose = state.verbose if state is not None else bool(ctx.params.get("verbose"))
            report_error(exc, verbose=verbose)
            code = exc.exit_code if isinstance(exc, CliError) else 1
            raise typer.Exit(code) from exc


app = typer.Typer(
    name="dynamodb-wrapper",
    cls=_RootGroup,
    help="Pipeline metadata in DynamoDB: pipelines, table configs and runs, "
    "through dynamodb_wrapper's read and write APIs.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def _global_options(
    ctx: typer.Context,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help="DynamoDB endpoint, e.g. http://127.0.0.1:8000 "
            "(env DYNAMODB_ENDPOINT_URL; default: a running `local start` server, else AWS)",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="AWS region (env DYNAMODB_REGION_NAME, AWS_REGION)."),
    ] = None,
    table_prefix: Annotated[
        str | None,
        typer.Option("--table-prefix", help="Table name prefix (env DYNAMODB_TABLE_PREFIX)."),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(
            "--environment",
            help="Environment part of table names (env DYNAMODB_ENVIRONMENT; default dev).",
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="IANA time zone for displayed times, e.g. Europe/Paris "
            "(env DYNAMODB_USER_TIMEZONE; default UTC).",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON on stdout.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="On errors, also show their causes.")
    ] = False,
) -> None:
    """Global options (before or after the command)."""
    state = State(
        endpoint_url=endpoint_url,
        region=region,
        table_prefix=table_prefix,
        environment=environment,
        tz=tz,
        json=json_output,
        verbose=verbose,
    )
    ctx.obj = state
    if tz is not None:
        resolve_zone(tz)


app.add_typer(local.app, name="local")
app.add_typer(tables.app, name="tables")
app.add_typer(pipelines.app, name="pipelines")
app.add_typer(table_configs.app, name="tables-config")
app.add_typer(runs.app, name="runs")
app.command("export")(transfer.export)
app.command("import")(transfer.import_)
app.command("demo")(demo.demo)
app.command("doctor")(doctor.doctor)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``dynamodb-wrapper`` console script."""
    app(args=sys.argv[1:] if argv is None else argv, prog_name="dynamodb-wrapper")
