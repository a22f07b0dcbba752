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
import marshal
import math
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from dynamodb_wrapper.core.metadata import TableMeta, field_kind
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
    "field_kind",
    "value_decoder",
    "item_size",
    "json_default",
    "describe_key",
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
    if dec.as_tuple().exponent >= 0:  # type: ignore[operator]
        if exponent < _MAX_DIGITS:
            return str(int(dec))  # canonical: Decimal("1E+1") is "10", as DynamoDB returns it
        # Canonical too: 10**38 and Decimal("1E+38") are both "1E+38" (which decodes to the int).
        return str(dec.normalize(_EXACT))
    text = str(dec)
    return text if len(text) <= _MAX_DIGITS + 8 else str(dec.normalize(_EXACT))


def _float_text(value: float) -> str:
    """:func:`encode_number` of a float (the same text), without its type dispatch."""
    if value != 0 and value - value == 0:  # finite and non-zero (inf - inf and NaN are NaN)
        text = repr(value)
        if "e" not in text:
            return text[:-2] if text.endswith(".0") else text
    return encode_number(value)


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
    for name, value in model.__dict__.items():
        if value is None:
            continue
        if name in bool_keys and type(value) is bool:
            out[name] = {"S": "true" if value else "false"}
        else:
            out[name] = encode_value(value, _join(path, name))
    extra = model.__pydantic_extra__
    if extra:  # attributes read from storage that the model does not declare: kept as stored
        for name, value in extra.items():
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
        item = _encoder_for(type(model), bool_keys)(model)
    except ValidationError:
        # The generated encoder does not track paths: redo it the slow way for a precise error.
        item = _encode_fields(model, None, bool_keys)
    if meta is not None and check:
        check_item(item, meta)
    return item


# --------------------------------------------------------------------------- compiled coders
#
# A model's fields are validated by pydantic, so their types are known from the annotations.
# For each model class one encoder and one decoder function are generated (Python source, compiled
# once per class): straight-line code, one branch per field, with the wire form of each declared
# type written inline, so that a field costs a dict lookup and a type test instead of a function
# call. Every fast branch still checks the runtime value (``model_construct`` skips validation,
# stored data may be odd) and hands anything else to the generic ``encode_value`` /
# ``decode_value``; decoded values are validated by pydantic afterwards, which reports them.

Encoder = Callable[[Any], dict[str, Wire]]
Decoder = Callable[[Mapping[str, Any]], dict[str, Any]]
_encoders: dict[tuple[type, frozenset[str]], Encoder] = {}
_decoders: dict[type, Decoder] = {}


class _Source:
    """Source lines and the namespace of one generated function."""

    def __init__(self, **names: Any) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = dict(names)
        self._counter = 0

    def bind(self, value: Any) -> str:
        """A name under which ``value`` is visible in the generated code."""
        for name, bound in self.namespace.items():
            if bound is value:
                return name
        name = f"_g{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def var(self) -> str:
        self._counter += 1
        return f"_x{self._counter}"

    def build(self, name: str) -> Any:
        code = compile("\n".join(self.lines), f"<dynamodb_wrapper {name}>", "exec")
        exec(code, self.namespace)  # our own source; field names enter it through repr()
        return self.namespace[name]


def _utc_text(var: str) -> str:
    # The storage form of format_utc, by %-formatting the fields of a UTC datetime: a third
    # cheaper than isoformat(timespec=...) (keyword parsing, utcoffset call, slicing).
    fields = ", ".join(
        f"{var}.{a}" for a in ("year", "month", "day", "hour", "minute", "second", "microsecond")
    )
    return f'"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % ({fields})'


