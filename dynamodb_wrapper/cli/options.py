"""Options shared by several commands, and the one way every listing pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from dynamodb_wrapper import validate_identifier
from dynamodb_wrapper.cli.context import CliError, CliUsageError, State, get_state, resolve_zone
from dynamodb_wrapper.cli.render import Column, Output

__all__ = [
    "AllPages",
    "EveryFn",
    "PageFn",
    "FileOption",
    "Limit",
    "NextToken",
    "SetPairs",
    "check_ids",
    "list_items",
    "output",
]

Limit = Annotated[
    int,
    typer.Option("--limit", min=1, max=1000, help="Items per page (1-1000)."),
]
NextToken = Annotated[
    str | None,
    typer.Option("--next-token", help="Resume from the token a previous page printed."),
]
AllPages = Annotated[
    bool,
    typer.Option("--all", help="Fetch every page (streamed with --json; --limit is then ignored)."),
]
FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        help="One object in a .json or .yaml file; options given on the command line win.",
        dir_okay=False,
    ),
]
SetPairs = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="KEY=VALUE to change (repeatable); VALUE is parsed as JSON when it parses "
        "(8, true, null, {...}), else taken as a string. null removes an optional field.",
    ),
]
TagPairs = Annotated[
    list[str] | None,
    typer.Option("--tag", help="KEY=VALUE tag (repeatable)."),
]


ItemT = TypeVar("ItemT")
#: ``page(limit, next_token) -> (items, next_token)``
PageFn = Callable[[int, str | None], tuple[list[ItemT], str | None]]
#: ``every() -> iterator over all items``
EveryFn = Callable[[], Iterator[ItemT]]


def check_ids(param: typer.CallbackParam, value: Any) -> Any:
    """Parameter callback: every id given is 1-255 of ``[A-Za-z0-9._:-]`` (else ``CliError``)."""
    if param.param_type_name == "option":
        label = param.opts[0]
    else:
        label = (param.name or "id").removesuffix("s").replace("_", " ")
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is None:
            continue
        try:
            validate_identifier(item)
        except ValueError as exc:
            raise CliError(f"invalid {label} {item!r}: {exc}") from None
    return value


def output(ctx: typer.Context, *, uses_config: bool = True) -> tuple[State, Output]:
    """The state of this invocation and an ``Output`` in its display zone.

    With ``uses_config=False`` the config is not built (the zone is ``--tz`` or UTC).
    """
    state = get_state(ctx)
    zone = state.zone if uses_config else resolve_zone(state.tz or "UTC")
    return state, Output(json_mode=state.json, zone=zone)


def list_items(
    out: Output,
    *,
    page: Callable[[int, str | None], tuple[Sequence[Any], str | None]],
    every: Callable[[], Iterator[Any]],
    columns: Sequence[Column],
    limit: int,
    next_token: str | None,
    all_pages: bool,
    title: str | None = None,
) -> None:
    """One page (``--limit``/``--next-token``) or, with ``--all``, every page via ``every``."""
    if all_pages:
        if next_token is not None:
            raise CliUsageError("--all and --next-token cannot be combined")
        out.every(every(), columns, title=title)
        return
    items, token = page(limit, next_token)
    out.page(items, token, columns, title=title)
