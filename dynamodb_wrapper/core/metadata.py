"""Model metadata: the inner ``Meta`` class as the single source of truth for keys and indexes.

A model declares::

    class PipelineConfig(DynamoModel):
        ...
        class Meta:
            table_name = "pipeline_config"          # base name; the config adds prefix/environment
            partition_key = "pipeline_id"
            sort_key = None                          # optional
            gsis = [{"name": "ActivePipelinesIndex", "partition_key": "is_active",
                     "sort_key": "updated_at"}]      # optional
            ttl_attribute = "expires_at"             # optional, an int field (epoch seconds)
            version_attribute = "version"            # optional, an int field (optimistic locking)

:func:`extract_model_metadata` validates this once per class (at class creation for
``DynamoModel`` subclasses) and returns an immutable :class:`TableMeta`. Nothing else in the
library reads ``Meta`` directly, and nothing is inferred: a missing or inconsistent ``Meta`` is a
:class:`~dynamodb_wrapper.exceptions.ConfigurationError` naming the model and the field.
"""

from __future__ import annotations

import enum
import functools
import re
import threading
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import AwareDatetime, BaseModel, FutureDatetime, NaiveDatetime, PastDatetime

from dynamodb_wrapper.exceptions import ConfigurationError

__all__ = [
    "GSIDefinition",
    "TableMeta",
    "extract_model_metadata",
    "field_kind",
    "key_attribute_type",
]

ScalarType = Literal["S", "N", "B"]
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_META_FIELDS = frozenset(
    {"table_name", "partition_key", "sort_key", "gsis", "ttl_attribute", "version_attribute"}
)
_GSI_FIELDS = frozenset({"name", "partition_key", "sort_key", "projection", "non_key_attributes"})
_MAX_GSIS = 20
# pydantic's datetime marker types are plain classes at runtime, not datetime subclasses.
_PYDANTIC_DATETIMES: tuple[Any, ...] = (AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)


@dataclass(frozen=True)
class GSIDefinition:
    """One global secondary index: its name, key attributes and projection."""

    name: str
    partition_key: str
    sort_key: str | None = None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableMeta:
    """Validated, immutable metadata of one model (built by :func:`extract_model_metadata`).

    Attributes:
        model_name: The model class name (for messages).
        table_name: Base table name (``DynamoDBConfig.get_table_name`` adds prefix/environment).
        partition_key / sort_key: The table's key attributes.
        gsis: Index definitions, by name.
        ttl_attribute / version_attribute: Optional special attributes.
        attribute_types: DynamoDB scalar type of every table or index key attribute.
        bool_keys: Key attributes declared ``bool`` (stored as ``"true"``/``"false"``).
        field_kinds: How each field is stored (:func:`field_kind`), by name.
    """

    model_name: str
    table_name: str
    partition_key: str
    sort_key: str | None
    gsis: Mapping[str, GSIDefinition]
    ttl_attribute: str | None
    version_attribute: str | None
    attribute_types: Mapping[str, ScalarType]
    bool_keys: frozenset[str] = field(default_factory=frozenset)
    field_kinds: Mapping[str, tuple[str, Any]] = field(default_factory=dict)

    @functools.cached_property
    def bool_fields(self) -> frozenset[str]:
        """Every field declared ``bool``: stored as ``BOOL`` (``"true"``/``"false"`` for keys
        and by other writers); reads, filters and guards accept both forms."""
        return frozenset(n for n, (kind, _) in self.field_kinds.items() if kind == "bool")

    @functools.cached_property
    def nested_fields(self) -> tuple[str, ...]:
        """The fields holding nested models, or lists of them."""
        return tuple(
            name
            for name, (kind, detail) in self.field_kinds.items()
            if kind == "model" or (kind == "list" and detail[0] == "model")
        )

    @functools.cached_property
    def key_attributes(self) -> tuple[str, ...]:
        """The table key attribute names, partition key first."""
        return (
            (self.partition_key,)
            if self.sort_key is None
            else (
                self.partition_key,
                self.sort_key,
            )
        )

    @functools.cached_property
    def all_key_attributes(self) -> frozenset[str]:
        """Every attribute that is a key of the table or of an index."""
        return frozenset(self.attribute_types)

    @functools.cached_property
    def index_only_key_attributes(self) -> tuple[str, ...]:
        """The key attributes of indexes that are not keys of the table."""
        return tuple(sorted(self.all_key_attributes.difference(self.key_attributes)))

    def index_keys(self, index_name: str | None) -> tuple[str, str | None]:
        """``(partition_key, sort_key)`` of the table (``None``) or of a GSI."""
        if index_name is None:
            return self.partition_key, self.sort_key
        gsi = self.gsi(index_name)
        return gsi.partition_key, gsi.sort_key

    def gsi(self, name: str) -> GSIDefinition:
        """The index called ``name``.

        Raises:
            ConfigurationError: The model declares no such index.
        """
        try:
            return self.gsis[name]
        except KeyError:
            known = ", ".join(sorted(self.gsis)) or "none"
            raise ConfigurationError(
                f"{self.model_name} has no GSI named {name!r} (declared: {known})"
            ) from None


