"""Python ⇄ DynamoDB wire format (``{"S": ...}``, ``{"N": ...}``), written directly.

The library talks to the low-level botocore client, so items are encoded straight into the wire
format here instead of going through boto3's ``TypeSerializer``. Rules (``shared/DOMAIN.md``):

============================  ================================================================
Python                        DynamoDB
============================  ================================================================
``str``                       ``S`` (empty allowed, except in key attributes)
``bool``                      ``BOOL``; ``S`` ``"true"``/``"false"`` for table/GSI key attributes
``int`` / ``Decimal``         ``N`` (finite, ≤ 38 significant digits, exponent -130..+125)
``float``                     ``N`` from its shortest ``repr`` (NaN / ±inf rejected)
``datetime`` (aware)          ``S`` ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive rejected)
``date`` / ``time`` / UUID    ``S`` ISO / canonical string
``Enum``                      its value
``bytes``                     ``B``
``set`` of str/num/bytes      ``SS`` / ``NS`` / ``BS`` (empty sets rejected)
``list`` / ``tuple``          ``L``
``dict`` / pydantic model     ``M``
``None``                      attribute omitted at top level; ``NULL`` inside lists and maps
============================  ================================================================

Decoding returns plain Python: ``N`` becomes ``int`` when integral, else ``Decimal`` (never float).
"""

from __future__ import annotations

import base64
import decimal
import enum
import json
import math
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from dynamodb_wrapper.core.metadata import _PYDANTIC_DATETIMES, TableMeta, _unwrap_optional
from dynamodb_wrapper.core.timeutils import format_utc
from dynamodb_wrapper.exceptions import ItemTooLargeError, ValidationError

__all__ = [
    "MAX_ITEM_BYTES",
    "check_item",
    "decode_item",
    "decode_item_for",
    "decode_value",
    "encode_item",
    "encode_key",
    "encode_key_value",
    "encode_number",
    "encode_value",
    "item_size",
    "json_default",
    "key_identity",
    "key_of",
]

Wire = dict[str, Any]
MAX_ITEM_BYTES = 400 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
_MAX_DIGITS = 38
_INT_LIMIT = 10**_MAX_DIGITS
# Wide enough to normalize any number DynamoDB accepts without rounding (and trap if it would).
_EXACT = decimal.Context(prec=_MAX_DIGITS, Emax=999_999, Emin=-999_999, traps=[decimal.Inexact])


# --------------------------------------------------------------------------- numbers


def encode_number(value: int | float | Decimal, path: str | None = None) -> str:
    """The ``N`` string of a number, enforcing DynamoDB's range and precision.

    Raises:
        ValidationError: NaN, infinity, more than 38 significant digits, or out of range.
    """
    kind = type(value)
    if kind is int and -_INT_LIMIT < value < _INT_LIMIT:
        return str(value)
    if kind is float and math.isfinite(value) and value != 0:
        text = repr(value)  # shortest round-trip form: at most 17 significant digits
        if "e" not in text:
            return text[:-2] if text.endswith(".0") else text
    if isinstance(value, bool):
        raise ValidationError(f"{path or 'value'}: bool is not a number", field=path)
    if isinstance(value, float):
        dec = Decimal(repr(value))
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    else:
        raise ValidationError(
            f"{path or 'value'}: {type(value).__name__} is not a number", field=path
        )
    if not dec.is_finite():
        raise ValidationError(
            f"{path or 'value'}: {value!r} cannot be stored (DynamoDB numbers must be finite)",
            field=path,
        )
    if dec.is_zero():
        return "0"
    # Counted without Decimal.normalize(): it rounds to the ambient context (28 digits).
    digits = len("".join(map(str, dec.as_tuple().digits)).rstrip("0"))
    if digits > _MAX_DIGITS:
        raise ValidationError(
            f"{path or 'value'}: {value!r} has {digits} significant digits; DynamoDB keeps 38",
            field=path,
        )
    exponent = dec.adjusted()
    if exponent < -130 or exponent > 125:
        raise ValidationError(
            f"{path or 'value'}: {value!r} is outside DynamoDB's range 1E-130 .. 9.99E+125",
            field=path,
        )
    if dec.as_tuple().exponent >= 0 and exponent < _MAX_DIGITS:  # type: ignore[operator]
        return str(int(dec))  # canonical: Decimal("1E+1") is stored as "10", as DynamoDB returns it
    text = str(dec)
    return text if len(text) <= _MAX_DIGITS + 8 else str(dec.normalize(_EXACT))


