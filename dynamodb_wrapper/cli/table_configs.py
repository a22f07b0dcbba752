"""``dynamodb-wrapper tables-config …``: table configurations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from dynamodb_wrapper import (
    DataFormat,
    Environment,
    TableConfigNotFoundError,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigView,
    TableConfigWriteApi,
    TableType,
)
from dynamodb_wrapper.cli.context import CliUsageError
from dynamodb_wrapper.cli.inputs import merge_input, parse_set_pairs, parse_tags
from dynamodb_wrapper.cli.options import (
    AllPages,
    EveryFn,
    FileOption,
    Limit,
    NextToken,
    PageFn,
    SetPairs,
    TagPairs,
    check_ids,
    list_items,
    output,
)
from dynamodb_wrapper.cli.render import field

__all__ = ["app"]

app = typer.Typer(
    help="Table configurations: list, show, create, update, activate, deactivate, delete.",
    no_args_is_help=True,
)

COLUMNS = [
    field("table_id", "id"),
    field("pipeline_id", "pipeline"),
    field("table_name", "name"),
    field("table_type", "type"),
    field("data_format", "format"),
    field("is_active", "active"),
    field("location"),
    field("updated_at", "updated"),
]

TableId = Annotated[
    str, typer.Argument(help="The table config id.", show_default=False, callback=check_ids)
]


@app.command("list")
def list_tables(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None,
        typer.Option("--pipeline", help="Only the tables of this pipeline.", callback=check_ids),
    ] = None,
    table_type: Annotated[
        TableType | None, typer.Option("--type", help="Only tables of this type.")
    ] = None,
    data_format: Annotated[
        DataFormat | None,
        typer.Option("--format", help="Only tables in this format (a filtered scan)."),
    ] = None,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Only active tables (needs --pipeline).")
    ] = False,
    limit: Limit = 20,
    next_token: NextToken = None,
    all_pages: AllPages = False,
) -> None:
    """List table configs (all, of a pipeline, of a type, or in a format)."""
    state, out = output(ctx)
    api = TableConfigReadApi(state.config)
    tz = state.zone_name
    if data_format is not None and (pipeline is not None or table_type is not None):
        raise CliUsageError("--format cannot be combined with --pipeline or --type")
    if active_only and (pipeline is None or table_type is not None):
        raise CliUsageError("--active-only needs --pipeline (and no --type)")

    def run(page: PageFn[TableConfigView], every: EveryFn[TableConfigView]) -> None:
        list_items(
            out,
            page=page,
            every=every,
            columns=COLUMNS,
            limit=limit,
            next_token=next_token,
            all_pages=all_pages,
        )

    if pipeline is not None and active_only:
        run(
            page=lambda n, t: api.query_active_tables(
                pipeline, limit=n, next_token=t, user_timezone=tz
            ),
            every=lambda: api.iter_active_tables(pipeline, user_timezone=tz),
        )
    elif pipeline is not None:
        run(
            page=lambda n, t: api.query_by_pipeline(
                pipeline, table_type, limit=n, next_token=t, user_timezone=tz
            ),
            every=lambda: api.iter_by_pipeline(pipeline, table_type, user_timezone=tz),
        )
    elif table_type is not None:
        run(
            page=lambda n, t: api.query_by_type(
                table_type, limit=n, next_token=t, user_timezone=tz
            ),
            every=lambda: api.iter_by_type(table_type, user_timezone=tz),
        )
    elif data_format is not None:
        run(
            page=lambda n, t: api.query_by_format(
                data_format, limit=n, next_token=t, user_timezone=tz
            ),
            every=lambda: api.iter_by_format(data_format, user_timezone=tz),
        )
    else:
        run(
            page=lambda n, t: api.list_tables(limit=n, next_token=t, user_timezone=tz),
            every=lambda: api.iter_tables(user_timezone=tz),
        )


@app.command("show")
def show(ctx: typer.Context, table_id: TableId) -> None:
    """Show one table config with every field."""
    state, out = output(ctx)
    view = TableConfigReadApi(state.config).get_by_id(table_id, user_timezone=state.zone_name)
    if view is None:
        raise TableConfigNotFoundError(
            f"table config {table_id!r} does not exist", key={"table_id": table_id}
        )
    if out.json_mode:
        out.json(view)
    else:
        out.record(view, title=f"table config {table_id}")


@app.command("create")
def create(
    ctx: typer.Context,
    table_id: Annotated[
        str | None, typer.Argument(help="The new table config's id (or table_id in --file).")
    ] = None,
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="pipeline_id")] = None,
    name: Annotated[str | None, typer.Option("--name", help="table_name")] = None,
    table_type: Annotated[TableType | None, typer.Option("--type", help="table_type")] = None,
    data_format: Annotated[DataFormat | None, typer.Option("--format", help="data_format")] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="URI (s3://…, jdbc:…) or absolute path.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    env: Annotated[Environment | None, typer.Option("--env", help="environment")] = None,
    retention_days: Annotated[int | None, typer.Option("--retention-days")] = None,
    archive_after_days: Annotated[int | None, typer.Option("--archive-after-days")] = None,
    partition_columns: Annotated[
        list[str] | None, typer.Option("--partition-column", help="Repeatable.")
    ] = None,
    primary_key_columns: Annotated[
        list[str] | None, typer.Option("--primary-key-column", help="Repeatable.")
    ] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
    created_by: Annotated[str | None, typer.Option("--created-by")] = None,
    tags: TagPairs = None,
    file: FileOption = None,
) -> None:
    """Create a table config from options and/or --file (fails if the id exists)."""
    state, out = output(ctx)
    data = merge_input(
        file,
        {
            "table_id": table_id,
            "pipeline_id": pipeline,
            "table_name": name,
            "table_type": table_type,
            "data_format": data_format,
            "location": location,
            "description": description,
            "environment": env,
            "retention_days": retention_days,
            "archive_after_days": archive_after_days,
            "partition_columns": partition_columns or None,
            "primary_key_columns": primary_key_columns or None,
            "is_active": active,
            "created_by": created_by,
            "tags": parse_tags(tags or []),
        },
    )
    created = TableConfigWriteApi(state.config).create_table(TableConfigUpsert.model_validate(data))
    if out.json_mode:
        out.json(created)
    else:
        out.print(f"created table config [bold]{created.table_id}[/bold]")


@app.command("update")
def update(
    ctx: typer.Context,
    table_id: TableId,
    set_pairs: SetPairs = None,
    file: FileOption = None,
) -> None:
    """Change fields of a table config: --set key=value ... and/or --file changes.json."""
    state, out = output(ctx)
    changes = merge_input(file, parse_set_pairs(set_pairs or []), keep_none=True)
    if not changes:
        raise CliUsageError("nothing to change: give --set KEY=VALUE or --file")
    updated = TableConfigWriteApi(state.config).update_table(table_id, changes)
    if out.json_mode:
        out.json(updated)
    else:
        out.print(
            f"updated table config [bold]{updated.table_id}[/bold]: {escape(', '.join(changes))}"
        )


def _set_active(
    ctx: typer.Context, table_ids: list[str] | None, pipeline: str | None, active: bool
) -> None:
    state, out = output(ctx)
    ids = list(dict.fromkeys(table_ids or []))
    if bool(ids) == (pipeline is not None):
        raise CliUsageError("give table ids or --pipeline (not both)")
    api = TableConfigWriteApi(state.config)
    verb = "activated" if active else "deactivated"
    if pipeline is not None:
        changed = (
            api.activate_tables_for_pipeline(pipeline)
            if active
            else api.deactivate_tables_for_pipeline(pipeline)
        )
        if out.json_mode:
            out.json({verb: changed, "pipeline_id": pipeline})
        else:
            out.print(f"{verb} {changed} table config(s) of pipeline {pipeline}")
        return
    for table_id in ids:
        api.set_table_status(table_id, active)
    if out.json_mode:
        out.json({verb: ids})
    else:
        out.print(f"{verb} {len(ids)} table config(s): {', '.join(ids)}")


TableIds = Annotated[list[str] | None, typer.Argument(help="Table config ids.", callback=check_ids)]
PipelineOption = Annotated[
    str | None,
    typer.Option("--pipeline", help="Every table config of this pipeline.", callback=check_ids),
]


@app.command("activate")
def activate(
    ctx: typer.Context, table_ids: TableIds = None, pipeline: PipelineOption = None
) -> None:
    """Mark table configs active (by id, or all of a pipeline)."""
    _set_active(ctx, table_ids, pipeline, True)


@app.command("deactivate")
def deactivate(
    ctx: typer.Context, table_ids: TableIds = None, pipeline: PipelineOption = None
) -> None:
    """Mark table configs inactive (by id, or all of a pipeline)."""
    _set_active(ctx, table_ids, pipeline, False)


@app.command("delete")
def delete(ctx: typer.Context, table_id: TableId) -> None:
    """Delete a table config."""
    state, out = output(ctx)
    TableConfigWriteApi(state.config).delete_table(table_id)
    if out.json_mode:
        out.json({"deleted": table_id})
    else:
        out.print(f"deleted table config [bold]{table_id}[/bold]")