_cache: dict[type[BaseModel], TableMeta] = {}
_lock = threading.Lock()


def extract_model_metadata(model_class: type[BaseModel]) -> TableMeta:
    """Validate ``model_class.Meta`` and return its :class:`TableMeta` (cached per class).

    Raises:
        ConfigurationError: ``Meta`` is missing, incomplete, has unknown attributes, or names
            fields that do not exist or cannot be keys.
    """
    cached = _cache.get(model_class)
    if cached is not None:
        return cached
    meta = _build(model_class)
    with _lock:
        return _cache.setdefault(model_class, meta)


def _build(model: type[BaseModel]) -> TableMeta:
    name = model.__name__
    raw = model.__dict__.get("Meta")
    if raw is None:
        raise ConfigurationError(
            f"{name} has no inner 'class Meta' declaring table_name and partition_key"
        )
    declared = {k: v for k, v in vars(raw).items() if not k.startswith("_")}
    unknown = set(declared) - _META_FIELDS
    if unknown:
        raise ConfigurationError(
            f"{name}.Meta has unknown attribute(s) {sorted(unknown)}; "
            f"allowed: {sorted(_META_FIELDS)}"
        )
    for required in ("table_name", "partition_key"):
        if not isinstance(declared.get(required), str) or not declared[required]:
            raise ConfigurationError(f"{name}.Meta.{required} must be a non-empty string")
    table_name: str = declared["table_name"]
    if not _INDEX_NAME.match(table_name):
        raise ConfigurationError(
            f"{name}.Meta.table_name {table_name!r} must be 3-255 of [A-Za-z0-9_.-]"
        )

    attribute_types: dict[str, ScalarType] = {}
    bool_keys: set[str] = set()

    def key_field(attr: Any, where: str, *, optional_ok: bool) -> str:
        if not isinstance(attr, str) or not attr:
            raise ConfigurationError(f"{name}.{where} must be a field name, got {attr!r}")
        if attr not in model.model_fields:
            raise ConfigurationError(
                f"{name}.{where} names {attr!r}, which is not a field of {name}"
            )
        annotation = model.model_fields[attr].annotation
        kind, is_bool, optional = _classify(annotation)
        if kind is None:
            raise ConfigurationError(
                f"{name}.{where}: field {attr!r} has type {annotation!r}; key attributes must "
                "be str, int, Decimal, bool, datetime or a str/int Enum"
            )
        if optional and not optional_ok:
            raise ConfigurationError(
                f"{name}.{where}: table key field {attr!r} must not be Optional"
            )
        previous = attribute_types.get(attr)
        if previous is not None and previous != kind:  # pragma: no cover - same field, same type
            raise ConfigurationError(f"{name}: key field {attr!r} has conflicting types")
        attribute_types[attr] = kind
        if is_bool:
            bool_keys.add(attr)
        return attr

    partition_key = key_field(declared["partition_key"], "Meta.partition_key", optional_ok=False)
    sort_key_raw = declared.get("sort_key")
    sort_key = (
        None
        if sort_key_raw is None
        else key_field(sort_key_raw, "Meta.sort_key", optional_ok=False)
    )
    if sort_key == partition_key:
        raise ConfigurationError(f"{name}.Meta: sort_key must differ from partition_key")

    gsis: dict[str, GSIDefinition] = {}
    raw_gsis = declared.get("gsis") or []
    if not isinstance(raw_gsis, list | tuple):
        raise ConfigurationError(f"{name}.Meta.gsis must be a list of index definitions")
    if len(raw_gsis) > _MAX_GSIS:
        raise ConfigurationError(f"{name}.Meta.gsis declares more than {_MAX_GSIS} indexes")
    for position, entry in enumerate(raw_gsis):
        where = f"Meta.gsis[{position}]"
        gsi = _parse_gsi(name, where, entry)
        if gsi.name in gsis:
            raise ConfigurationError(f"{name}.{where}: duplicate GSI name {gsi.name!r}")
        key_field(gsi.partition_key, f"{where}.partition_key", optional_ok=True)
        if gsi.sort_key is not None:
            key_field(gsi.sort_key, f"{where}.sort_key", optional_ok=True)
            if gsi.sort_key == gsi.partition_key:
                raise ConfigurationError(f"{name}.{where}: sort_key must differ from partition_key")
        for attr in gsi.non_key_attributes:
            if attr not in model.model_fields:
                raise ConfigurationError(f"{name}.{where}.non_key_attributes: unknown {attr!r}")
        gsis[gsi.name] = gsi

    ttl_attribute = _special_int_field(model, declared, "ttl_attribute")
    version_attribute = _special_int_field(model, declared, "version_attribute")
    if version_attribute is not None and version_attribute in attribute_types:
        raise ConfigurationError(
            f"{name}.Meta.version_attribute {version_attribute!r} must not be a key attribute"
        )
    return TableMeta(
        model_name=name,
        table_name=table_name,
        partition_key=partition_key,
        sort_key=sort_key,
        gsis=types.MappingProxyType(gsis),
        ttl_attribute=ttl_attribute,
        version_attribute=version_attribute,
        attribute_types=types.MappingProxyType(attribute_types),
        bool_keys=frozenset(bool_keys),
        field_kinds=types.MappingProxyType(
            {name: field_kind(info.annotation) for name, info in model.model_fields.items()}
        ),
    )


