"""``PipelineRunLogsWriteApi``: the run lifecycle, safe under concurrency.

Every status change is one conditional write whose condition is the transition rule itself
(``status IN (allowed predecessors)``), so two workers finishing the same run cannot both win:
the loser gets ``InvalidStatusTransitionError`` (a ``ConflictError``) with the stored run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from dynamodb_wrapper.core.expressions import Attr, ConditionBase, SortCondition, Update, WireValue
from dynamodb_wrapper.core.model import carry_unknown, coerce_enum
from dynamodb_wrapper.core.repository import WriteApi
from dynamodb_wrapper.core.timeutils import require_aware, to_utc, utc_now
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    InvalidStatusTransitionError,
    PipelineRunLogAlreadyExistsError,
    PipelineRunLogNotFoundError,
    ValidationError,
)
from dynamodb_wrapper.handlers.pipeline_run_logs.queries import PipelineRunLogsReadApi
from dynamodb_wrapper.models.domain_models import PipelineRunLog, RunStatus, StageInfo, TriggerType
from dynamodb_wrapper.models.dtos import (
    ALLOWED_TRANSITIONS,
    PipelineRunLogStatusUpdate,
    PipelineRunLogUpsert,
)

__all__ = ["PipelineRunLogsWriteApi", "new_run_id"]

_METRIC_FIELDS = frozenset(
    {
        "total_records_processed",
        "total_records_failed",
        "input_data_size_bytes",
        "output_data_size_bytes",
        "spark_application_id",
        "cpu_hours",
        "memory_usage_gb",
        "data_quality_results",
        "data_quality_passed",
        "current_stage",
        "log_messages",
        "monitoring_urls",
        "retry_count",
    }
)
_OPEN = (RunStatus.PENDING, RunStatus.RUNNING)


def new_run_id(now: datetime | None = None) -> str:
    """A run id ordered by start time: ``run-YYYYMMDDTHHMMSSffffffZ-<8 random hex>``."""
    moment = to_utc(now or utc_now())
    return f"run-{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}"


def _predecessors(status: RunStatus) -> list[RunStatus]:
    return [s for s, nexts in ALLOWED_TRANSITIONS.items() if status in nexts]


class PipelineRunLogsWriteApi(WriteApi[PipelineRunLog, PipelineRunLogUpsert]):
    """Writes of pipeline runs: start, stages, metrics, finish, cancel, clean-up."""

    model = PipelineRunLog
    dto = PipelineRunLogUpsert
    not_found_error = PipelineRunLogNotFoundError
    already_exists_error = PipelineRunLogAlreadyExistsError
    immutable_fields = frozenset({"created_at", "pipeline_id", "start_time", "status"})

    # ------------------------------------------------------------------ creation

    def _expires_at(self, start: datetime) -> int | None:
        days = self.config.run_log_retention_days
        return int((start + timedelta(days=days)).timestamp()) if days else None

    def start_pipeline_run(
        self,
        pipeline_id: str,
        trigger_type: TriggerType | str = TriggerType.MANUAL,
        run_id: str | None = None,
        **fields: Any,
    ) -> PipelineRunLog:
        """Record a new ``running`` run and return it.

        ``run_id`` defaults to a time-ordered id; ``start_time`` defaults to now; ``expires_at``
        follows ``config.run_log_retention_days``. Other ``fields`` are any PipelineRunLog fields.
        """
        start = require_aware(fields.pop("start_time", None) or utc_now(), "start_time")
        fields.setdefault("status", RunStatus.RUNNING)
        if "expires_at" not in fields:
            fields["expires_at"] = self._expires_at(start)
        dto = PipelineRunLogUpsert(
            run_id=run_id or new_run_id(start),
            pipeline_id=pipeline_id,
            trigger_type=coerce_enum(TriggerType, trigger_type, "trigger_type"),
            start_time=start,
            **fields,
        )
        return self._create(dto)

    def create_run_log(self, dto: PipelineRunLogUpsert) -> PipelineRunLog:
        """Insert a run log; ``PipelineRunLogAlreadyExistsError`` if the run id exists."""
        return self._create(dto)

    replacement_checked_fields = ("status",)

    def upsert_run_log(self, dto: PipelineRunLogUpsert) -> PipelineRunLog:
        """Create or replace a run log in one write, keeping ``created_at``.

        The replacement may not move the stored status backwards: the write's condition
        requires a new run, the same status, or an allowed transition.

        Raises:
            InvalidStatusTransitionError: The stored run's status cannot become ``dto.status``.
        """
        status = Attr("status")
        allowed = (
            Attr("run_id").not_exists()
            | status.eq(dto.status)
            | status.is_in(_predecessors(dto.status) or [dto.status])
        )
        try:
            return self._upsert(dto, condition=allowed)
        except ConditionCheckFailedError as exc:
            stored = (exc.item or {}).get("status")
            raise InvalidStatusTransitionError(
                f"run {dto.run_id} is {stored!r}; an upsert cannot make it {dto.status.value!r}",
                item=exc.item,
                **exc.context(),
            ) from exc

    def _check_replacement(self, stored: Mapping[str, Any], new: PipelineRunLog) -> None:
        current = stored.get("status")
        if current is None or current == new.status.value:
            return
        if RunStatus(current) not in _predecessors(new.status):
            raise InvalidStatusTransitionError(
                f"run {new.run_id} is {current!r}; a batch upsert cannot make it "
                f"{new.status.value!r} (nothing was written)",
                item=dict(stored),
                table=self.gateway.table_name,
            )

    def upsert_many(
        self,
        dtos: Iterable[PipelineRunLogUpsert],
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Batch upsert (25 per request); returns how many were written."""
        return self._upsert_many(dtos, on_progress=on_progress)

    def delete_run_log(self, run_id: str, expected_version: int | None = None) -> None:
        """Delete a run (only at ``expected_version``, when given).

        Raises:
            PipelineRunLogNotFoundError: It does not exist.
            VersionConflictError: It is at another version.
        """
        self._delete({"run_id": run_id}, expected_version=expected_version)

    # ------------------------------------------------------------------ progress

    def add_stage(self, run_id: str, stage: StageInfo | Mapping[str, Any]) -> PipelineRunLog:
        """Append a stage (re-validated) and make it the current one, while the run is open."""
        data = stage.model_dump() if isinstance(stage, StageInfo) else dict(stage)
        checked = StageInfo.model_validate(data)
        update = Update().append("stages", [checked]).set("current_stage", checked.stage_name)
        return self._transition(run_id, update, _OPEN)

    def update_stage(self, run_id: str, stage_name: str, **changes: Any) -> PipelineRunLog:
        """Change fields of the stage called ``stage_name`` (validated like ``StageInfo``).

        The write is conditional on that stage being stored exactly as it was read (and still
        at its position), so concurrent edits of one stage are never lost (a race is re-read and
        re-applied) while edits of other stages, metrics or heartbeats do not conflict with it.
        Keys of the stored stage that ``StageInfo`` does not declare are kept.
        """
        position: list[int] = []

        def plan(
            run: PipelineRunLog, raw: Mapping[str, Any]
        ) -> tuple[Update, ConditionBase | None]:
            found = next((i for i, s in enumerate(run.stages) if s.stage_name == stage_name), None)
            if found is None:
                raise ValidationError(
                    f"run {run_id} has no stage {stage_name!r}", field="stage_name"
                )
            stored = run.stages[found]
            merged = StageInfo.model_validate({**stored.model_dump(), **changes})
            carry_unknown(merged, stored)
            position[:] = [found]
            return Update().set(f"stages[{found}]", merged), None

        def guard(raw: Mapping[str, Any]) -> ConditionBase:
            path = f"stages[{position[0]}]"
            return Attr("run_id").exists() & Attr(path).eq(
                WireValue(raw["stages"]["L"][position[0]])
            )

        return self._guarded({"run_id": run_id}, plan, guard=guard)

    def update_metrics(self, run_id: str, **metrics: Any) -> PipelineRunLog:
        """Set metric fields (records, sizes, cpu hours, data-quality results...)."""
        return self._update({"run_id": run_id}, self._metrics(metrics))

    # ------------------------------------------------------------------ status

    def update_run_status(
        self, update: PipelineRunLogStatusUpdate, **metrics: Any
    ) -> PipelineRunLog:
        """Move a run to ``update.status`` if the transition rules allow it, in one conditional
        write that also sets ``metrics`` (validated metric fields).

        Terminal statuses also set ``end_time`` (default now) and ``duration_seconds``.

        Raises:
            InvalidStatusTransitionError: The stored status does not allow it (``.item`` shows it).
            PipelineRunLogNotFoundError: No such run.
        """
        target = update.status
        predecessors = _predecessors(target)
        if not predecessors:
            raise ValidationError(f"no run can move to status {target.value!r}", field="status")
        changes = Update()
        if metrics:
            for name, value in self._validated_changes(self._metrics(metrics)).items():
                if value is not None:
                    changes.set(name, value)
        changes.set("status", target)
        for name in ("error_message", "error_stack_trace", "current_stage"):
            value = getattr(update, name)
            if value is not None:
                changes.set(name, value)
        if target.is_terminal:
            run = self._get_model({"run_id": update.run_id})
            if run is None:
                raise self._not_found({"run_id": update.run_id})
            end = update.end_time or utc_now()
            if end < run.start_time:
                raise ValidationError("end_time must not be before start_time", field="end_time")
            changes.set("end_time", end)
            changes.set("duration_seconds", (end - run.start_time).total_seconds())
        return self._transition(update.run_id, changes, predecessors)

    def finish_pipeline_run(
        self,
        run_id: str,
        status: RunStatus | str,
        error_message: str | None = None,
        **metrics: Any,
    ) -> PipelineRunLog:
        """Finish a run with a terminal status, setting end_time, duration and ``metrics``
        (``total_records_processed=...``; ``end_time=`` overrides now) in one conditional write.

        Raises:
            InvalidStatusTransitionError: The run is already terminal (a ``ConflictError``).
        """
        target = coerce_enum(RunStatus, status, "status")
        if not target.is_terminal:
            raise ValidationError(
                f"finish needs a terminal status (success, failed, cancelled, skipped), "
                f"got {target.value!r}",
                field="status",
            )
        end_time = metrics.pop("end_time", None)
        return self.update_run_status(
            PipelineRunLogStatusUpdate(
                run_id=run_id, status=target, error_message=error_message, end_time=end_time
            ),
            **metrics,
        )

    def cancel_pipeline_run(self, run_id: str, reason: str | None = None) -> PipelineRunLog:
        """Cancel a pending or running run."""
        return self.finish_pipeline_run(run_id, RunStatus.CANCELLED, error_message=reason)

    def cancel_running_runs(self, pipeline_id: str, reason: str | None = None) -> int:
        """Cancel every pending or running run of a pipeline; runs that finish meanwhile are
        left as they are. Returns how many were cancelled."""
        cancelled = 0
        for item in self.gateway.iter_query_items(
            pipeline_id,
            index_name="PipelineRunsIndex",
            filter=Attr("status").is_in(list(_OPEN)),
            projection=["run_id"],
        ):
            try:
                self.cancel_pipeline_run(item["run_id"], reason)
            except (InvalidStatusTransitionError, PipelineRunLogNotFoundError):
                continue
            cancelled += 1
        return cancelled

    @staticmethod
    def _metrics(metrics: Mapping[str, Any]) -> Mapping[str, Any]:
        unknown = set(metrics) - _METRIC_FIELDS
        if unknown:
            raise ValidationError(
                f"not metric fields: {sorted(unknown)}; allowed: {sorted(_METRIC_FIELDS)}",
                field=sorted(unknown)[0],
            )
        return metrics

    def _transition(
        self,
        run_id: str,
        update: Update,
        allowed_from: Iterable[RunStatus],
        also: ConditionBase | None = None,
    ) -> PipelineRunLog:
        """Apply ``update`` only if the stored status is in ``allowed_from`` (and ``also``)."""
        allowed = list(allowed_from)
        condition = Attr("status").is_in(allowed)
        try:
            return self._apply(
                {"run_id": run_id}, update, condition if also is None else condition & also
            )
        except ConditionCheckFailedError as exc:
            stored = (exc.item or {}).get("status")
            raise InvalidStatusTransitionError(
                f"run {run_id} is {stored!r}; this change is allowed only from "
                f"{', '.join(s.value for s in allowed)}"
                + ("" if also is None else " and while its state is as read"),
                item=exc.item,
                **exc.context(),
            ) from exc

    # ------------------------------------------------------------------ liveness

    def heartbeat(self, run_id: str) -> PipelineRunLog:
        """Record that a pending or running run is alive (``last_heartbeat = now``).

        Raises:
            InvalidStatusTransitionError: The run has finished.
            PipelineRunLogNotFoundError: No such run.
        """
        return self._transition(run_id, Update().set("last_heartbeat", utc_now()), _OPEN)

    def fail_stale_runs(
        self,
        older_than: datetime | timedelta,
        pipeline_id: str | None = None,
        error_message: str = "heartbeat lost: the run stopped reporting",
    ) -> list[str]:
        """Mark as failed every running run whose heartbeat (or start, if it never sent one)
        is older than ``older_than`` (an aware cutoff, or an age like ``timedelta(minutes=10)``).

        Each run is failed by one conditional write that also requires its heartbeat to be
        unchanged since it was read, so a run that finished or sent a heartbeat meanwhile is
        left alone. Returns the ids of the runs failed.
        """
        stale = PipelineRunLogsReadApi(self.config, gateway=self.gateway).find_stale_runs(
            older_than, pipeline_id=pipeline_id
        )
        failed: list[str] = []
        now = utc_now()
        for run in stale:
            if run.run_id is None or run.start_time is None:
                continue
            beat = Attr("last_heartbeat")
            unchanged = beat.not_exists()
            if run.last_heartbeat is not None:
                # The guard compares the heartbeat as stored (another writer may have stored it
                # with an offset, which our canonical text would never equal).
                stored = self.gateway.get_item(
                    {"run_id": run.run_id}, projection=["last_heartbeat"], consistent_read=True
                )
                wire = (stored or {}).get("last_heartbeat")
                if wire is None:
                    continue  # deleted, or its heartbeat removed, since it was found
                unchanged = beat.eq(WireValue(wire))
            update = (
                Update()
                .set("status", RunStatus.FAILED)
                .set("end_time", now)
                .set("duration_seconds", max(0.0, (now - run.start_time).total_seconds()))
                .set("error_message", error_message)
            )
            try:
                self._transition(run.run_id, update, [RunStatus.RUNNING], also=unchanged)
            except (InvalidStatusTransitionError, PipelineRunLogNotFoundError):
                continue
            failed.append(run.run_id)
        return failed

    # ------------------------------------------------------------------ clean-up

    def cleanup_old_runs(self, older_than: datetime, pipeline_id: str | None = None) -> int:
        """Delete runs started before ``older_than`` (aware): through the pipeline index when
        ``pipeline_id`` is given, else a scan. Returns how many were deleted."""
        cutoff = require_aware(older_than, "older_than")
        keys = (
            self.gateway.iter_query_items(
                pipeline_id,
                index_name="PipelineRunsIndex",
                sort=SortCondition("lt", (cutoff,)),
                projection=["run_id"],
            )
            if pipeline_id is not None
            else self.gateway.iter_scan_items(
                filter=Attr("start_time").lt(cutoff), projection=["run_id"]
            )
        )
        return self._delete_many(keys)
