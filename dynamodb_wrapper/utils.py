"""Public helpers named by the architecture: a thin facade over ``dynamodb_wrapper.core``.

* Meta-driven keys: :func:`extract_model_metadata`, :func:`build_model_key`,
  :func:`build_gsi_key_condition`, :func:`build_projection_expression`.
* Time zones: :func:`to_utc`, :func:`to_user_timezone`, :func:`ensure_timezone_aware`,
  :func:`utc_now`, :func:`format_utc`, :func:`parse_utc`.
* Wire format: ``model.to_dynamodb_item()`` and ``Model.from_dynamodb_item(item)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from pydantic import BaseModel

from dynamodb_wrapper.core.codec import encode_key
from dynamodb_wrapper.core.expressions import ExpressionBuilder, SortCondition, build_key_condition
from dynamodb_wrapper.core.metadata import TableMeta, extract_model_metadata
from dynamodb_wrapper.core.timeutils import (
    ensure_timezone_aware,
    format_utc,
    parse_utc,
    to_user_timezone,
    to_utc,
    utc_now,
)

__all__ = [
    "BuiltExpression",
    "SortCondition",
    "build_gsi_key_condition",
    "build_model_key",
    "build_projection_expression",
    "ensure_timezone_aware",
    "extract_model_metadata",
    "format_utc",
    "parse_utc",
    "to_user_timezone",
    "to_utc",
    "utc_now",
]


class BuiltExpression(NamedTuple):
    """An expression string with exactly the placeholders it uses."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]


def build_model_key(model_class: type[BaseModel], **key_values: Any) -> dict[str, Any]:
    """The wire primary key of ``model_class`` from its ``Meta`` keys.

    Example:
        >>> build_model_key(PipelineConfig, pipeline_id="p-1")
        {'pipeline_id': {'S': 'p-1'}}
    """
    return encode_key(extract_model_metadata(model_class), key_values)


def build_gsi_key_condition(
    model_class: type[BaseModel],
    gsi_name: str,
    partition_value: Any,
    sort: SortCondition | None = None,
) -> BuiltExpression:
    """A KeyConditionExpression for a GSI declared in ``Meta`` (bools become ``"true"``)."""
    meta: TableMeta = extract_model_metadata(model_class)
    builder = ExpressionBuilder(meta)
    expression = build_key_condition(meta, builder, partition_value, sort, gsi_name)
    return BuiltExpression(expression, builder.names, builder.values)


def build_projection_expression(
    fields: Iterable[str], model_class: type[BaseModel] | None = None
) -> BuiltExpression:
    """A ProjectionExpression with a ``#placeholder`` for every name (reserved words are safe);
    names are checked against ``model_class``'s fields when it is given."""
    builder = ExpressionBuilder(None, model_class.model_fields if model_class is not None else None)
    return BuiltExpression(builder.projection(fields), builder.names, {})
