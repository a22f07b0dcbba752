"""Table configuration domain: ``TableConfigReadApi`` and ``TableConfigWriteApi``.

Each name is imported on first use (see :mod:`dynamodb_wrapper._lazy`), so reading does not load
the write side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynamodb_wrapper._lazy import lazy_exports

if TYPE_CHECKING:
    from dynamodb_wrapper.handlers.table_config.commands import TableConfigWriteApi
    from dynamodb_wrapper.handlers.table_config.queries import TableConfigReadApi, TableStatistics

__all__ = ["TableConfigReadApi", "TableConfigWriteApi", "TableStatistics"]

_EXPORTS: dict[str, str] = {
    "TableConfigWriteApi": "dynamodb_wrapper.handlers.table_config.commands",
    "TableConfigReadApi": "dynamodb_wrapper.handlers.table_config.queries",
    "TableStatistics": "dynamodb_wrapper.handlers.table_config.queries",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