def _decode_number(text: str) -> int | Decimal:
    if "." in text or "e" in text or "E" in text:
        dec = Decimal(text)
        return int(dec) if dec == dec.to_integral_value() and "." not in text else dec
    return int(text)


# --------------------------------------------------------------------------- values


def _join(path: str | None, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path or ''}[{part}]"
    return f"{path}.{part}" if path else part


def _enc_str(value: Any, path: str | None) -> Wire:
    return {"S": value}


def _enc_bool(value: Any, path: str | None) -> Wire:
    return {"BOOL": value}


def _enc_num(value: Any, path: str | None) -> Wire:
    return {"N": encode_number(value, path)}


def _enc_datetime(value: Any, path: str | None) -> Wire:
    return {"S": format_utc(value, path)}


def _enc_isoformat(value: Any, path: str | None) -> Wire:
    return {"S": value.isoformat()}


def _enc_str_of(value: Any, path: str | None) -> Wire:
    return {"S": str(value)}


def _enc_bytes(value: Any, path: str | None) -> Wire:
    return {"B": bytes(value)}


def _enc_none(value: Any, path: str | None) -> Wire:
    return {"NULL": True}


def _enc_list(value: Any, path: str | None) -> Wire:
    return {"L": [encode_value(v, _join(path, i)) for i, v in enumerate(value)]}


def _enc_map(value: Any, path: str | None) -> Wire:
    out: dict[str, Wire] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            what = (
                "must not be empty" if key == "" else f"must be strings, got {type(key).__name__}"
            )
            raise ValidationError(f"{path or 'value'}: map keys {what}", field=path)
        out[key] = encode_value(item, _join(path, key))
    return {"M": out}


def _enc_model(value: Any, path: str | None) -> Wire:
    return {"M": _encode_fields(value, path, frozenset())}


def _enc_set(value: Any, path: str | None) -> Wire:
    if not value:
        raise ValidationError(
            f"{path or 'value'}: empty sets cannot be stored in DynamoDB (omit the field)",
            field=path,
        )
    members = list(value)
    if all(isinstance(m, str) for m in members):
        return {"SS": members}
    if all(isinstance(m, int | float | Decimal) and not isinstance(m, bool) for m in members):
        return {"NS": [encode_number(m, path) for m in members]}
    if all(isinstance(m, bytes | bytearray) for m in members):
        return {"BS": [bytes(m) for m in members]}
    raise ValidationError(
        f"{path or 'value'}: sets must hold only strings, only numbers or only bytes",
        field=path,
    )


_ENCODERS: dict[type, Callable[[Any, str | None], Wire]] = {
    str: _enc_str,
    bool: _enc_bool,
    int: _enc_num,
    float: _enc_num,
    Decimal: _enc_num,
    datetime: _enc_datetime,
    date: _enc_isoformat,
    time: _enc_isoformat,
    uuid.UUID: _enc_str_of,
    bytes: _enc_bytes,
    bytearray: _enc_bytes,
    type(None): _enc_none,
    list: _enc_list,
    tuple: _enc_list,
    dict: _enc_map,
    set: _enc_set,
    frozenset: _enc_set,
}


def encode_value(value: Any, path: str | None = None) -> Wire:
    """Encode one Python value as a wire attribute value (see the module table).

    Raises:
        ValidationError: The value cannot be stored (``path`` names where it was).
    """
    encoder = _ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value, path)
    if isinstance(value, enum.Enum):
        return encode_value(value.value, path)
    if isinstance(value, BaseModel):
        return _enc_model(value, path)
    # Subclasses of the built-ins above (str subclasses, OrderedDict, ...).
    for base, encoder in _ENCODERS.items():
        if base is not type(None) and isinstance(value, base):
            return encoder(value, path)
    if isinstance(value, Mapping):
        return _enc_map(value, path)
    try:
        plain = to_jsonable_python(value)
    except Exception as exc:  # pydantic raises PydanticSerializationError for unknown types
        raise ValidationError(
            f"{path or 'value'}: cannot store a {type(value).__name__}", field=path
        ) from exc
    if type(plain) is type(value):  # pragma: no cover - defensive: avoid infinite recursion
        raise ValidationError(f"{path or 'value'}: cannot store a {type(value).__name__}")
    return encode_value(plain, path)