def _enc_expr(kind: tuple[str, Any], var: str, src: _Source) -> str:
    """An expression encoding ``var`` (never None at top level; may be None in containers)."""
    tag, detail = kind
    if tag == "str":
        return f'{{"S": {var}}} if type({var}) is str else _ev({var})'
    if tag == "bool":
        return f'{{"BOOL": {var}}} if type({var}) is bool else _ev({var})'
    if tag == "int":
        return f'{{"N": str({var})}} if type({var}) is int and -_LIM < {var} < _LIM else _ev({var})'
    if tag == "datetime":
        return (
            f'{{"S": {_utc_text(var)}}} if type({var}) is _dt and {var}.tzinfo is _UTC '
            f"else _ev({var})"
        )
    if tag == "number":
        return f'{{"N": _ft({var})}} if type({var}) is float else _ev({var})'
    if tag == "str_enum":
        return f'{{"S": {var}._value_}} if type({var}) is {src.bind(detail)} else _ev({var})'
    if tag == "model":
        encoder = src.bind(_encoder_for(detail, frozenset()))
        return f'{{"M": {encoder}({var})}} if type({var}) is {src.bind(detail)} else _ev({var})'
    if tag == "list":
        x = src.var()
        element = _enc_expr(detail, x, src)
        return f'{{"L": [{element} for {x} in {var}]}} if type({var}) is list else _ev({var})'
    if tag == "map":
        x, k = src.var(), src.var()
        return (
            f'{{"M": {{{k}: {_enc_expr(detail, x, src)} for {k}, {x} in {var}.items()}}}} '
            f"if type({var}) is dict and all(type({k}) is str and {k} for {k} in {var}) "
            f"else _ev({var})"
        )
    return f"_ev({var})"


def _dec_expr(kind: tuple[str, Any], var: str, src: _Source) -> str:
    """An expression decoding the wire value ``var`` for validation as the declared type."""
    tag, detail = kind
    if tag in ("str", "datetime", "str_enum"):
        scalar = "S"
    elif tag in ("int", "number"):
        scalar = "N"  # numbers stay text: pydantic parses them exactly (no float detour)
    elif tag == "bool":
        scalar = "BOOL"  # "true"/"false" (key attributes) go through decode_value, then pydantic
    elif tag == "model":
        decoder = src.bind(_decoder_for(detail))
        return f'{decoder}({var}["M"]) if "M" in {var} else _dv({var})'
    elif tag == "list":
        x = src.var()
        return (
            f'[{_dec_expr(detail, x, src)} for {x} in {var}["L"]] if "L" in {var} else _dv({var})'
        )
    elif tag == "map":
        x, k = src.var(), src.var()
        return (
            f'{{{k}: {_dec_expr(detail, x, src)} for {k}, {x} in {var}["M"].items()}} '
            f'if "M" in {var} else _dv({var})'
        )
    else:
        return f"_dv({var})"
    return f'{var}["{scalar}"] if "{scalar}" in {var} else _dv({var})'


def _encoder_for(cls: type[BaseModel], bool_keys: frozenset[str]) -> Encoder:
    """The generated ``model -> wire item`` function of ``cls`` (bool keys as "true"/"false")."""
    encoder = _encoders.get((cls, bool_keys))
    if encoder is not None:
        return encoder
    # A model that contains itself reaches here again while its source is being generated.
    _encoders[(cls, bool_keys)] = lambda model: _encoders[(cls, bool_keys)](model)
    src = _Source(_ev=encode_value, _ft=_float_text, _LIM=_INT_LIMIT, _dt=datetime, _UTC=UTC)
    src.lines += ["def encode(model):", "    d = model.__dict__", "    out = {}"]
    for name, info in cls.model_fields.items():
        if name in bool_keys:
            expr = '{"S": "true" if v else "false"} if type(v) is bool else _ev(v)'
        else:
            expr = _enc_expr(field_kind(info.annotation), "v", src)
        src.lines += [
            f"    v = d.get({name!r})",
            "    if v is not None:",
            f"        out[{name!r}] = {expr}",
        ]
    src.lines += [
        "    extra = model.__pydantic_extra__",
        "    if extra:",  # read from storage, not declared: written back as stored (NULL too)
        "        for name, v in extra.items():",
        "            out[name] = _ev(v, name)",
        "    return out",
    ]
    encoder = src.build("encode")
    _encoders[(cls, bool_keys)] = encoder
    return encoder  # type: ignore[no-any-return]


