"""``dynamodb-wrapper pipelines …``: pipeline configurations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import typer
from rich.markup import escape

from dynamodb_wrapper import (
    Environment,
    PipelineConfigNotFoundError,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigView,
    PipelineConfigWriteApi,
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
from dynamodb_wrapper.cli.render import Column, field

__all__ = ["app"]

app = typer.Typer(
    help="Pipeline configurations: list, show, create, update, activate, deactivate, delete.",
    no_args_is_help=True,
)

COLUMNS = [
    field("pipeline_id", "id"),
    field("pipeline_name", "name"),
    field("environment", "env"),
    field("is_active", "active"),
    field("schedule_expression", "schedule"),
    Column("source → destination", lambda p: f"{p.source_type} → {p.destination_type}"),
    field("updated_at", "updated"),
]

PipelineId = Annotated[
    str, typer.Argument(help="The pipeline id.", show_default=False, callback=check_ids)
]


@app.command("list")
def list_pipelines(
    ctx: typer.Context,
    active: Annotated[
        bool | None,
        typer.Option("--active/--inactive", help="Only active (or inactive) pipelines."),
    ] = None,
    env: Annotated[
        Environment | None, typer.Option("--env", help="Only pipelines of this environment.")
    ] = None,
    limit: Limit = 20,
    next_token: NextToken = None,
    all_pages: AllPages = False,
) -> None:
    """List pipelines (all, active/inactive, or of one environment; newest first)."""
    state, out = output(ctx)
    api = PipelineConfigReadApi(state.config)
    tz = state.zone_name
    if active is not None and env is not None:
        raise CliUsageError("--active/--inactive and --env cannot be combined")

    def run(page: PageFn[PipelineConfigView], every: EveryFn[PipelineConfigView]) -> None:
        list_items(
            out,
            page=page,
            every=every,
            columns=COLUMNS,
            limit=limit,
            next_token=next_token,
            all_pages=all_pages,
        )

    if env is not None:
        environment = env
        run(
            lambda n, t: api.query_by_environment(
                environment, limit=n, next_token=t, user_timezone=tz
            ),
            lambda: api.iter_by_environment(environment, user_timezone=tz),
        )
    elif active is True:
        run(
            lambda n, t: api.query_active_pipelines(limit=n, next_token=t, user_timezone=tz),
            lambda: api.iter_active_pipelines(user_timezone=tz),
        )
    elif active is False:

        def every_inactive() -> Iterator[PipelineConfigView]:
            # The read API has no iter_inactive_pipelines: page through the query by hand.
            token: str | None = None
            while True:
                items, token = api.query_inactive_pipelines(
                    limit=1000, next_token=token, user_timezone=tz
                )
                yield from items
                if token is None:
                    return

        run(
            lambda n, t: api.query_inactive_pipelines(limit=n, next_token=t, user_timezone=tz),
            every_inactive,
        )
    else:
        run(
            lambda n, t: api.list_pipelines(limit=n, next_token=t, user_timezone=tz),
            lambda: api.iter_pipelines(user_timezone=tz),
        )


@app.command("show")
def show(ctx: typer.Context, pipeline_id: PipelineId) -> None:
    """Show one pipeline with every field."""
    state, out = output(ctx)
    view = PipelineConfigReadApi(state.config).get_by_id(pipeline_id, user_timezone=state.zone_name)
    if view is None:
        raise PipelineConfigNotFoundError(
            f"pipeline {pipeline_id!r} does not exist", key={"pipeline_id": pipeline_id}
        )
    if out.json_mode:
        out.json(view)
    else:
        out.record(view, title=f"pipeline {pipeline_id}")


@app.command("create")
def create(
    ctx: typer.Context,
    pipeline_id: Annotated[
        str | None, typer.Argument(help="The new pipeline's id (or pipeline_id in --file).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="pipeline_name")] = None,
    source_type: Annotated[str | None, typer.Option("--source-type")] = None,
    destination_type: Annotated[str | None, typer.Option("--destination-type")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    schedule: Annotated[
        str | None, typer.Option("--schedule", help="Cron expression, e.g. '0 2 * * *'.")
    ] = None,
    env: Annotated[Environment | None, typer.Option("--env", help="environment")] = None,
    version: Annotated[str | None, typer.Option("--version")] = None,
    cpu_cores: Annotated[int | None, typer.Option("--cpu-cores")] = None,
    memory_gb: Annotated[str | None, typer.Option("--memory-gb")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
    created_by: Annotated[str | None, typer.Option("--created-by")] = None,
    tags: TagPairs = None,
    file: FileOption = None,
) -> None:
    """Create a pipeline from options and/or --file (fails if the id exists)."""
    state, out = output(ctx)
    data = merge_input(
        file,
        {
            "pipeline_id": pipeline_id,
            "pipeline_name": name,
            "source_type": source_type,
            "destination_type": destination_type,
            "description": description,
            "schedule_expression": schedule,
            "environment": env,
            "version": version,
            "cpu_cores": cpu_cores,
            "memory_gb": memory_gb,
            "is_active": active,
            "created_by": created_by,
            "tags": parse_tags(tags or []),
        },
    )
    created = PipelineConfigWriteApi(state.config).create_pipeline(
        PipelineConfigUpsert.model_validate(data)
    )
    if out.json_mode:
        out.json(created)
    else:
        out.print(f"created pipeline [bold]{created.pipeline_id}[/bold]")


@app.command("update")
def update(
    ctx: typer.Context,
    pipeline_id: PipelineId,
    set_pairs: SetPairs = None,
    file: FileOption = None,
) -> None:
    """Change fields of a pipeline: --set key=value ... and/or --file changes.json."""
    state, out = output(ctx)
    changes = merge_input(file, parse_set_pairs(set_pairs or []), keep_none=True)
    if not changes:
        raise CliUsageError("nothing to change: give --set KEY=VALUE or --file")
    updated = PipelineConfigWriteApi(state.config).update_pipeline(pipeline_id, changes)
    if out.json_mode:
        out.json(updated)
    else:
        out.print(
            f"updated pipeline [bold]{updated.pipeline_id}[/bold]: {escape(', '.join(changes))}"
        )


def _set_active(ctx: typer.Context, pipeline_ids: list[str], active: bool) -> None:
    state, out = output(ctx)
    api = PipelineConfigWriteApi(state.config)
    ids = list(dict.fromkeys(pipeline_ids))
    if len(ids) == 1:
        if active:
            api.activate_pipeline(ids[0])
        else:
            api.deactivate_pipeline(ids[0])
    else:
        api.set_pipelines_active(ids, active)
    verb = "activated" if active else "deactivated"
    if out.json_mode:
        out.json({verb: ids})
    else:
        out.print(f"{verb} {len(ids)} pipeline(s): {', '.join(ids)}")


@app.command("activate")
def activate(
    ctx: typer.Context,
    pipeline_ids: Annotated[
        list[str], typer.Argument(help="One or more pipeline ids.", callback=check_ids)
    ],
) -> None:
    """Mark pipelines active (several ids: all or none, in one transaction per 100)."""
    _set_active(ctx, pipeline_ids, True)


@app.command("deactivate")
def deactivate(
    ctx: typer.Context,
    pipeline_ids: Annotated[
        list[str], typer.Argument(help="One or more pipeline ids.", callback=check_ids)
    ],
) -> None:
    """Mark pipelines inactive (several ids: all or none, in one transaction per 100)."""
    _set_active(ctx, pipeline_ids, False)


@app.command("delete")
def delete(ctx: typer.Context, pipeline_id: PipelineId) -> None:
    """Delete a pipeline (its table configs and runs are kept)."""
    state, out = output(ctx)
    PipelineConfigWriteApi(state.config).delete_pipeline(pipeline_id)
    if out.json_mode:
        out.json({"deleted": pipeline_id})
    else:
        out.print(f"deleted pipeline [bold]{pipeline_id}[/bold]")
