"""``dynamodb-wrapper local …``: a background DynamoDB Local for development."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from dynamodb_wrapper.cli.options import output
from dynamodb_wrapper.cli.render import Output
from dynamodb_wrapper.local import (
    LocalState,
    background_status,
    cache_dir,
    start_background,
    stop_background,
)

__all__ = ["app"]

app = typer.Typer(
    help="Run DynamoDB Local in the background (in memory; data is lost when it stops).",
    no_args_is_help=True,
)


def _print_running(out: Output, state: LocalState, *, already: bool) -> None:
    if out.json_mode:
        out.json({"running": True, "already_running": already, **state.to_dict()})
        return
    verb = "already running" if already else "running"
    out.print(
        Text.assemble(
            ("DynamoDB Local ", ""),
            (verb, "green"),
            f" at {state.endpoint_url} (pid {state.pid}, since {state.started_at})",
        )
    )
    out.print(
        Text(
            "Other dynamodb-wrapper commands use it while no endpoint is configured. "
            "For other tools:",
            style="dim",
        )
    )
    out.print(Text(f"export DYNAMODB_ENDPOINT_URL={state.endpoint_url}"), soft_wrap=True)


@app.command("start")
def start(
    ctx: typer.Context,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Port to listen on (default: a free one)."),
    ] = None,
) -> None:
    """Start DynamoDB Local in the background and print the endpoint to export."""
    _, out = output(ctx, uses_config=False)
    before = background_status()
    if before is None:
        with out.err.status("starting DynamoDB Local…"):
            state = start_background(port=port)
    else:
        state = start_background(port=port)  # raises if it runs on another port
    _print_running(out, state, already=before is not None)


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Whether the background DynamoDB Local runs, and where."""
    _, out = output(ctx, uses_config=False)
    state = background_status()
    if state is not None:
        _print_running(out, state, already=True)
    elif out.json_mode:
        out.json({"running": False})
    else:
        out.print(
            Text.assemble(
                ("DynamoDB Local ", ""), ("is not running", "yellow"), f" ({cache_dir()})"
            )
        )


@app.command("stop")
def stop(ctx: typer.Context) -> None:
    """Stop the background DynamoDB Local (its data is discarded)."""
    _, out = output(ctx, uses_config=False)
    stopped = stop_background()
    if out.json_mode:
        out.json({"stopped": stopped})
    elif stopped:
        out.print("DynamoDB Local stopped")
    else:
        out.print(Text("DynamoDB Local was not running", style="yellow"))