def _encode_fields(
    model: BaseModel, path: str | None, bool_keys: frozenset[str]
) -> dict[str, Wire]:
    out: dict[str, Wire] = {}
    values: Iterable[tuple[str, Any]] = model.__dict__.items()
    extra = model.__pydantic_extra__
    if extra:
        values = [*values, *extra.items()]
    for name, value in values:
        if value is None:
            continue
        if name in bool_keys and type(value) is bool:
            out[name] = {"S": "true" if value else "false"}
        else:
            out[name] = encode_value(value, _join(path, name))
    return out


def decode_value(wire: Mapping[str, Any]) -> Any:
    """Decode one wire attribute value to plain Python (numbers to int or Decimal)."""
    # Membership tests in order of frequency: cheaper than unpacking the one-entry dict.
    if "S" in wire:
        return wire["S"]
    if "N" in wire:
        return _decode_number(wire["N"])
    if "M" in wire:
        return {k: decode_value(v) for k, v in wire["M"].items()}
    if "L" in wire:
        return [decode_value(v) for v in wire["L"]]
    if "BOOL" in wire:
        return wire["BOOL"]
    if "NULL" in wire:
        return None
    if "SS" in wire:
        return set(wire["SS"])
    if "NS" in wire:
        return {_decode_number(v) for v in wire["NS"]}
    if "B" in wire:
        return _decode_binary(wire["B"])
    if "BS" in wire:
        return {_decode_binary(v) for v in wire["BS"]}
    raise ValidationError(f"unknown DynamoDB type tag(s) {sorted(wire)!r}")


# --------------------------------------------------------------------------- compiled decoders
#
# The mirror of the encoder plans: each field of a model gets a decoder specialised for its
# declared type, which takes the expected tag directly and falls back to ``decode_value`` for
# anything else (NULL, the other bool form, unexpected data: pydantic then reports it).
# Numbers for float/Decimal fields stay strings: pydantic parses them exactly.

Decoder = Callable[[Any], Any]
_decode_plans: dict[type, tuple[dict[str, Decoder], bool]] = {}


def _dec_s(wire: Any) -> Any:
    try:
        return wire["S"]
    except (KeyError, TypeError):
        return decode_value(wire)


def _dec_n_text(wire: Any) -> Any:
    try:
        return wire["N"]
    except (KeyError, TypeError):
        return decode_value(wire)


def _dec_bool(wire: Any) -> Any:
    try:
        return wire["BOOL"]
    except (KeyError, TypeError):
        return decode_value(wire)  # "true"/"false" (key attributes), validated by pydantic


def _dec_list_of(element: Decoder) -> Decoder:
    def decode(wire: Any) -> Any:
        try:
            values = wire["L"]
        except (KeyError, TypeError):
            return decode_value(wire)
        return [element(v) for v in values]

    return decode


def _dec_map_of(element: Decoder) -> Decoder:
    def decode(wire: Any) -> Any:
        try:
            values = wire["M"]
        except (KeyError, TypeError):
            return decode_value(wire)
        return {k: element(v) for k, v in values.items()}

    return decode


def _dec_model_of(cls: type[BaseModel]) -> Decoder:
    def decode(wire: Any) -> Any:
        try:
            values = wire["M"]
        except (KeyError, TypeError):
            return decode_value(wire)
        return decode_item_for(cls, values)

    return decode


def _compile_decoder(annotation: Any) -> Decoder:
    base, _ = _unwrap_optional(annotation)
    origin = typing.get_origin(base)
    args = typing.get_args(base)
    if origin is list and len(args) == 1:
        return _dec_list_of(_compile_decoder(args[0]))
    if origin is dict and len(args) == 2 and args[0] is str:
        return _dec_map_of(_compile_decoder(args[1]))
    if base is str or base is datetime or any(base is m for m in _PYDANTIC_DATETIMES):
        return _dec_s
    if base is float or base is Decimal:
        return _dec_n_text
    if base is bool:
        return _dec_bool
    if isinstance(base, type):
        if issubclass(base, enum.Enum) and issubclass(base, str):
            return _dec_s
        if issubclass(base, BaseModel):
            return _dec_model_of(base)
    return decode_value