def _decoder_for(cls: type[BaseModel]) -> Decoder:
    """The generated ``wire item -> validation input`` function of ``cls``: typed fields decoded
    for their declared type; other attributes dropped when ``cls`` ignores extras, else decoded."""
    decoder = _decoders.get(cls)
    if decoder is not None:
        return decoder
    _decoders[cls] = lambda item: _decoders[cls](item)
    src = _Source(_dv=decode_value, _known=frozenset(cls.model_fields))
    src.lines += ["def decode(item):", "    get = item.get", "    out = {}"]
    for name, info in cls.model_fields.items():
        src.lines += [
            f"    w = get({name!r})",
            "    if w is not None:",
            f"        out[{name!r}] = {_dec_expr(field_kind(info.annotation), 'w', src)}",
        ]
    if cls.model_config.get("extra") != "ignore":
        src.lines += [
            "    if len(out) != len(item):",
            "        for name, w in item.items():",
            "            if name not in _known:",
            "                out[name] = _dv(w)",
        ]
    src.lines.append("    return out")
    decoder = src.build("decode")
    _decoders[cls] = decoder
    return decoder  # type: ignore[no-any-return]


def decode_item_for(cls: type[BaseModel], item: Mapping[str, Any]) -> dict[str, Any]:
    """Decode a wire item (or map) for validation as ``cls`` (see :func:`_decoder_for`)."""
    return _decoder_for(cls)(item)


def value_decoder(kind: tuple[str, Any]) -> Callable[[Any], Any]:
    """The function decoding one wire value for validation as a type of :func:`field_kind`
    ``kind``: the expression the generated model decoders use for a field of that type."""
    src = _Source(_dv=decode_value)
    expr = _dec_expr(kind, "w", src)
    src.lines += ["def decode_value_for(w):", f"    return {expr}"]
    decoder: Callable[[Any], Any] = src.build("decode_value_for")
    return decoder


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


#: A hashable identity of a wire key: sorted ``(attribute, tag, value)`` triples.
KeyIdentity = tuple[tuple[str, str, Any], ...]


def key_identity(key: Mapping[str, Wire]) -> KeyIdentity:
    """A hashable, canonical identity of a wire key (for de-duplication and matching).

    Numbers are compared by value (``1`` and ``1.0`` are one key, as in DynamoDB).
    """
    parts = []
    for name, wire in key.items():
        ((tag, value),) = wire.items()
        if tag == "N":
            value = str(Decimal(value).normalize(_EXACT))
        elif tag == "B":
            value = _decode_binary(value)
        parts.append((name, tag, value))
    if len(parts) > 1:
        parts.sort()
    return tuple(parts)


def describe_key(identity: KeyIdentity) -> str:
    """``{name='a', shard=1}``: a key identity for messages."""
    return "{" + ", ".join(f"{name}={value!r}" for name, _, value in identity) + "}"


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


def _size_bound(item: Mapping[str, Any]) -> int:
    """An upper bound of :func:`item_size`, computed in C.

    ``marshal`` format 2 writes every string as its UTF-8 bytes plus a 5-byte header, every
    dict/list with a header of its own and shares nothing (references between equal objects
    arrived with format 3), so its length exceeds the stored size of any wire item: a
    ``{"S": s}`` costs 13 + len(s) bytes there against len(s) stored, a map or list more than
    DynamoDB's 3 + 1 per element. 3x cheaper than ``repr()``, and exact in UTF-8 where ``repr``
    needed a 4x margin. Values marshal cannot write (str subclasses, Decimal in a hand-built
    item, deep nesting) get the exact walk.
    """
    value: Any = item  # a dict in practice; marshal types only its own value kinds
    try:
        return len(marshal.dumps(value, 2))
    except ValueError:
        return item_size(item)


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
    for attribute in meta.index_only_key_attributes:
        wire = item.get(attribute)
        if wire is not None:
            tag = next(iter(wire))
            if tag in ("S", "B") and not wire[tag]:
                raise ValidationError(
                    f"index key attribute {attribute!r} must not be empty (omit it instead)",
                    field=attribute,
                )
    _check_key_sizes(item, meta)
    if _size_bound(item) <= MAX_ITEM_BYTES:
        return
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        key = {name: decode_value(item[name]) for name in meta.key_attributes}
        raise ItemTooLargeError(
            f"{meta.model_name} item {key} is {size} bytes; DynamoDB's limit is "
            f"{MAX_ITEM_BYTES} bytes (400 KB)",
            field=None,
        )
