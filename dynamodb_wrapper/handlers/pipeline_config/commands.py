"""``PipelineConfigWriteApi``: validated writes of pipeline configurations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from dynamodb_wrapper.core.expressions import Attr, ConditionBase, SortCondition, Update
from dynamodb_wrapper.core.repository import WriteApi
from dynamodb_wrapper.core.timeutils import format_utc, utc_now
from dynamodb_wrapper.exceptions import (
    PipelineConfigAlreadyExistsError,
    PipelineConfigNotFoundError,
)
from dynamodb_wrapper.models.domain_models import PipelineConfig
from dynamodb_wrapper.models.dtos import PipelineConfigUpsert

__all__ = ["PipelineConfigWriteApi"]


class PipelineConfigWriteApi(WriteApi[PipelineConfig, PipelineConfigUpsert]):
    """Writes of pipeline configurations; every input is a validated DTO or checked change."""

    model = PipelineConfig
    dto = PipelineConfigUpsert
    not_found_error = PipelineConfigNotFoundError
    already_exists_error = PipelineConfigAlreadyExistsError

    def create_pipeline(self, dto: PipelineConfigUpsert) -> PipelineConfig:
        """Create a pipeline. Raises ``PipelineConfigAlreadyExistsError`` if the id is taken."""
        return self._create(dto)

    def upsert_pipeline(self, dto: PipelineConfigUpsert) -> PipelineConfig:
        """Create or replace a pipeline in one write; a stored ``created_at`` is kept."""
        return self._upsert(dto)

    def upsert_many(
        self,
        dtos: Iterable[PipelineConfigUpsert],
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Batch upsert; returns how many were written (nothing is written if one is invalid)."""
        return self._upsert_many(dtos, on_progress=on_progress)

    def update_pipeline(
        self,
        pipeline_id: str,
        changes: Mapping[str, Any],
        condition: ConditionBase | None = None,
        expected_version: int | None = None,
    ) -> PipelineConfig:
        """Change some fields (validated like the DTO); ``None`` removes an optional field.

        ``condition`` (a ``Attr(...)`` expression) must hold on the stored item, else
        ``ConditionCheckFailedError``; with ``expected_version`` the stored ``item_version``
        must match, else ``VersionConflictError`` (carrying the stored item). A missing pipeline
        raises ``PipelineConfigNotFoundError``.
        """
        return self._update(
            {"pipeline_id": pipeline_id},
            changes,
            condition=condition,
            expected_version=expected_version,
        )

    def activate_pipeline(self, pipeline_id: str) -> PipelineConfig:
        """Mark a pipeline active."""
        return self._update({"pipeline_id": pipeline_id}, {"is_active": True})

    def deactivate_pipeline(self, pipeline_id: str) -> PipelineConfig:
        """Mark a pipeline inactive."""
        return self._update({"pipeline_id": pipeline_id}, {"is_active": False})

    def set_pipelines_active(self, pipeline_ids: Iterable[str], active: bool) -> int:
        """Activate or deactivate many pipelines; each group of 100 is one transaction, so a
        missing id cancels its whole group. Returns how many were changed."""
        ids = list(dict.fromkeys(pipeline_ids))
        for start in range(0, len(ids), 100):
            actions = [
                self._tx_update({"pipeline_id": pid}, Update().set("is_active", active))
                for pid in ids[start : start + 100]
            ]
            self.gateway.transact_write(actions)
        return len(ids)

    def delete_pipeline(self, pipeline_id: str, expected_version: int | None = None) -> None:
        """Delete a pipeline (only at ``expected_version``, when given).

        Raises:
            PipelineConfigNotFoundError: It does not exist.
            VersionConflictError: It is at another version.
        """
        self._delete({"pipeline_id": pipeline_id}, expected_version=expected_version)

    def archive_old_pipelines(self, older_than: datetime) -> int:
        """Deactivate the active pipelines not updated since ``older_than`` (aware) and tag them
        ``archived``. Each write re-checks ``updated_at``, so a pipeline updated (or deleted)
        meanwhile is left alone. Returns how many were archived."""
        stale = Attr("updated_at").lt(format_utc(older_than, "older_than"))
        archived_at = format_utc(utc_now())
        candidates = self.gateway.iter_query_items(
            True,
            index_name="ActivePipelinesIndex",
            sort=SortCondition("lt", (older_than,)),
            projection=["pipeline_id", "tags"],
        )
        return self._update_each(
            (
                {"pipeline_id": item["pipeline_id"]},
                {"is_active": False, "tags": {**item.get("tags", {}), "archived": archived_at}},
                stale,
            )
            for item in candidates
        )
