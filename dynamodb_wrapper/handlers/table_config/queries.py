"""``TableConfigReadApi``: reads of table configurations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from dynamodb_wrapper.core.expressions import Attr, SortCondition
from dynamodb_wrapper.core.model import coerce_enum
from dynamodb_wrapper.core.repository import ReadApi
from dynamodb_wrapper.exceptions import TableConfigNotFoundError
from dynamodb_wrapper.models.domain_models import DataFormat, TableConfig, TableType
from dynamodb_wrapper.models.views import TableConfigSummary, TableConfigView

__all__ = ["TableConfigReadApi", "TableStatistics"]

Page = tuple[list[TableConfigView], str | None]
PIPELINE_INDEX = "PipelineTablesIndex"
TYPE_INDEX = "TableTypeIndex"
#: The only attributes ``get_statistics_summary`` reads (plus the keys, for paging).
STATISTICS_FIELDS = (
    "table_type",
    "data_format",
    "is_active",
    "record_count",
    "size_bytes",
    "last_updated_data",
)


@dataclass(frozen=True)
class TableStatistics:
    """Aggregate figures over a set of table configurations.

    Attributes:
        table_count: Number of tables.
        active_count: How many of them are active.
        by_type: Number of tables per ``TableType`` (types with no table are absent).
        by_format: Number of tables per ``DataFormat`` (formats with no table are absent).
        total_record_count: Sum of ``record_count`` (missing values count as 0).
        total_size_bytes: Sum of ``size_bytes`` (missing values count as 0).
        last_updated_data: The most recent ``last_updated_data``, or ``None`` if no table has one.
    """

    table_count: int = 0
    active_count: int = 0
    by_type: Mapping[TableType, int] = field(default_factory=dict)
    by_format: Mapping[DataFormat, int] = field(default_factory=dict)
    total_record_count: int = 0
    total_size_bytes: int = 0
    last_updated_data: datetime | None = None

    @classmethod
    def of(cls, tables: Iterable[TableConfigView]) -> TableStatistics:
        """Fold ``tables`` (views holding at least ``STATISTICS_FIELDS``) into statistics."""
        views = list(tables)
        dates = [t.last_updated_data for t in views if t.last_updated_data is not None]
        return cls(
            table_count=len(views),
            active_count=sum(1 for t in views if t.is_active),
            by_type=dict(Counter(t.table_type for t in views if t.table_type is not None)),
            by_format=dict(Counter(t.data_format for t in views if t.data_format is not None)),
            total_record_count=sum(t.record_count or 0 for t in views),
            total_size_bytes=sum(t.size_bytes or 0 for t in views),
            last_updated_data=max(dates, default=None),
        )


class TableConfigReadApi(ReadApi[TableConfig, TableConfigView]):
    """Queries over table configurations (table ``table_config``).

    Every list method returns ``(items, next_token)``; pass ``next_token`` back to get the next
    page. Datetimes are in ``user_timezone`` (per call), else ``config.user_timezone``, else UTC.
    Enum arguments (``table_type``, ``data_format``) accept the enum or its string value; an
    unknown value raises ``ValidationError`` before any request.
    """

    model = TableConfig
    view = TableConfigView
    not_found_error = TableConfigNotFoundError

    # ------------------------------------------------------------------ single items

    def get_by_id(
        self,
        table_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> TableConfigView | None:
        """The table configuration, or ``None``; ``projection`` limits the fields read."""
        return self._get({"table_id": table_id}, projection=projection, user_timezone=user_timezone)

    def get_summary(
        self, table_id: str, user_timezone: str | None = None
    ) -> TableConfigSummary | None:
        """The summary view of one table (only its fields are read), or ``None``."""
        return self._get(
            {"table_id": table_id}, user_timezone=user_timezone, view=TableConfigSummary
        )

    def get_many(
        self,
        table_ids: Iterable[str],
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> list[TableConfigView]:
        """The existing tables among ``table_ids``, in that order (batch reads)."""
        return self._batch_get(
            ({"table_id": tid} for tid in table_ids),
            projection=projection,
            user_timezone=user_timezone,
        )

    # ------------------------------------------------------------------ pages

    def query_by_pipeline(
        self,
        pipeline_id: str,
        table_type: TableType | str | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """The tables of a pipeline, ordered by type, optionally of one ``table_type``
        (``PipelineTablesIndex``)."""
        return self._query(
            pipeline_id,
            index=PIPELINE_INDEX,
            sort=_type_eq(table_type),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
        )

    def query_by_type(
        self,
        table_type: TableType | str,
        pipeline_id: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """The tables of one type, ordered by pipeline, optionally of one pipeline
        (``TableTypeIndex``)."""
        return self._query(
            coerce_enum(TableType, table_type, "table_type"),
            index=TYPE_INDEX,
            sort=_eq(pipeline_id),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
        )

    def query_active_tables(
        self,
        pipeline_id: str,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """The active tables of a pipeline (``PipelineTablesIndex`` with a filter on
        ``is_active``; a page may have read more items than it returns)."""
        return self._query(
            pipeline_id,
            index=PIPELINE_INDEX,
            filter=Attr("is_active").eq(True),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
        )

    def query_by_format(
        self,
        data_format: DataFormat | str,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """The tables stored in ``data_format``.

        No index covers ``data_format``: this is a **scan** of the whole table with a filter, so
        its cost grows with the table, not with the result.
        """
        return self._scan(
            filter=Attr("data_format").eq(coerce_enum(DataFormat, data_format, "data_format")),
            limit=limit,
            next_token=next_token,
            projection=projection,
            user_timezone=user_timezone,
        )

    def list_tables(
        self,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Page:
        """All tables, in storage order (a paginated scan)."""
        return self._scan(
            limit=limit, next_token=next_token, projection=projection, user_timezone=user_timezone
        )

    # ------------------------------------------------------------------ lists and iterators

    def get_source_tables(
        self,
        pipeline_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> list[TableConfigView]:
        """Every source table of a pipeline (all pages)."""
        return list(self.iter_by_pipeline(pipeline_id, TableType.SOURCE, projection, user_timezone))

    def get_destination_tables(
        self,
        pipeline_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> list[TableConfigView]:
        """Every destination table of a pipeline (all pages)."""
        return list(
            self.iter_by_pipeline(pipeline_id, TableType.DESTINATION, projection, user_timezone)
        )

    def iter_by_pipeline(
        self,
        pipeline_id: str,
        table_type: TableType | str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Iterator[TableConfigView]:
        """Every table of a pipeline (optionally of one type), fetched lazily page by page."""
        return self._iterate(
            self.query_by_pipeline,
            pipeline_id=pipeline_id,
            table_type=table_type,
            projection=projection,
            user_timezone=user_timezone,
        )

    def iter_by_type(
        self,
        table_type: TableType | str,
        pipeline_id: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Iterator[TableConfigView]:
        """Every table of one type (optionally of one pipeline), fetched lazily."""
        return self._iterate(
            self.query_by_type,
            table_type=table_type,
            pipeline_id=pipeline_id,
            projection=projection,
            user_timezone=user_timezone,
        )

    def iter_active_tables(
        self,
        pipeline_id: str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Iterator[TableConfigView]:
        """Every active table of a pipeline, fetched lazily."""
        return self._iterate(
            self.query_active_tables,
            pipeline_id=pipeline_id,
            projection=projection,
            user_timezone=user_timezone,
        )

    def iter_by_format(
        self,
        data_format: DataFormat | str,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
    ) -> Iterator[TableConfigView]:
        """Every table stored in ``data_format``, fetched lazily (a filtered scan)."""
        return self._iterate(
            self.query_by_format,
            data_format=data_format,
            projection=projection,
            user_timezone=user_timezone,
        )

    def iter_tables(
        self, projection: Sequence[str] | None = None, user_timezone: str | None = None
    ) -> Iterator[TableConfigView]:
        """Every table, fetched lazily (a scan)."""
        return self._iterate(self.list_tables, projection=projection, user_timezone=user_timezone)

    # ------------------------------------------------------------------ counts and statistics

    def count_tables_by_pipeline(
        self, pipeline_id: str, table_type: TableType | str | None = None
    ) -> int:
        """Number of tables of a pipeline, optionally of one type (``Select=COUNT``)."""
        return self._count(
            pipeline_id,
            index=PIPELINE_INDEX,
            sort=_type_eq(table_type),
        )

    def count_tables_by_type(
        self, table_type: TableType | str, pipeline_id: str | None = None
    ) -> int:
        """Number of tables of one type, optionally of one pipeline (``Select=COUNT``)."""
        return self._count(
            coerce_enum(TableType, table_type, "table_type"),
            index=TYPE_INDEX,
            sort=_eq(pipeline_id),
        )

    def count_tables(self) -> int:
        """Number of tables (a ``Select=COUNT`` scan)."""
        return self._count()

    def get_statistics_summary(
        self, pipeline_id: str | None = None, user_timezone: str | None = None
    ) -> TableStatistics:
        """Counts and totals over the tables of ``pipeline_id`` (a query), or over every table
        (a scan). Only ``STATISTICS_FIELDS`` and the keys are read."""
        tables = (
            self.iter_tables(STATISTICS_FIELDS, user_timezone)
            if pipeline_id is None
            else self.iter_by_pipeline(pipeline_id, None, STATISTICS_FIELDS, user_timezone)
        )
        return TableStatistics.of(tables)


def _eq(value: object | None) -> SortCondition | None:
    """An equality condition on an index sort key, or none when ``value`` is ``None``."""
    return None if value is None else SortCondition("eq", (value,))


def _type_eq(table_type: TableType | str | None) -> SortCondition | None:
    """``table_type = ...`` on ``PipelineTablesIndex`` (validated), or none."""
    return None if table_type is None else _eq(coerce_enum(TableType, table_type, "table_type"))