def decode_item_for(cls: type[BaseModel], item: Mapping[str, Any]) -> dict[str, Any]:
    """Decode a wire item (or map) for validation as ``cls``: typed fields through compiled
    decoders; unknown attributes dropped when ``cls`` ignores extras, else decoded."""
    plan = _decode_plans.get(cls)
    if plan is None:
        decoders = {name: _compile_decoder(f.annotation) for name, f in cls.model_fields.items()}
        plan = (decoders, cls.model_config.get("extra") == "ignore")
        _decode_plans[cls] = plan
    decoders, drop_unknown = plan
    out: dict[str, Any] = {}
    for name, wire in item.items():
        decoder = decoders.get(name)
        if decoder is not None:
            out[name] = decoder(wire)
        elif not drop_unknown:
            out[name] = decode_value(wire)
    return out


def json_default(value: Any) -> str:
    """``json.dumps`` ``default=`` for wire data: ``bytes`` (``B``/``BS``) as base64 text, as the
    DynamoDB JSON protocol carries them."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _decode_binary(value: bytes | str) -> bytes:
    # botocore's parser returns bytes; a raw JSON fast path returns base64 text.
    return value if isinstance(value, bytes) else base64.b64decode(value)


def decode_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Decode a wire item to a dict of plain Python values."""
    return {name: decode_value(value) for name, value in item.items()}


# --------------------------------------------------------------------------- items and keys


def encode_item(
    model: BaseModel, meta: TableMeta | None = None, *, check: bool = True
) -> dict[str, Wire]:
    """Encode a model instance as a wire item (``None`` fields omitted).

    When ``meta`` is given, bool key attributes become ``"true"``/``"false"`` and the item is
    checked with :func:`check_item` (``check=False`` skips that for callers that hand the item
    to a gateway write that checks it anyway).
    """
    bool_keys = meta.bool_keys if meta is not None else frozenset()
    try:
        item = _run_plan(model, _plan_for(type(model), bool_keys))
    except ValidationError:
        # The compiled plan does not track paths: redo it the slow way for a precise error.
        item = _encode_fields(model, None, bool_keys)
    if meta is not None and check:
        check_item(item, meta)
    return item


# --------------------------------------------------------------------------- compiled plans
#
# A model's fields are validated by pydantic, so their types are known from the annotations.
# A plan maps each field to an encoder specialised for its declared type; every encoder still
# checks the runtime type (``model_construct`` skips validation) and falls back to the generic
# ``encode_value`` when it differs.

Encoder = Callable[[Any], Wire]
_plans: dict[tuple[type, frozenset[str]], list[tuple[str, Encoder]]] = {}


def _fast_str(value: Any) -> Wire:
    return {"S": value} if type(value) is str else encode_value(value)


def _fast_bool(value: Any) -> Wire:
    return {"BOOL": value} if type(value) is bool else encode_value(value)


def _fast_bool_key(value: Any) -> Wire:
    if type(value) is bool:
        return {"S": "true" if value else "false"}
    return encode_value(value)


def _fast_int(value: Any) -> Wire:
    if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:
        return {"N": str(value)}
    return encode_value(value)


def _fast_datetime(value: Any) -> Wire:
    return {"S": format_utc(value)} if type(value) is datetime else encode_value(value)


def _fast_enum(value: Any) -> Wire:
    if isinstance(value, enum.Enum) and type(value.value) is str:
        return {"S": value.value}
    return encode_value(value)


def _list_of(element: Encoder) -> Encoder:
    def encode(value: Any) -> Wire:
        if type(value) is not list:
            return encode_value(value)
        return {"L": [encode_value(v) if v is None else element(v) for v in value]}

    return encode


def _map_of(element: Encoder) -> Encoder:
    def encode(value: Any) -> Wire:
        if type(value) is not dict or not all(type(k) is str and k for k in value):
            return encode_value(value)
        return {"M": {k: encode_value(v) if v is None else element(v) for k, v in value.items()}}

    return encode


