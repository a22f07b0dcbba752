"""Expression building: every attribute name becomes ``#nK``, every value ``:vK``.

With placeholders everywhere, DynamoDB's 573 reserved words (``status``, ``name``, ``data``,
``environment`` ...) can never break a request. One :class:`ExpressionBuilder` serves one request,
so key condition, filter, projection, condition and update share one namespace and the request
carries exactly the placeholders it uses (DynamoDB rejects unused ones and empty maps).

Conditions are boto3's ``Key`` / ``Attr`` objects (re-exported here); values are encoded straight to
the wire format, with bool key attributes stored as ``"true"``/``"false"``.

Example:
    >>> b = ExpressionBuilder()
    >>> b.condition(Attr("status").eq("running") & Attr("retry_count").lt(3))
    '(#n0 = :v0 AND #n1 < :v1)'
    >>> b.names, b.values
    ({'#n0': 'status', '#n1': 'retry_count'}, {':v0': {'S': 'running'}, ':v1': {'N': '3'}})
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.conditions import Attr, AttributeBase, ConditionBase, Key

from dynamodb_wrapper.core.codec import encode_key_value, encode_value
from dynamodb_wrapper.core.metadata import TableMeta
from dynamodb_wrapper.exceptions import ValidationError

__all__ = [
    "Attr",
    "ConditionBase",
    "WireValue",
    "ExpressionBuilder",
    "Key",
    "SortCondition",
    "Update",
    "build_key_condition",
]

_PATH_PART = re.compile(r"[^.\[\]]+(?![^\[]*\])")
_PATH = re.compile(r"[^.\[\]]+(\[\d+\])*(\.[^.\[\]]+(\[\d+\])*)*")
_MAX_EXPRESSION_BYTES = 4096


@dataclass(frozen=True)
class WireValue:
    """A value already in wire format (``{"S": "x"}``), passed through without re-encoding."""

    wire: dict[str, Any]


class ExpressionBuilder:
    """Accumulates placeholders for one request.

    Args:
        meta: The model's metadata, so that values compared with bool key attributes are encoded
            as ``"true"``/``"false"`` and projections can be checked against the model's fields.
        fields: Attribute names that projections may use (``None``: any).
    """

    def __init__(self, meta: TableMeta | None = None, fields: Iterable[str] | None = None) -> None:
        self.meta = meta
        self.allowed_fields = frozenset(fields) if fields is not None else None
        self.names: dict[str, str] = {}
        self._name_of: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    # ----------------------------------------------------------------- placeholders

    def name(self, path: str) -> str:
        """Placeholder expression for an attribute path (``a.b[2].c`` → ``#n0.#n1[2].#n2``)."""
        if not isinstance(path, str) or not path:
            raise ValidationError(f"invalid attribute name {path!r}", field=str(path))
        parts = _PATH_PART.findall(path)
        if not parts or not _PATH.fullmatch(path):
            raise ValidationError(
                f"invalid attribute path {path!r} (expected name, name.sub or name[0])",
                field=path,
            )
        placeholders = []
        for part in parts:
            placeholder = self._name_of.get(part)
            if placeholder is None:
                placeholder = f"#n{len(self._name_of)}"
                self._name_of[part] = placeholder
                self.names[placeholder] = part
            placeholders.append(placeholder)
        return _PATH_PART.sub("%s", path) % tuple(placeholders)

    def value(self, value: Any, attribute: str | None = None) -> str:
        """Placeholder for a value (encoded with the key rules when ``attribute`` is a key)."""
        meta = self.meta
        if isinstance(value, WireValue):
            wire = value.wire
        elif (
            meta is not None
            and attribute is not None
            and attribute in meta.attribute_types
            and value is not None
        ):
            wire = encode_key_value(meta, attribute, value)
        else:
            wire = encode_value(value, attribute)
        return self._placeholder(wire)

    # ----------------------------------------------------------------- expressions

    def projection(self, fields: Iterable[str]) -> str:
        """A ProjectionExpression for ``fields`` (checked against the model's fields)."""
        wanted = list(dict.fromkeys(fields))
        for name in wanted:
            if not isinstance(name, str) or not name:
                raise ValidationError(
                    f"projection names must be non-empty strings, got {name!r}", field="projection"
                )
        if not wanted:
            raise ValidationError("projection must name at least one field", field="projection")
        if self.allowed_fields is not None:
            unknown = [
                f for f in wanted if f.split(".")[0].split("[")[0] not in self.allowed_fields
            ]
            if unknown:
                raise ValidationError(
                    f"unknown projection field(s) {unknown}; known: {sorted(self.allowed_fields)}",
                    field=unknown[0],
                )
        return self._checked(", ".join(self.name(f) for f in wanted), "projection")

    def condition(self, condition: ConditionBase, *, key_condition: bool = False) -> str:
        """Render a boto3 ``Key``/``Attr`` condition with placeholders."""
        if not isinstance(condition, ConditionBase):
            raise ValidationError(
                f"expected a condition built with Key()/Attr(), got {type(condition).__name__}",
                field="condition",
            )
        return self._checked(self._render(condition, key_condition), "condition")

    def _render(self, condition: ConditionBase, key_condition: bool) -> str:
        spec = condition.get_expression()
        values = spec["values"]
        attribute = next(
            (
                v.name
                for v in values
                if isinstance(v, AttributeBase) and not isinstance(v, ConditionBase)
            ),
            None,
        )
        meta = self.meta
        if (
            meta is not None
            and attribute in meta.bool_fields
            and attribute not in meta.bool_keys  # a key holds one type: always the string
            and spec["operator"] in ("=", "<>", "IN")
            and not key_condition
        ):
            return self._render_bool(condition, spec, attribute)
        return self._render_plain(spec, key_condition, condition.has_grouped_values, attribute)

    def _render_plain(
        self,
        spec: Any,
        key_condition: bool,
        grouped: bool = False,
        attribute: str | None = None,
    ) -> str:
        values = spec["values"]
        rendered = []
        for value in values:
            if isinstance(value, ConditionBase):
                rendered.append(self._render(value, key_condition))
            elif isinstance(value, AttributeBase):
                if key_condition and not isinstance(value, Key):
                    raise ValidationError(
                        f"key conditions take Key(...), got Attr({value.name!r})",
                        field=value.name,
                    )
                rendered.append(self.name(value.name))
            elif grouped:
                if len(value) > 100:
                    raise ValidationError(
                        f"IN takes at most 100 values, got {len(value)}", field=attribute
                    )
                rendered.append("(" + ", ".join(self.value(v, attribute) for v in value) + ")")
            else:
                rendered.append(self.value(value, attribute))
        text: str = spec["format"].format(*rendered, operator=spec["operator"])
        return text

    def _render_bool(self, condition: ConditionBase, spec: Any, attribute: str) -> str:
        """A comparison of a (non-key) bool field that matches both stored forms: ``BOOL`` and
        the ``"true"``/``"false"`` string other writers may store. ``=``/``IN`` match either
        form, ``<>`` neither. (A key attribute can only hold its declared type, the string.)"""
        wanted = spec["values"][1]
        members = list(wanted) if condition.has_grouped_values else [wanted]
        if any(isinstance(m, WireValue) for m in members):
            # An exact stored form (a guard comparing a value as read): compared as given.
            return self._render_plain(spec, False, condition.has_grouped_values, attribute)
        name = self.name(attribute)
        if not all(type(m) is bool for m in members):
            raise ValidationError(
                f"{attribute!r} is a bool field; compare it with True or False", field=attribute
            )
        forms = [
            self._placeholder(wire)
            for m in dict.fromkeys(members)
            for wire in ({"BOOL": m}, {"S": "true" if m else "false"})
        ]
        if spec["operator"] == "<>":
            return "(" + " AND ".join(f"{name} <> {form}" for form in forms) + ")"
        return f"{name} IN ({', '.join(forms)})"

    def _placeholder(self, wire: dict[str, Any]) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = wire
        return placeholder

    def update(self, update: Update) -> str:
        """Render an :class:`Update` as an UpdateExpression."""
        return self._checked(update.render(self), "update")

    def _checked(self, expression: str, kind: str) -> str:
        if len(expression.encode("utf-8")) > _MAX_EXPRESSION_BYTES:
            raise ValidationError(
                f"{kind} expression is longer than DynamoDB's 4 KB limit", field=kind
            )
        return expression

    def request_parts(self) -> dict[str, Any]:
        """``ExpressionAttributeNames``/``Values`` for the request (empty maps omitted)."""
        parts: dict[str, Any] = {}
        if self.names:
            parts["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            parts["ExpressionAttributeValues"] = dict(self.values)
        return parts


# --------------------------------------------------------------------------- updates

UpdateAction = Literal["set", "set_if_not_exists", "remove", "add", "delete", "append", "prepend"]


@dataclass
class Update:
    """A declarative UpdateExpression.

    Example:
        >>> Update().set("status", "running").add("retry_count", 1).remove("error_message")
    """

    actions: list[tuple[UpdateAction, str, Any]] = field(default_factory=list)

    @classmethod
    def from_changes(cls, changes: Mapping[str, Any]) -> Update:
        """``SET`` every field of ``changes``; a ``None`` value means ``REMOVE``."""
        update = cls()
        for name, value in changes.items():
            if value is None:
                update.remove(name)
            else:
                update.set(name, value)
        return update

    def _add(self, action: UpdateAction, path: str, value: Any = None) -> Update:
        if any(existing == path for _, existing, _ in self.actions):
            raise ValidationError(f"attribute {path!r} appears twice in one update", field=path)
        self.actions.append((action, path, value))
        return self

    def set(self, path: str, value: Any) -> Update:
        """``SET path = value``."""
        if value is None:
            raise ValidationError(f"cannot SET {path!r} to None; use remove()", field=path)
        return self._add("set", path, value)

    def set_if_not_exists(self, path: str, value: Any) -> Update:
        """``SET path = if_not_exists(path, value)`` (keeps an existing value)."""
        _require_value("set_if_not_exists", path, value)
        return self._add("set_if_not_exists", path, value)

    def remove(self, path: str) -> Update:
        """``REMOVE path``."""
        return self._add("remove", path)

    def add(self, path: str, value: Any) -> Update:
        """``ADD path value``: atomic counter increment, or set union."""
        _require_value("add", path, value)
        return self._add("add", path, value)

    def delete(self, path: str, value: Any) -> Update:
        """``DELETE path value``: remove members from a set."""
        _require_value("delete", path, value)
        return self._add("delete", path, value)

    def append(self, path: str, values: Iterable[Any]) -> Update:
        """``SET path = list_append(if_not_exists(path, []), values)``."""
        _require_value("append", path, values)
        return self._add("append", path, list(values))

    def prepend(self, path: str, values: Iterable[Any]) -> Update:
        """``SET path = list_append(values, if_not_exists(path, []))``."""
        _require_value("prepend", path, values)
        return self._add("prepend", path, list(values))

    @property
    def paths(self) -> list[str]:
        return [path for _, path, _ in self.actions]

    def render(self, builder: ExpressionBuilder) -> str:
        if not self.actions:
            raise ValidationError("an update needs at least one change", field="changes")
        meta = builder.meta
        if meta is not None:
            touched = set(meta.key_attributes).intersection(self.paths)
            if touched:
                raise ValidationError(
                    f"key attribute(s) {sorted(touched)} cannot be updated; "
                    "write a new item instead",
                    field=sorted(touched)[0],
                )
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        for action, path, value in self.actions:
            name = builder.name(path)
            if action == "set":
                clauses["SET"].append(f"{name} = {builder.value(value, path)}")
            elif action == "set_if_not_exists":
                clauses["SET"].append(
                    f"{name} = if_not_exists({name}, {builder.value(value, path)})"
                )
            elif action == "append":
                empty = builder.value([])
                clauses["SET"].append(
                    f"{name} = list_append(if_not_exists({name}, {empty}), {builder.value(value)})"
                )
            elif action == "prepend":
                empty = builder.value([])
                clauses["SET"].append(
                    f"{name} = list_append({builder.value(value)}, if_not_exists({name}, {empty}))"
                )
            elif action == "remove":
                clauses["REMOVE"].append(name)
            elif action == "add":
                clauses["ADD"].append(f"{name} {builder.value(value, path)}")
            else:
                clauses["DELETE"].append(f"{name} {builder.value(value, path)}")
        return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses.items() if parts)


def _require_value(action: str, path: str, value: Any) -> None:
    # None would be written as a NULL attribute, which the storage format never holds.
    if value is None:
        raise ValidationError(f"{action}({path!r}) needs a value, got None", field=path)


# --------------------------------------------------------------------------- key conditions

SortOperator = Literal["eq", "lt", "lte", "gt", "gte", "between", "begins_with"]


@dataclass(frozen=True)
class SortCondition:
    """A condition on the sort key of a table or index (values in Python form)."""

    operator: SortOperator
    values: tuple[Any, ...]

    @classmethod
    def range(cls, low: Any | None, high: Any | None) -> SortCondition | None:
        """Inclusive range; either bound may be open (``None``)."""
        if low is not None and high is not None:
            return cls("between", (low, high))
        if low is not None:
            return cls("gte", (low,))
        if high is not None:
            return cls("lte", (high,))
        return None


def build_key_condition(
    meta: TableMeta,
    builder: ExpressionBuilder,
    partition_value: Any,
    sort: SortCondition | None = None,
    index_name: str | None = None,
) -> str:
    """A KeyConditionExpression for the table or one of its GSIs, from ``Meta``.

    Key values are encoded here with the key rules of ``meta`` (bool keys as ``"true"``/
    ``"false"``), whether or not ``builder`` was given the same ``meta``.

    Raises:
        ConfigurationError: Unknown index.
        ValidationError: Bad key values (``None``, empty, wrong type, ``between`` with
            low > high), or a sort condition on a table/index without sort key.
    """
    partition_key, sort_key = meta.index_keys(index_name)
    condition = Key(partition_key).eq(
        WireValue(encode_key_value(meta, partition_key, partition_value))
    )
    if sort is not None:
        if sort_key is None:
            where = f"index {index_name!r}" if index_name else meta.model_name
            raise ValidationError(f"{where} has no sort key to filter on", field="sort")
        arity = 2 if sort.operator == "between" else 1
        if len(sort.values) != arity:
            raise ValidationError(
                f"{sort.operator} on {sort_key!r} takes {arity} value(s)", field=sort_key
            )
        wires = [encode_key_value(meta, sort_key, v) for v in sort.values]
        sk = Key(sort_key)
        if sort.operator == "between":
            low, high = wires
            if _greater(low, high):
                raise ValidationError(
                    f"range on {sort_key!r} has its start after its end", field=sort_key
                )
            condition = condition & sk.between(WireValue(low), WireValue(high))
        else:
            condition = condition & getattr(sk, sort.operator)(WireValue(wires[0]))
    return builder.condition(condition, key_condition=True)


def _greater(low_wire: dict[str, Any], high_wire: dict[str, Any]) -> bool:
    if "N" in low_wire:
        return Decimal(low_wire["N"]) > Decimal(high_wire["N"])
    return bool(next(iter(low_wire.values())) > next(iter(high_wire.values())))
