"""Model bases: ``DynamoDBMixin`` (wire codec) and ``DynamoModel`` (Meta checked on definition)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

import pydantic
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from dynamodb_wrapper.core.codec import decode_item_for, encode_item
from dynamodb_wrapper.core.metadata import TableMeta, extract_model_metadata
from dynamodb_wrapper.exceptions import ValidationError

__all__ = [
    "DynamoDBMixin",
    "DynamoModel",
    "FlexibleView",
    "NestedValueError",
    "StrictModel",
    "coerce_enum",
    "localize_datetimes",
    "UTCDateTime",
    "carry_unknown",
    "carry_unknown_value",
    "models_for_table",
    "registered_models",
    "stored_model",
    "validation_error",
]

#: How a read validates what is stored: attributes a model does not declare are kept (in
#: ``model_extra``), at any depth. Strictness for input stays: constructing a model or a DTO
#: from Python still refuses unknown fields; only reads of stored items use this.
STORED_EXTRA: Literal["allow"] = "allow"

# Every DynamoModel subclass that declares Meta, in definition order (for create_table_gateway).
_registry: list[type[DynamoModel]] = []


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00; ValueError makes it a validation error
        raise ValueError("datetime is outside the representable range in UTC") from None


#: An aware datetime normalised to UTC; naive values are rejected, never guessed.
UTCDateTime = Annotated[AwareDatetime, AfterValidator(_as_utc)]


class NestedValueError(ValueError):
    """A validator error about a value nested inside a field (``subpath``: ``"a.b[2]"``)."""

    def __init__(self, message: str, subpath: str) -> None:
        super().__init__(message)
        self.subpath = subpath


def validation_error(exc: pydantic.ValidationError, model: str) -> ValidationError:
    """Our ValidationError for pydantic's, naming the first offending field (dotted path)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, NestedValueError) and field:
        sep = "" if cause.subpath.startswith("[") else "."
        field = f"{field}{sep}{cause.subpath}"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return ValidationError(
        f"invalid {model}: {field or 'value'}: {first['msg']}{more}",
        field=field,
        errors=[{k: v for k, v in e.items() if k != "ctx"} for e in errors],
    )


class DynamoDBMixin:
    """Conversion between a pydantic model and a DynamoDB wire item.

    ``to_dynamodb_item`` follows the storage contract (bool keys as ``"true"``/``"false"``,
    fixed-width UTC datetimes, numbers as ``N``, ``None`` omitted); ``from_dynamodb_item`` accepts
    any stored form, including partial projections for models whose fields are optional.
    """

    @classmethod
    def table_meta(cls) -> TableMeta:
        """The validated ``Meta`` of this model (see :func:`extract_model_metadata`)."""
        return extract_model_metadata(cls)  # type: ignore[arg-type]

    def to_dynamodb_item(self) -> dict[str, Any]:
        """This model as a wire item (``{"attr": {"S": "..."}}``), checked against DynamoDB limits.

        Raises:
            ValidationError: A value cannot be stored, a key is empty, or the item is > 400 KB.
        """
        model: Any = self
        cls = type(self)
        meta = self.table_meta() if "Meta" in cls.__dict__ else getattr(cls, "__table_meta__", None)
        return encode_item(model, meta)

    @classmethod
    def from_dynamodb_item(cls, item: Mapping[str, Mapping[str, Any]]) -> Self:
        """Build the model from a wire item.

        Raises:
            ValidationError: The stored data does not validate against the model.
        """
        model: Any = cls
        return stored_model(model, decode_item_for(model, item))  # type: ignore[no-any-return]


ReadT = TypeVar("ReadT", bound=BaseModel)


def stored_model(cls: type[ReadT], data: Mapping[str, Any]) -> ReadT:
    """``cls`` validated from a stored item's decoded values, keeping undeclared attributes.

    The one way a stored item becomes a model (the wire validators of ``core/wire_models.py``
    follow the same rule): attributes written by other tools or by newer versions are data, so
    they are kept in ``model_extra`` (of nested models too) and written back by the encoders,
    never an error. Views (``extra="ignore"``) drop unknown top-level attributes before this.

    Raises:
        ValidationError: A declared field's stored value does not validate.
    """
    try:
        # The validator directly: model_validate adds two Python frames per item.
        result: ReadT = cls.__pydantic_validator__.validate_python(data, extra=STORED_EXTRA)
    except pydantic.ValidationError as exc:
        raise validation_error(exc, cls.__name__) from None
    return result