def _model_of(cls: type[BaseModel]) -> Encoder:
    def encode(value: Any) -> Wire:
        if type(value) is not cls:
            return encode_value(value)
        return {"M": _run_plan(value, _plan_for(cls, frozenset()))}

    return encode


def _compile(annotation: Any) -> Encoder:
    base, _ = _unwrap_optional(annotation)
    origin = typing.get_origin(base)
    args = typing.get_args(base)
    if origin is list and len(args) == 1:
        return _list_of(_compile(args[0]))
    if origin is dict and len(args) == 2 and args[0] is str:
        return _map_of(_compile(args[1]))
    if base is str:
        return _fast_str
    if base is bool:
        return _fast_bool
    if base is int:
        return _fast_int
    if base is datetime or any(base is marker for marker in _PYDANTIC_DATETIMES):
        return _fast_datetime
    if isinstance(base, type):
        if issubclass(base, enum.Enum) and issubclass(base, str):
            return _fast_enum
        if issubclass(base, BaseModel):
            return _model_of(base)
    return encode_value


def _plan_for(cls: type[BaseModel], bool_keys: frozenset[str]) -> list[tuple[str, Encoder]]:
    plan = _plans.get((cls, bool_keys))
    if plan is None:
        plan = [
            (name, _fast_bool_key if name in bool_keys else _compile(info.annotation))
            for name, info in cls.model_fields.items()
        ]
        _plans[(cls, bool_keys)] = plan
    return plan


def _run_plan(model: BaseModel, plan: list[tuple[str, Encoder]]) -> dict[str, Wire]:
    values = model.__dict__
    out: dict[str, Wire] = {}
    for name, encode in plan:
        value = values.get(name)
        if value is not None:
            out[name] = encode(value)
    extra = model.__pydantic_extra__
    if extra:
        for name, value in extra.items():
            if value is not None:
                out[name] = encode_value(value, name)
    return out


def encode_key_value(meta: TableMeta, attribute: str, value: Any) -> Wire:
    """Encode a value of a key attribute (table or GSI) with the key rules.

    Raises:
        ValidationError: ``None``, an empty string, or a type that does not fit the attribute.
    """
    kind = meta.attribute_types.get(attribute)
    if kind is None:
        raise ValidationError(
            f"{attribute!r} is not a key attribute of {meta.model_name}", field=attribute
        )
    if value is None:
        raise ValidationError(f"key attribute {attribute!r} must not be None", field=attribute)
    if attribute in meta.bool_keys:
        if isinstance(value, str) and value in ("true", "false"):
            return {"S": value}
        if type(value) is not bool:
            raise ValidationError(f"key attribute {attribute!r} expects a bool", field=attribute)
        return {"S": "true" if value else "false"}
    wire = encode_value(value, attribute)
    tag = next(iter(wire))
    if tag != kind:
        raise ValidationError(
            f"key attribute {attribute!r} expects DynamoDB type {kind}, got {type(value).__name__}",
            field=attribute,
        )
    if tag in ("S", "B") and len(wire[tag]) == 0:
        raise ValidationError(f"key attribute {attribute!r} must not be empty", field=attribute)
    return wire


def encode_key(meta: TableMeta, values: Mapping[str, Any]) -> dict[str, Wire]:
    """The wire primary key of the table from ``{partition_key: v[, sort_key: v]}``.

    Raises:
        ValidationError: A key attribute is missing, unexpected, empty or too long.
    """
    expected = meta.key_attributes
    unexpected = set(values) - set(expected)
    if unexpected:
        raise ValidationError(
            f"{meta.model_name} key takes {list(expected)}, got unexpected {sorted(unexpected)}",
            field=sorted(unexpected)[0],
        )
    key: dict[str, Wire] = {}
    for attribute in expected:
        if attribute not in values:
            raise ValidationError(
                f"{meta.model_name} key is missing {attribute!r}", field=attribute
            )
        key[attribute] = encode_key_value(meta, attribute, values[attribute])
    _check_key_sizes(key, meta)
    return key


