"""``PipelineRunLogsReadApi``: reads of pipeline runs, statistics and time series."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dynamodb_wrapper.core.expressions import Attr, ConditionBase, SortCondition
from dynamodb_wrapper.core.model import coerce_enum
from dynamodb_wrapper.core.repository import ReadApi
from dynamodb_wrapper.core.timeutils import require_aware, to_utc, utc_now
from dynamodb_wrapper.exceptions import PipelineRunLogNotFoundError, ValidationError
from dynamodb_wrapper.models.domain_models import PipelineRunLog, RunStatus
from dynamodb_wrapper.models.views import PipelineRunLogView, PipelineRunSummary

__all__ = ["PipelineRunLogsReadApi", "PipelineRunStatistics", "TimeBucket"]

Page = tuple[list[PipelineRunLogView], str | None]
PIPELINE_INDEX = "PipelineRunsIndex"
STATUS_INDEX = "StatusRunsIndex"
_STATS_FIELDS = [
    "status",
    "start_time",
    "duration_seconds",
    "total_records_processed",
    "total_records_failed",
]


@dataclass(frozen=True)
class PipelineRunStatistics:
    """Aggregates over the runs of one pipeline in a time range."""

    pipeline_id: str
    total_runs: int
    by_status: dict[str, int]
    success_rate: float | None  # successes / finished (success + failed); None if none finished
    duration_p50: float | None
    duration_p95: float | None
    average_duration: float | None
    total_records_processed: int
    total_records_failed: int


@dataclass
class TimeBucket:
    """Runs that started in ``[start, start + width)``."""

    start: datetime
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    total_duration: float = 0.0
    records_processed: int = 0

    @property
    def average_duration(self) -> float | None:
        finished = self.by_status.get("success", 0) + self.by_status.get("failed", 0)
        return self.total_duration / finished if finished else None


def _percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return None
    rank = max(1, math.ceil(fraction * len(values)))
    return values[rank - 1]


class PipelineRunLogsReadApi(ReadApi[PipelineRunLog, PipelineRunLogView]):
    """Queries over pipeline runs (table ``pipeline_run_logs``).

    Time ranges are inclusive on both ends and must be timezone-aware. Lists are newest first
    unless ``newest_first=False``. Datetimes are returned in ``user_timezone`` (per call), else
    ``config.user_timezone``, else UTC.
    """

    model = PipelineRunLog
    view = PipelineRunLogView
    not_found_error = PipelineRunLogNotFoundError

    def get_by_id(
        self,
        run_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> PipelineRunLogView | None:
        """The run, or ``None``."""
        return self._get({"run_id": run_id}, projection=projection, user_timezone=user_timezone)

    def get_run_summary(
        self, run_id: str, user_timezone: str | None = None
    ) -> PipelineRunSummary | None:
        """The summary of one run (only the summary fields are read), or ``None``."""
        return self._get({"run_id": run_id}, user_timezone=user_timezone, view=PipelineRunSummary)

    def query_by_pipeline(
        self,
        pipeline_id: str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        status: RunStatus | str | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        newest_first: bool = True,
    ) -> Page:
        """Runs of a pipeline started in ``[start_time, end_time]``, optionally of one status."""
        return self._query(
            pipeline_id,
            index=PIPELINE_INDEX,
            sort=SortCondition.range(start_time, end_time),
            filter=self._status_filter(status),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
            newest_first=newest_first,
        )

    def query_by_status(
        self,
        status: RunStatus | str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        newest_first: bool = True,
        pipeline_id: str | None = None,
    ) -> Page:
        """Runs in ``status`` started in ``[start_time, end_time]``, optionally of one pipeline."""
        return self._query(
            coerce_enum(RunStatus, status, "status"),
            index=STATUS_INDEX,
            sort=SortCondition.range(start_time, end_time),
            filter=None if pipeline_id is None else Attr("pipeline_id").eq(pipeline_id),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
            newest_first=newest_first,
        )

    def iter_by_pipeline(self, pipeline_id: str, **kwargs: object) -> Iterator[PipelineRunLogView]:
        """Every run of ``query_by_pipeline(pipeline_id, **kwargs)``, fetched lazily."""
        return self._iterate(self.query_by_pipeline, pipeline_id=pipeline_id, **kwargs)

    def iter_by_status(
        self, status: RunStatus | str, **kwargs: object
    ) -> Iterator[PipelineRunLogView]:
        """Every run of ``query_by_status(status, **kwargs)``, fetched lazily."""
        return self._iterate(self.query_by_status, status=status, **kwargs)

    def list_runs(
        self,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """All runs in storage order (a paginated scan)."""
        return self._scan(
            limit=limit, next_token=next_token, projection=projection, user_timezone=user_timezone
        )

    def iter_runs(self, **kwargs: object) -> Iterator[PipelineRunLogView]:
        """Every run, fetched lazily (a scan)."""
        return self._iterate(self.list_runs, **kwargs)

    def get_running_runs(
        self, pipeline_id: str | None = None, user_timezone: str | None = None
    ) -> list[PipelineRunLogView]:
        """Every run currently ``running`` (optionally of one pipeline), newest first."""
        return list(
            self.iter_by_status(
                RunStatus.RUNNING, pipeline_id=pipeline_id, user_timezone=user_timezone
            )
        )

    def get_failed_runs_since(
        self,
        since: datetime,
        pipeline_id: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """Failed runs started at or after ``since``, newest first."""
        return self.query_by_status(
            RunStatus.FAILED,
            start_time=require_aware(since, "since"),
            pipeline_id=pipeline_id,
            limit=limit,
            next_token=next_token,
            user_timezone=user_timezone,
        )

    def get_recent_runs(
        self, pipeline_id: str, limit: int = 10, user_timezone: str | None = None
    ) -> list[PipelineRunLogView]:
        """The ``limit`` most recent runs of a pipeline."""
        return self.query_by_pipeline(pipeline_id, limit=limit, user_timezone=user_timezone)[0]

    def count_runs_by_pipeline(
        self,
        pipeline_id: str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        status: RunStatus | str | None = None,
    ) -> int:
        """Number of matching runs (``Select=COUNT``)."""
        return self._count(
            pipeline_id,
            index=PIPELINE_INDEX,
            sort=SortCondition.range(start_time, end_time),
            filter=self._status_filter(status),
        )

    def count_runs_by_status(
        self,
        status: RunStatus | str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> int:
        """Number of runs in ``status`` (``Select=COUNT``)."""
        return self._count(
            coerce_enum(RunStatus, status, "status"),
            index=STATUS_INDEX,
            sort=SortCondition.range(start_time, end_time),
        )

    def count_runs(self) -> int:
        """Number of runs (a ``Select=COUNT`` scan)."""
        return self._count()

    def get_pipeline_run_statistics(
        self,
        pipeline_id: str,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> PipelineRunStatistics:
        """Success rate, duration p50/p95 and record totals of a pipeline's runs.

        Only the attributes the figures need are read.
        """
        statuses: Counter[str] = Counter()
        durations: list[float] = []
        processed = failed = 0
        for run in self.iter_by_pipeline(
            pipeline_id, start_time=start_time, end_time=end_time, projection=_STATS_FIELDS
        ):
            statuses[str(run.status)] += 1
            if run.duration_seconds is not None and run.status in (
                RunStatus.SUCCESS,
                RunStatus.FAILED,
            ):
                durations.append(run.duration_seconds)
            processed += run.total_records_processed or 0
            failed += run.total_records_failed or 0
        durations.sort()
        finished = statuses["success"] + statuses["failed"]
        return PipelineRunStatistics(
            pipeline_id=pipeline_id,
            total_runs=sum(statuses.values()),
            by_status=dict(statuses),
            success_rate=statuses["success"] / finished if finished else None,
            duration_p50=_percentile(durations, 0.50),
            duration_p95=_percentile(durations, 0.95),
            average_duration=sum(durations) / len(durations) if durations else None,
            total_records_processed=processed,
            total_records_failed=failed,
        )

    def get_time_series(
        self,
        pipeline_id: str,
        start_time: datetime,
        end_time: datetime | None = None,
        bucket: timedelta = timedelta(hours=1),
        user_timezone: str | None = None,
    ) -> list[TimeBucket]:
        """Runs per time bucket from ``start_time`` to ``end_time`` (default: now), oldest first.

        Bucket edges are measured from ``start_time``; their ``start`` is shown in the caller's
        time zone.
        """
        if bucket <= timedelta(0):
            raise ValidationError("bucket must be a positive duration", field="bucket")
        start = to_utc(require_aware(start_time, "start_time"))
        end = to_utc(require_aware(end_time, "end_time")) if end_time is not None else utc_now()
        if end < start:
            raise ValidationError("end_time must not be before start_time", field="end_time")
        count = int((end - start) / bucket) + 1
        if count > 10_000:
            raise ValidationError("more than 10,000 buckets; widen the bucket", field="bucket")
        zone = self._zone(user_timezone)
        buckets = [
            TimeBucket(start=(start + i * bucket).astimezone(zone) if zone else start + i * bucket)
            for i in range(count)
        ]
        for run in self.iter_by_pipeline(
            pipeline_id,
            start_time=start,
            end_time=end,
            projection=_STATS_FIELDS,
            newest_first=False,
        ):
            if run.start_time is None:
                continue
            target = buckets[int((run.start_time - start) / bucket)]
            target.total += 1
            target.by_status[str(run.status)] = target.by_status.get(str(run.status), 0) + 1
            if run.status in (RunStatus.SUCCESS, RunStatus.FAILED):
                target.total_duration += run.duration_seconds or 0.0
            target.records_processed += run.total_records_processed or 0
        return buckets

    def find_stale_runs(
        self,
        older_than: datetime | timedelta,
        pipeline_id: str | None = None,
        user_timezone: str | None = None,
    ) -> list[PipelineRunLogView]:
        """Running runs whose last heartbeat (or start, if they never sent one) is older than
        ``older_than``: an aware cutoff, or an age such as ``timedelta(minutes=10)``."""
        if isinstance(older_than, timedelta):
            if older_than <= timedelta(0):
                raise ValidationError("older_than must be a positive age", field="older_than")
            cutoff = utc_now() - older_than
        else:
            cutoff = to_utc(require_aware(older_than, "older_than"))
        # A heartbeat is never before the start, so every stale run started before the cutoff:
        # that bound goes in the key condition, the heartbeat test in the filter.
        beat = Attr("last_heartbeat")
        silent = beat.lt(cutoff) | beat.not_exists()
        if pipeline_id is not None:
            silent = silent & Attr("pipeline_id").eq(pipeline_id)
        return list(
            self._iterate(
                self._query_stale,
                sort=SortCondition("lt", (cutoff,)),
                filter=silent,
                user_timezone=user_timezone,
            )
        )

    def _query_stale(self, **kwargs: Any) -> Page:
        return self._query(RunStatus.RUNNING, index=STATUS_INDEX, newest_first=False, **kwargs)

    @staticmethod
    def _status_filter(status: RunStatus | str | None) -> ConditionBase | None:
        if status is None:
            return None
        return Attr("status").eq(coerce_enum(RunStatus, status, "status"))