def carry_unknown(new: BaseModel, stored: BaseModel) -> None:
    """Give ``new`` the undeclared attributes of ``stored`` (in place), at every depth.

    A write that replaces an item, or an element of it, changes what the model declares and must
    keep the rest: the top-level extras of ``stored``, and the unknown keys of each nested model
    ``new`` holds — matched by the nested class's ``element_key`` in lists (a stage by its
    ``stage_name``), by position when it declares none. ``new``'s own extras win.
    """
    extra = stored.__pydantic_extra__
    if extra:
        mine = new.__pydantic_extra__
        object.__setattr__(new, "__pydantic_extra__", {**extra, **(mine or {})})
    for name in type(new).model_fields:
        carry_unknown_value(new.__dict__.get(name), stored.__dict__.get(name))


def carry_unknown_value(new: Any, stored: Any) -> None:
    """:func:`carry_unknown` for one field's values: a nested model, or a list of them."""
    if isinstance(new, BaseModel) and isinstance(stored, BaseModel):
        carry_unknown(new, stored)
    elif isinstance(new, list) and isinstance(stored, list) and new and stored:
        _carry_elements(new, stored)


def _carry_elements(new: list[Any], stored: list[Any]) -> None:
    first = new[0]
    if not isinstance(first, BaseModel):
        return
    key = getattr(type(first), "element_key", None)
    if key is None:
        pairs = list(zip(new, stored, strict=False))
    else:
        by_key: dict[Any, Any] = {}
        for old in stored:
            if isinstance(old, BaseModel):
                by_key.setdefault(old.__dict__.get(key), old)
        pairs = [(n, by_key.get(n.__dict__.get(key))) for n in new if isinstance(n, BaseModel)]
    for value, old in pairs:
        if isinstance(value, BaseModel) and isinstance(old, BaseModel) and type(old) is type(value):
            carry_unknown(value, old)


class StrictModel(BaseModel):
    """A model whose validation failures raise the library's ``ValidationError``.

    Unknown fields are rejected, NaN/infinity are refused, assignments are validated.
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, allow_inf_nan=False, defer_build=True
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise validation_error(exc, type(self).__name__) from None

    # Tell pydantic this __init__ only wraps errors, so model_validate keeps its fast path.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except pydantic.ValidationError as exc:
            raise validation_error(exc, cls.__name__) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except pydantic.ValidationError as exc:
            raise validation_error(exc, type(self).__name__) from None


class DynamoModel(DynamoDBMixin, StrictModel):
    """Base of table models: ``Meta`` is validated when the subclass is defined."""

    __table_meta__: ClassVar[TableMeta | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "Meta" in cls.__dict__:
            cls.__table_meta__ = extract_model_metadata(cls)
            _registry.append(cls)


def registered_models() -> list[type[DynamoModel]]:
    """Every ``DynamoModel`` subclass with a ``Meta``, in definition order."""
    return list(_registry)


def models_for_table(base_name: str) -> list[type[DynamoModel]]:
    """The registered models whose ``Meta.table_name`` is ``base_name`` (last definition wins
    for classes redefined under the same qualified name)."""
    found: dict[str, type[DynamoModel]] = {}
    for model in _registry:
        meta = model.__table_meta__
        if meta is not None and meta.table_name == base_name:
            found[f"{model.__module__}.{model.__qualname__}"] = model
    return list(found.values())


class FlexibleView(DynamoDBMixin, BaseModel):
    """Base of read views: all fields optional, unknown attributes ignored.

    A view with ``full_item = True`` reads whole items; any other view reads only its own fields
    (``projection_fields``), so summary listings move less data.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)
    full_item: ClassVar[bool] = False

    @classmethod
    def projection_fields(cls) -> list[str] | None:
        """The attributes a read should fetch for this view (``None``: the whole item)."""
        return None if cls.full_item else list(cls.model_fields)


ModelT = TypeVar("ModelT", bound=BaseModel)


def localize_datetimes(model: ModelT, zone: tzinfo) -> ModelT:
    """A copy of ``model`` with every datetime (nested models and lists too) in ``zone``."""
    changes: dict[str, Any] = {}
    for name, value in model.__dict__.items():
        converted = _localize_value(value, zone)
        if converted is not value:
            changes[name] = converted
    return model.model_copy(update=changes) if changes else model


def _localize_value(value: Any, zone: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, BaseModel):
        return localize_datetimes(value, zone)
    if isinstance(value, list) and value and isinstance(value[0], BaseModel | datetime):
        return [_localize_value(v, zone) for v in value]
    return value


EnumT = TypeVar("EnumT", bound=Enum)


def coerce_enum(enum_cls: type[EnumT], value: Any, field: str) -> EnumT:
    """``value`` as a member of ``enum_cls``, or a ValidationError listing the allowed values."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_cls)
        raise ValidationError(
            f"{field} must be one of: {allowed}; got {value!r}", field=field
        ) from None