def key_of(item: Mapping[str, Wire], meta: TableMeta) -> dict[str, Wire]:
    """Extract the wire primary key from a wire item."""
    return {name: item[name] for name in meta.key_attributes if name in item}


def key_identity(key: Mapping[str, Wire]) -> str:
    """A hashable, canonical identity of a wire key (for de-duplication and matching).

    Numbers are compared by value (``1`` and ``1.0`` are one key, as in DynamoDB).
    """
    canonical = {
        name: {"N": str(Decimal(wire["N"]).normalize(_EXACT))} if "N" in wire else wire
        for name, wire in key.items()
    }
    return json.dumps(canonical, sort_keys=True, default=repr)


def _scalar_size(wire: Wire) -> int:
    ((tag, value),) = wire.items()
    if tag == "S":
        return len(value.encode("utf-8"))
    if tag == "B":
        return len(_decode_binary(value))
    return len(str(value))


def _check_key_sizes(item: Mapping[str, Wire], meta: TableMeta) -> None:
    for attribute, limit in (
        (meta.partition_key, MAX_PARTITION_KEY_BYTES),
        (meta.sort_key, MAX_SORT_KEY_BYTES),
    ):
        if attribute is None or attribute not in item:
            continue
        size = _scalar_size(item[attribute])
        if size > limit:
            raise ValidationError(
                f"key attribute {attribute!r} is {size} bytes; DynamoDB allows {limit}",
                field=attribute,
            )


def _value_size(wire: Mapping[str, Any]) -> int:
    """Approximate stored size of a value, following the DynamoDB item-size rules."""
    ((tag, value),) = wire.items()
    if tag == "S":
        return len(value.encode("utf-8"))
    if tag == "N":
        return (len(value.lstrip("-").replace(".", "").split("E")[0].split("e")[0]) + 1) // 2 + 1
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "B":
        return len(_decode_binary(value))
    if tag == "M":
        return 3 + sum(len(k.encode("utf-8")) + _value_size(v) + 1 for k, v in value.items())
    if tag == "L":
        return 3 + sum(_value_size(v) + 1 for v in value)
    if tag == "SS":
        return sum(len(v.encode("utf-8")) for v in value)
    if tag == "NS":
        return sum(_value_size({"N": v}) for v in value)
    if tag == "BS":
        return sum(len(_decode_binary(v)) for v in value)
    return 0


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Approximate stored size in bytes of a wire item (names + values, UTF-8)."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def check_item(item: Mapping[str, Wire], meta: TableMeta) -> None:
    """Check a wire item against the key rules and the 400 KB limit, before any request.

    Raises:
        ValidationError: A key attribute is missing, empty, of the wrong type or too long.
        ItemTooLargeError: The item is larger than 400 KB (the message names its key).
    """
    for attribute in meta.key_attributes:
        wire = item.get(attribute)
        if wire is None:
            raise ValidationError(
                f"{meta.model_name} item has no key attribute {attribute!r}", field=attribute
            )
        tag = next(iter(wire))
        if tag != meta.attribute_types[attribute]:
            raise ValidationError(
                f"key attribute {attribute!r} must be of type {meta.attribute_types[attribute]}",
                field=attribute,
            )
        if tag in ("S", "B") and not wire[tag]:
            raise ValidationError(f"key attribute {attribute!r} must not be empty", field=attribute)
    for attribute in meta.all_key_attributes.difference(meta.key_attributes):
        wire = item.get(attribute)
        if wire is not None:
            tag = next(iter(wire))
            if tag in ("S", "B") and not wire[tag]:
                raise ValidationError(
                    f"index key attribute {attribute!r} must not be empty (omit it instead)",
                    field=attribute,
                )
    _check_key_sizes(item, meta)
    # repr() is C-fast and, times 4 (the most UTF-8 bytes per character), bounds the stored
    # size from above; only items near the limit get the exact walk.
    if 4 * len(repr(item)) <= MAX_ITEM_BYTES:
        return
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        key = {name: decode_value(item[name]) for name in meta.key_attributes}
        raise ItemTooLargeError(
            f"{meta.model_name} item {key} is {size} bytes; DynamoDB's limit is "
            f"{MAX_ITEM_BYTES} bytes (400 KB)",
            field=None,
        )
