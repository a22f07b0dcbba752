"""Table configuration domain: ``TableConfigReadApi`` and ``TableConfigWriteApi``."""

from dynamodb_wrapper.handlers.table_config.commands import TableConfigWriteApi
from dynamodb_wrapper.handlers.table_config.queries import TableConfigReadApi, TableStatistics

__all__ = ["TableConfigReadApi", "TableConfigWriteApi", "TableStatistics"]
