"""``PipelineConfigReadApi``: reads of pipeline configurations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from dynamodb_wrapper.core.expressions import SortCondition
from dynamodb_wrapper.core.model import coerce_enum
from dynamodb_wrapper.core.repository import ReadApi
from dynamodb_wrapper.core.timeutils import require_aware
from dynamodb_wrapper.exceptions import PipelineConfigNotFoundError
from dynamodb_wrapper.models.domain_models import Environment, PipelineConfig
from dynamodb_wrapper.models.views import PipelineConfigSummary, PipelineConfigView

__all__ = ["PipelineConfigReadApi"]

Page = tuple[list[PipelineConfigView], str | None]
ACTIVE_INDEX = "ActivePipelinesIndex"
ENVIRONMENT_INDEX = "EnvironmentIndex"


class PipelineConfigReadApi(ReadApi[PipelineConfig, PipelineConfigView]):
    """Queries over pipeline configurations (table ``pipeline_config``).

    Every list method returns ``(items, next_token)``; pass ``next_token`` back to get the next
    page. Datetimes are in ``user_timezone`` (per call), else ``config.user_timezone``, else UTC.
    """

    model = PipelineConfig
    view = PipelineConfigView
    not_found_error = PipelineConfigNotFoundError

    def get_by_id(
        self,
        pipeline_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> PipelineConfigView | None:
        """The pipeline, or ``None``; ``projection`` limits the fields read."""
        return self._get(
            {"pipeline_id": pipeline_id}, projection=projection, user_timezone=user_timezone
        )

    def get_summary(
        self, pipeline_id: str, user_timezone: str | None = None
    ) -> PipelineConfigSummary | None:
        """The summary view of one pipeline (only its fields are read), or ``None``."""
        return self._get(
            {"pipeline_id": pipeline_id},
            user_timezone=user_timezone,
            view=PipelineConfigSummary,
        )

    def get_many(
        self,
        pipeline_ids: Iterable[str],
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> list[PipelineConfigView]:
        """The existing pipelines among ``pipeline_ids``, in that order (batch reads)."""
        return self._batch_get(
            ({"pipeline_id": pid} for pid in pipeline_ids),
            projection=projection,
            user_timezone=user_timezone,
        )

    def query_active_pipelines(
        self,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """Active pipelines, most recently updated first (``ActivePipelinesIndex``)."""
        return self._query(
            True,
            index=ACTIVE_INDEX,
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
            newest_first=True,
        )

    def query_inactive_pipelines(
        self,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """Inactive pipelines, most recently updated first."""
        return self._query(
            False,
            index=ACTIVE_INDEX,
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
            newest_first=True,
        )

    def query_by_environment(
        self,
        environment: Environment | str,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> Page:
        """Pipelines of one environment, newest first, optionally created in a range
        (inclusive; bounds must be timezone-aware)."""
        return self._query(
            coerce_enum(Environment, environment, "environment"),
            index=ENVIRONMENT_INDEX,
            sort=SortCondition.range(
                created_after and require_aware(created_after, "created_after"),
                created_before and require_aware(created_before, "created_before"),
            ),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
            newest_first=True,
        )

    def list_pipelines(
        self,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """All pipelines, in storage order (a paginated scan)."""
        return self._scan(
            limit=limit, next_token=next_token, projection=projection, user_timezone=user_timezone
        )

    def list_summaries(
        self, limit: int = 50, next_token: str | None = None, user_timezone: str | None = None
    ) -> tuple[list[PipelineConfigSummary], str | None]:
        """All pipelines as summaries (only the summary fields are read)."""
        return self._scan(
            limit=limit,
            next_token=next_token,
            user_timezone=user_timezone,
            view=PipelineConfigSummary,
        )

    def iter_active_pipelines(
        self, projection: Sequence[str] | None = None, user_timezone: str | None = None
    ) -> Iterator[PipelineConfigView]:
        """Every active pipeline, fetched lazily page by page."""
        return self._iterate(
            self.query_active_pipelines, projection=projection, user_timezone=user_timezone
        )

    def iter_inactive_pipelines(
        self, projection: Sequence[str] | None = None, user_timezone: str | None = None
    ) -> Iterator[PipelineConfigView]:
        """Every inactive pipeline, fetched lazily page by page."""
        return self._iterate(
            self.query_inactive_pipelines, projection=projection, user_timezone=user_timezone
        )

    def iter_by_environment(
        self,
        environment: Environment | str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Iterator[PipelineConfigView]:
        """Every pipeline of ``environment``, fetched lazily."""
        return self._iterate(
            self.query_by_environment,
            environment=environment,
            projection=projection,
            user_timezone=user_timezone,
        )

    def iter_pipelines(
        self, projection: Sequence[str] | None = None, user_timezone: str | None = None
    ) -> Iterator[PipelineConfigView]:
        """Every pipeline, fetched lazily."""
        return self._iterate(
            self.list_pipelines, projection=projection, user_timezone=user_timezone
        )

    def count_active_pipelines(self) -> int:
        """Number of active pipelines (``Select=COUNT``; no items are read)."""
        return self._count(True, index=ACTIVE_INDEX)

    def count_pipelines_by_environment(self, environment: Environment | str) -> int:
        """Number of pipelines in ``environment`` (``Select=COUNT``)."""
        return self._count(
            coerce_enum(Environment, environment, "environment"), index=ENVIRONMENT_INDEX
        )

    def count_pipelines(self) -> int:
        """Number of pipelines (a ``Select=COUNT`` scan)."""
        return self._count()
