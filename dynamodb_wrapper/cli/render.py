"""Output of the CLI: rich tables for people, JSON for machines, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from dynamodb_wrapper import DynamoDBWrapperError, TableNotFoundError, ValidationError

__all__ = [
    "Column",
    "Output",
    "format_duration",
    "format_value",
    "jsonable",
    "stderr_console",
    "stdout_console",
]

STATUS_STYLES = {
    "success": "green",
    "failed": "bold red",
    "running": "yellow",
    "pending": "cyan",
    "cancelled": "magenta",
    "skipped": "dim",
}


def stdout_console() -> Console:
    """A console on the current ``sys.stdout`` (looked up at print time)."""
    return Console(highlight=False)


def stderr_console() -> Console:
    """A console on the current ``sys.stderr``."""
    return Console(stderr=True, highlight=False)


# --------------------------------------------------------------------------- values


def _decimal(value: Decimal) -> int | float | str:
    """A Decimal as a JSON number when that is exact, else as its string."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def jsonable(value: Any, zone: tzinfo = UTC) -> Any:
    """``value`` as plain JSON data: models without unset (``None``) fields, datetimes as
    ISO-8601 in ``zone``, Decimals as exact numbers (or strings), enums as their value."""
    if isinstance(value, BaseModel):
        return {
            name: jsonable(item, zone)
            for name, item in value.__dict__.items()
            if item is not None and name in type(value).model_fields
        }
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value), zone)
    if isinstance(value, Enum):
        return jsonable(value.value, zone)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, Mapping):
        return {str(jsonable(k, zone)): jsonable(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, zone) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def dumps(value: Any, zone: tzinfo = UTC, *, compact: bool = False) -> str:
    """``value`` as JSON text (see :func:`jsonable`)."""
    if compact:
        return json.dumps(jsonable(value, zone), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(jsonable(value, zone), ensure_ascii=False, indent=2)


def format_datetime(value: datetime, zone: tzinfo) -> str:
    """``2024-05-01 14:03:07 CEST``: seconds precision, in ``zone``."""
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or ''}".rstrip()


def format_duration(seconds: float | Decimal | None) -> str:
    """``45.2s``, ``3m 05s``, ``2h 04m``; empty for ``None``."""
    if seconds is None:
        return ""
    total = float(seconds)
    if total < 60:
        return f"{total:.1f}s"
    minutes, secs = divmod(round(total), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_value(value: Any, zone: tzinfo) -> Text:
    """One cell: datetimes in ``zone``, statuses coloured, containers as compact JSON."""
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text("yes" if value else "no", style="green" if value else "dim")
    if isinstance(value, datetime):
        return Text(format_datetime(value, zone))
    if isinstance(value, Enum):
        text = str(value.value)
        return Text(text, style=STATUS_STYLES.get(text, ""))
    if isinstance(value, Decimal):
        return Text(str(_decimal(value)))
    if isinstance(value, BaseModel | Mapping | list | tuple):
        if isinstance(value, Mapping | list | tuple) and not value:
            return Text("")
        return Text(dumps(value, zone, compact=True))
    return Text(str(value))


@dataclass(frozen=True)
class Column:
    """A table column: header, how to get the cell value, rich column options.

    ``max_width`` applies on a terminal only: piped output is never wrapped.
    """

    header: str
    get: Callable[[Any], Any]
    justify: str = "left"
    max_width: int | None = None


def field(name: str, header: str | None = None, **options: Any) -> Column:
    """A column showing the attribute ``name``."""
    return Column(header or name, lambda item: getattr(item, name, None), **options)


# --------------------------------------------------------------------------- output


class Output:
    """Where and how a command prints: JSON (``--json``) or rich tables, in one time zone."""

    def __init__(self, *, json_mode: bool, zone: tzinfo) -> None:
        self.json_mode = json_mode
        self.zone = zone
        self.console = stdout_console()
        self.err = stderr_console()

    # -- JSON -----------------------------------------------------------------------------

    def json(self, value: Any) -> None:
        sys.stdout.write(dumps(value, self.zone) + "\n")
        sys.stdout.flush()

    # -- human ----------------------------------------------------------------------------

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.console.print(*objects, **kwargs)

    def note(self, message: str, style: str = "dim") -> None:
        """A remark on stderr (never mixed into machine output)."""
        self.err.print(Text(message, style=style), soft_wrap=True)

    def table(
        self,
        items: Iterable[Any],
        columns: Sequence[Column],
        *,
        title: str | None = None,
        empty: str = "nothing found",
    ) -> int:
        """Print ``items`` as a table (or ``empty`` when there are none); returns the count."""
        table = Table(title=title, title_justify="left", header_style="bold")
        terminal = self.console.is_terminal
        for column in columns:
            table.add_column(
                column.header,
                justify=column.justify,  # type: ignore[arg-type]
                max_width=column.max_width if terminal else None,
                overflow="fold",
            )
        count = 0
        for item in items:
            table.add_row(*(format_value(column.get(item), self.zone) for column in columns))
            count += 1
        if count:
            self.render(table)
        else:
            if title:
                self.console.print(Text(title, style="italic"))
            self.console.print(Text(empty, style="dim"))
        return count

    def record(self, item: Any, *, title: str | None = None, skip: Iterable[str] = ()) -> None:
        """One item as a two-column ``field | value`` table (unset fields left out)."""
        data = item.__dict__ if isinstance(item, BaseModel) else dict(item)
        skipped = set(skip)
        table = Table(title=title, title_justify="left", show_header=False, box=None)
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for name, value in data.items():
            if name in skipped or value is None or value == {} or value == []:
                continue
            table.add_row(name, format_value(value, self.zone))
        self.render(table)

    def render(self, renderable: Any) -> None:
        """Print ``renderable``: fitted to a terminal, at its natural width when piped (so
        lines are never wrapped for grep or a file)."""
        if self.console.is_terminal:
            self.console.print(renderable)
            return
        options = self.console.options.update_width(100_000)
        natural = Measurement.get(self.console, options, renderable).maximum
        width = self.console.width
        self.console.width = max(natural, 20)
        try:
            self.console.print(renderable, crop=False)
        finally:
            self.console.width = width

    # -- lists ----------------------------------------------------------------------------

    def page(
        self,
        items: Sequence[Any],
        next_token: str | None,
        columns: Sequence[Column],
        *,
        title: str | None = None,
    ) -> None:
        """One page of a listing: ``{"items", "next_token"}`` or a table and the next token."""
        if self.json_mode:
            self.json({"items": list(items), "next_token": next_token})
            return
        self.table(items, columns, title=title)
        if next_token is not None:
            self.console.print(
                Text("more: --next-token ", style="dim") + Text(next_token), soft_wrap=True
            )

    def every(
        self, items: Iterator[Any], columns: Sequence[Column], *, title: str | None = None
    ) -> int:
        """Every item of a lazy iterator; JSON is streamed item by item."""
        if not self.json_mode:
            return self.table(items, columns, title=title)
        out = sys.stdout
        out.write('{"items": [')
        count = 0
        for item in items:
            out.write(",\n  " if count else "\n  ")
            out.write(dumps(item, self.zone, compact=True))
            count += 1
        out.write('\n], "next_token": null}\n' if count else '], "next_token": null}\n')
        out.flush()
        return count

    # -- progress -------------------------------------------------------------------------

    def progress(self, *, enabled: bool = True) -> Progress:
        """A progress bar on stderr; shown only when stderr is a terminal."""
        return Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            disable=not (enabled and self.err.is_terminal),
            redirect_stdout=False,
            redirect_stderr=False,
            transient=False,
        )


# --------------------------------------------------------------------------- errors


def error_message(exc: BaseException) -> str:
    """The one-line message of ``exc`` (a library error's message, without its context)."""
    if isinstance(exc, ValidationError) and len(exc.errors) > 1:
        parts = []
        for detail in exc.errors:
            loc = ".".join(str(p) for p in detail.get("loc", ()))
            parts.append(f"{loc}: {detail.get('msg', '')}" if loc else str(detail.get("msg", "")))
        head = exc.message.split(":", 1)[0]
        return f"{head}: " + "; ".join(parts)
    if isinstance(exc, TableNotFoundError):
        table = f"table {exc.table} does not exist" if exc.table else exc.message
        return f"{table}; create the tables with `dynamodb-wrapper tables create`"
    if isinstance(exc, DynamoDBWrapperError):
        return " ".join(exc.message.split())
    text = str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    first = text.strip().splitlines()[0] if text.strip() else ""
    return " ".join(first.split()) or type(exc).__name__


def report_error(exc: BaseException, *, verbose: bool) -> None:
    """``error: <message>`` on stderr; with ``verbose`` also the error type and cause chain."""
    console = stderr_console()
    message = error_message(exc)
    if verbose:
        message = f"{message} ({type(exc).__name__})"
    console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
    if not verbose:
        return
    if isinstance(exc, DynamoDBWrapperError) and str(exc) != exc.message:
        console.print(Text(f"  context: {str(exc)[len(exc.message) :].strip()}"), soft_wrap=True)
    elif not isinstance(exc, DynamoDBWrapperError):
        details = str(exc).strip().splitlines()[1:]  # e.g. the log tail of DynamoDB Local
        for line in details:
            console.print(Text(f"  {line}"), soft_wrap=True)
    seen = {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = " ".join(str(cause).split())
        console.print(Text(f"  caused by {type(cause).__name__}: {text}"), soft_wrap=True)
        cause = cause.__cause__ or cause.__context__