def _parse_gsi(model_name: str, where: str, entry: Any) -> GSIDefinition:
    if isinstance(entry, GSIDefinition):
        gsi = entry
    elif isinstance(entry, Mapping):
        unknown = set(entry) - _GSI_FIELDS
        if unknown:
            raise ConfigurationError(f"{model_name}.{where} has unknown key(s) {sorted(unknown)}")
        try:
            gsi = GSIDefinition(
                name=entry["name"],
                partition_key=entry["partition_key"],
                sort_key=entry.get("sort_key"),
                projection=entry.get("projection", "ALL"),
                non_key_attributes=tuple(entry.get("non_key_attributes", ())),
            )
        except KeyError as missing:
            raise ConfigurationError(f"{model_name}.{where} is missing {missing}") from None
    else:
        raise ConfigurationError(
            f"{model_name}.{where} must be a dict or GSIDefinition, got {type(entry).__name__}"
        )
    if not isinstance(gsi.name, str) or not _INDEX_NAME.match(gsi.name):
        raise ConfigurationError(f"{model_name}.{where}.name must be 3-255 of [A-Za-z0-9_.-]")
    if gsi.projection not in ("ALL", "KEYS_ONLY", "INCLUDE"):
        raise ConfigurationError(f"{model_name}.{where}.projection must be ALL/KEYS_ONLY/INCLUDE")
    if (gsi.projection == "INCLUDE") != bool(gsi.non_key_attributes):
        raise ConfigurationError(
            f"{model_name}.{where}: non_key_attributes go with projection='INCLUDE' only"
        )
    return gsi


def _special_int_field(model: type[BaseModel], declared: Mapping[str, Any], key: str) -> str | None:
    attr = declared.get(key)
    if attr is None:
        return None
    if not isinstance(attr, str) or attr not in model.model_fields:
        raise ConfigurationError(f"{model.__name__}.Meta.{key} names unknown field {attr!r}")
    base, _ = _unwrap_optional(model.model_fields[attr].annotation)
    if base is not int:
        raise ConfigurationError(f"{model.__name__}.Meta.{key}: field {attr!r} must be an int")
    return attr


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """Strip ``Annotated`` and ``Optional``; return (inner type, was optional)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != len(typing.get_args(annotation)):
                optional = True
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def _classify(annotation: Any) -> tuple[ScalarType | None, bool, bool]:
    """(DynamoDB scalar type, is bool, is optional) of a key field annotation."""
    base, optional = _unwrap_optional(annotation)
    if typing.get_origin(base) is Literal:
        values = typing.get_args(base)
        if all(isinstance(v, str) for v in values):
            return "S", False, optional
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "N", False, optional
        return None, False, optional
    if any(base is marker for marker in _PYDANTIC_DATETIMES):
        return "S", False, optional
    if not isinstance(base, type):
        return None, False, optional
    return key_attribute_type(base), base is bool, optional


def field_kind(annotation: Any) -> tuple[str, Any]:
    """How a field of type ``annotation`` is stored and read: ``(kind, detail)``.

    Kinds: ``str``, ``bool``, ``int``, ``number``, ``datetime``, ``str_enum`` (detail: the enum),
    ``model`` (detail: the class), ``list`` / ``map`` (detail: the element's kind) and ``any``.
    The one field plan: the codec's generated encoders and decoders, the wire validators, the
    filters (bool fields match both stored forms) and the write side (fields holding nested
    models keep their unknown keys) all read it.
    """
    base, _ = _unwrap_optional(annotation)
    origin = typing.get_origin(base)
    args = typing.get_args(base)
    if origin is list and len(args) == 1:
        return "list", field_kind(args[0])
    if origin is dict and len(args) == 2 and args[0] is str:
        return "map", field_kind(args[1])
    if base is str:
        return "str", None
    if base is bool:
        return "bool", None
    if base is int:
        return "int", None
    if base is float or base is Decimal:
        return "number", None
    if base is datetime or any(base is marker for marker in _PYDANTIC_DATETIMES):
        return "datetime", None
    if isinstance(base, type):
        if issubclass(base, enum.Enum) and issubclass(base, str):
            return "str_enum", base
        if issubclass(base, BaseModel):
            return "model", base
    return "any", None


def key_attribute_type(python_type: type) -> ScalarType | None:
    """The DynamoDB scalar type a Python type is stored as when used as a key, or None."""
    if python_type is bool or issubclass(python_type, str | datetime):
        return "S"  # bools as "true"/"false", datetimes as fixed-width UTC strings
    if issubclass(python_type, enum.Enum):
        if issubclass(python_type, str):
            return "S"
        if issubclass(python_type, int):
            return "N"
        return None
    if issubclass(python_type, int | Decimal):
        return "N"
    if issubclass(python_type, bytes):
        return "B"
    return None
