"""``TableConfigWriteApi``: validated writes of table configurations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from dynamodb_wrapper.core.expressions import Attr, ConditionBase, Update
from dynamodb_wrapper.core.repository import WriteApi
from dynamodb_wrapper.core.timeutils import format_utc
from dynamodb_wrapper.exceptions import (
    TableConfigAlreadyExistsError,
    TableConfigNotFoundError,
    ValidationError,
)
from dynamodb_wrapper.handlers.table_config.queries import PIPELINE_INDEX
from dynamodb_wrapper.models.domain_models import TableConfig
from dynamodb_wrapper.models.dtos import TableConfigUpsert

__all__ = ["STATISTICS_ARGUMENTS", "TableConfigWriteApi"]

#: The keys a ``bulk_update_statistics`` entry may hold (the arguments of ``update_statistics``).
STATISTICS_ARGUMENTS = frozenset({"record_count", "size_bytes", "last_updated_data", "add_records"})


class TableConfigWriteApi(WriteApi[TableConfig, TableConfigUpsert]):
    """Writes of table configurations; every input is a validated DTO or checked change."""

    model = TableConfig
    dto = TableConfigUpsert
    not_found_error = TableConfigNotFoundError
    already_exists_error = TableConfigAlreadyExistsError

    # ------------------------------------------------------------------ whole items

    def create_table(self, dto: TableConfigUpsert) -> TableConfig:
        """Create a table configuration.

        Raises:
            TableConfigAlreadyExistsError: The ``table_id`` is taken.
        """
        return self._create(dto)

    def upsert_table(self, dto: TableConfigUpsert) -> TableConfig:
        """Create or replace a table configuration in one write; a stored ``created_at`` is
        kept."""
        return self._upsert(dto)

    def upsert_many(
        self,
        dtos: Iterable[TableConfigUpsert],
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Batch upsert; returns how many were written (nothing is written if one is invalid)."""
        return self._upsert_many(dtos, on_progress=on_progress)

    def delete_table(self, table_id: str, expected_version: int | None = None) -> None:
        """Delete a table configuration (only at ``expected_version``, when given).

        Raises:
            TableConfigNotFoundError: It does not exist.
            VersionConflictError: It is at another version.
        """
        self._delete({"table_id": table_id}, expected_version=expected_version)

    # ------------------------------------------------------------------ partial updates

    def update_table(
        self,
        table_id: str,
        changes: Mapping[str, Any],
        condition: ConditionBase | None = None,
        expected_version: int | None = None,
    ) -> TableConfig:
        """Change some fields (validated like the DTO); ``None`` removes an optional field.

        Raises:
            TableConfigNotFoundError: No such table.
            ValidationError: A change is invalid (nothing sent).
            VersionConflictError: ``expected_version`` given and the stored one differs.
            ConditionCheckFailedError: ``condition`` (an ``Attr(...)`` expression) is false on
                the stored item; ``.item`` is that item.
        """
        return self._update(
            {"table_id": table_id},
            changes,
            condition=condition,
            expected_version=expected_version,
        )

    def update_statistics(
        self,
        table_id: str,
        record_count: int | None = None,
        size_bytes: int | None = None,
        last_updated_data: datetime | None = None,
        add_records: int | None = None,
    ) -> TableConfig:
        """Record data statistics of a table; arguments left ``None`` are not touched.

        Args:
            table_id: The table.
            record_count: New absolute record count (``SET``).
            size_bytes: New absolute size (``SET``).
            last_updated_data: When the data last changed (timezone-aware).
            add_records: Added to ``record_count`` atomically (``ADD``; a missing count starts
                at 0), so concurrent writers never lose an increment. A negative value is
                refused by the write if the count would drop below 0. Exclusive with
                ``record_count``.

        Raises:
            ValidationError: No statistic given, a bad value or a naive datetime (nothing sent).
            TableConfigNotFoundError: No such table.
            ConditionCheckFailedError: ``add_records`` would make the count negative.
        """
        changes, update, condition = self._statistics_update(
            record_count, size_bytes, last_updated_data, add_records
        )
        return self._update({"table_id": table_id}, changes, update=update, condition=condition)

    def set_table_status(self, table_id: str, is_active: bool) -> TableConfig:
        """Activate or deactivate one table.

        Raises:
            TableConfigNotFoundError: No such table.
        """
        return self._update({"table_id": table_id}, {"is_active": is_active})

    # ------------------------------------------------------------------ many tables

    def activate_tables_for_pipeline(self, pipeline_id: str) -> int:
        """Activate every inactive table of a pipeline (one conditional write each).

        Returns:
            How many tables were changed (tables already active are not counted).
        """
        return self._set_pipeline_active(pipeline_id, True)

    def deactivate_tables_for_pipeline(self, pipeline_id: str) -> int:
        """Deactivate every active table of a pipeline (one conditional write each).

        Returns:
            How many tables were changed (tables already inactive are not counted).
        """
        return self._set_pipeline_active(pipeline_id, False)

    def bulk_update_statistics(self, stats: Mapping[str, Mapping[str, Any]]) -> int:
        """Apply ``update_statistics`` to many tables: ``{table_id: {"record_count": ...}}``.

        Every entry is validated before anything is written (keys of ``STATISTICS_ARGUMENTS``).
        Then each table gets its own write, in mapping order. An unknown table id does not stop
        the others: all known tables are updated first, then ``TableConfigNotFoundError`` is
        raised naming every unknown id (its ``key`` holds the first one). Any other failure
        (e.g. a negative ``add_records`` refused) is raised at once; the tables before it stay
        updated.

        Returns:
            How many tables were updated.

        Raises:
            ValidationError: A bad table id, entry key or value (nothing sent).
            TableConfigNotFoundError: Some table ids do not exist (after the others were done).
        """
        plans = {}
        for table_id, values in stats.items():
            self.gateway.encode_key({"table_id": table_id})
            if not isinstance(values, Mapping):
                raise ValidationError(
                    f"statistics of {table_id!r} must be a dict of update_statistics arguments",
                    field=table_id,
                )
            unknown = sorted(set(values) - STATISTICS_ARGUMENTS)
            if unknown:
                raise ValidationError(
                    f"statistics of {table_id!r}: unknown key(s) {unknown}; "
                    f"allowed: {sorted(STATISTICS_ARGUMENTS)}",
                    field=unknown[0],
                )
            plans[table_id] = self._statistics_update(**values)
        missing: list[str] = []
        for table_id, (changes, update, condition) in plans.items():
            try:
                self._update({"table_id": table_id}, changes, update=update, condition=condition)
            except TableConfigNotFoundError:
                missing.append(table_id)
        if missing:
            raise self.not_found_error(
                f"{len(plans) - len(missing)} table(s) updated; unknown table id(s): {missing}",
                key={"table_id": missing[0]},
                table=self.gateway.table_name,
            )
        return len(plans)

    def archive_unused_tables(self, older_than: datetime) -> int:
        """Deactivate the active tables whose ``last_updated_data`` is before ``older_than``
        (timezone-aware) or missing (tables that never recorded data).

        This scans the whole table. Each write re-checks that ``last_updated_data`` is still the
        value read (and the table still active), so a table that received data meanwhile is
        left alone.

        Returns:
            How many tables were deactivated.

        Raises:
            ValidationError: ``older_than`` is naive (nothing sent).
        """
        stamp = Attr("last_updated_data")
        unused = stamp.lt(format_utc(older_than, "older_than")) | stamp.not_exists()
        candidates = self.gateway.iter_scan_items(
            filter=Attr("is_active").eq(True) & unused,
            projection=["table_id", "last_updated_data"],
        )
        return self._set_active_each(
            (
                (
                    item["table_id"],
                    stamp.eq(item["last_updated_data"])
                    if "last_updated_data" in item
                    else stamp.not_exists(),
                )
                for item in candidates
            ),
            False,
        )

    # ------------------------------------------------------------------ helpers

    def _statistics_update(
        self,
        record_count: int | None = None,
        size_bytes: int | None = None,
        last_updated_data: datetime | None = None,
        add_records: int | None = None,
    ) -> tuple[dict[str, Any], Update, ConditionBase | None]:
        """Validated ``(changes, update, condition)`` for ``update_statistics`` (no I/O)."""
        changes = {
            name: value
            for name, value in (
                ("record_count", record_count),
                ("size_bytes", size_bytes),
                ("last_updated_data", last_updated_data),
            )
            if value is not None
        }
        if changes:
            changes = self._validated_changes(changes)
        if add_records is None:
            if not changes:
                raise ValidationError(
                    "give at least one of record_count, size_bytes, last_updated_data, add_records",
                    field="statistics",
                )
            return changes, Update(), None
        if not isinstance(add_records, int) or isinstance(add_records, bool):
            raise ValidationError(
                f"add_records must be an int, got {add_records!r}", field="add_records"
            )
        if record_count is not None:
            raise ValidationError(
                "give record_count (absolute) or add_records (increment), not both",
                field="add_records",
            )
        condition = Attr("record_count").gte(-add_records) if add_records < 0 else None
        return changes, Update().add("record_count", add_records), condition

    def _set_pipeline_active(self, pipeline_id: str, active: bool) -> int:
        candidates = self.gateway.iter_query_items(
            pipeline_id,
            index_name=PIPELINE_INDEX,
            filter=Attr("is_active").ne(active),
            projection=["table_id"],
        )
        belongs = Attr("pipeline_id").eq(pipeline_id)
        return self._set_active_each(((i["table_id"], belongs) for i in candidates), active)

    def _set_active_each(
        self, candidates: Iterable[tuple[str, ConditionBase]], active: bool
    ) -> int:
        """Set ``is_active`` on each ``(table_id, condition)``; one conditional write each.

        A table whose condition no longer holds (or already has the status, or was deleted
        since it was read) is skipped. Returns how many were changed.
        """
        return self._update_each(
            ({"table_id": table_id}, {"is_active": active}, Attr("is_active").ne(active) & cond)
            for table_id, cond in candidates
        )
