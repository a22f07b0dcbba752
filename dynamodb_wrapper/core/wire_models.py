"""DynamoDB's response JSON validated straight into models, in one pydantic-core pass.

The standard read path turns a response body into Python dicts (``json.loads``: a dict for every
``{"S": ...}`` wrapper), decodes each item for its model (:func:`codec.decode_item_for`) and then
validates it. For each model class this module builds, once, a second pydantic-core validator of
the *same* class whose fields read DynamoDB's wire form themselves, and wraps it in a validator of
the whole response (``{"Items": [...], "LastEvaluatedKey": ...}`` or ``{"Item": ...}``), so that
``validate_json(body)`` parses and validates a page in Rust without the intermediate dicts
(1,000 run logs: ~30 % less CPU than ``json.loads`` + decode + validate).

How each field reads the wire form:

* a scalar (``str``, str enum, datetime, ``int``, ``float``/``Decimal``, ``bool``) whose schema is
  plain (only after-validators around it) takes its value through validation-alias paths
  ``[name, "S"]`` (``"N"``; ``"BOOL"`` then ``"S"`` for bools stored as ``"true"``/``"false"``)
  and last ``[name]``: a value stored under another type tag reaches the field's validation as
  the wrapper dict, which no scalar accepts, so it fails instead of being skipped;
* a nested model, or a list of them, is read from ``{"M": {...}}`` (``{"L": [...]}``) by the
  nested class's own wire schema, as a ``{"M": model}`` typed dict with no other keys;
* a plain list or ``dict[str, ...]`` reads the content of ``{"L": [...]}`` / ``{"M": {...}}``
  the same way, each element decoded by the expression the standard path uses for the element
  type (:func:`codec.value_decoder`), so empty containers cost no Python call;
* any other field (``Any``, sets, bytes, unions, fields with before- or wrap-validators,
  constrained containers) is decoded whole by the standard path's expression in a
  before-validator, then validated by its own schema;
* an attribute the class does not declare is kept, decoded, in ``model_extra`` (nested models
  too), as :func:`model.stored_model` keeps it on the standard path; views ignore them.

So a body this validator accepts gives the objects the standard path gives (a property test
compares them); anything it rejects (a stored value of an unexpected type, a ``NULL``, bad data)
is re-read by the standard path, which returns the same objects or raises the precise error.
Classes it does not understand (model validators, aliases, ``extra="allow"``, strict config,
custom ``__init__``, a schema shape not listed above) get no wire validator and always take the
standard path.

pydantic-core reuses a complete model class's own validator for any schema that names the class
(its "prebuilt" shortcut), which would ignore the rewritten fields; the classes concerned are
therefore marked incomplete while the wire validator is built (under a lock, a few ms per class).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any, Literal, cast

import pydantic_core
from pydantic import BaseModel
from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from dynamodb_wrapper.core._gc import gc_paused
from dynamodb_wrapper.core.codec import decode_value, field_kind, value_decoder
from dynamodb_wrapper.core.fastpath import BODY, LARGE_BODY, load_body

__all__ = ["Envelope", "read_response", "response_validator"]

#: The response member holding the items: ``Items`` (Query, Scan) or ``Item`` (GetItem).
Envelope = Literal["Items", "Item"]

#: The wire tags a plain scalar field reads, in order; ``[name]`` itself comes last.
_TAGS: dict[str, tuple[str, ...]] = {
    "str": ("S",),
    "datetime": ("S",),
    "str_enum": ("S",),
    "int": ("N",),
    "number": ("N",),
    "bool": ("BOOL", "S"),
}
#: The core-schema types each scalar kind may have under its default/nullable/after wrappers.
_SCHEMA_TYPES: dict[str, frozenset[str]] = {
    "str": frozenset({"str"}),
    "datetime": frozenset({"datetime"}),
    "str_enum": frozenset({"enum"}),
    "int": frozenset({"int"}),
    "number": frozenset({"float", "decimal"}),
    "bool": frozenset({"bool"}),
}

_lock = threading.Lock()
_validators: dict[tuple[type[BaseModel], str], SchemaValidator | None] = {}


class _Unsupported(Exception):
    """The class (or a nested class) cannot be validated from the wire form here."""


def response_validator(cls: type[BaseModel], envelope: Envelope) -> SchemaValidator | None:
    """The validator of a whole Query/Scan (``"Items"``) or GetItem (``"Item"``) response body
    whose items become ``cls`` instances, or ``None`` when ``cls`` takes the standard path.

    Its result is a dict: ``Items`` (a list of ``cls``) or ``Item`` (absent when not found), and
    ``LastEvaluatedKey`` / ``Count`` / ``ScannedCount`` / ``ConsumedCapacity`` as parsed JSON.
    """
    key = (cls, envelope)
    try:
        return _validators[key]
    except KeyError:
        pass
    with _lock:
        if key not in _validators:
            _validators[key] = _build(cls, envelope)
        return _validators[key]


def read_response(response: dict[str, Any], cls: Any, envelope: Envelope) -> dict[str, Any]:
    """``response`` with its ``Items`` (or ``Item``) as instances of ``cls`` (a model or view).

    A response parsed inside :func:`fastpath.deliver_body` carries its raw body: it is validated
    with :func:`response_validator` when ``cls`` has one and the body passes, else parsed with
    ``json.loads`` and converted item by item with ``cls.from_dynamodb_item``, which is also what
    a response parsed by botocore (fast path off) gets.

    Raises:
        ValidationError: An item does not validate as ``cls`` (from ``from_dynamodb_item``).
    """
    body = response.pop(BODY, None)
    if body is not None:
        validator = response_validator(cls, envelope) if body else None
        if validator is not None:
            try:
                with gc_paused() if len(body) > LARGE_BODY else nullcontext():
                    parsed: dict[str, Any] = validator.validate_json(body)
            except pydantic_core.ValidationError:
                pass  # the standard path below gives the precise error (or reads it after all)
            else:
                response.update(parsed)
                return response
        response.update(load_body(body))
    if envelope == "Items":
        response["Items"] = [cls.from_dynamodb_item(item) for item in response.get("Items", ())]
    elif response.get("Item") is not None:
        response["Item"] = cls.from_dynamodb_item(response["Item"])
    return response


def _build(cls: type[BaseModel], envelope: Envelope) -> SchemaValidator | None:
    try:
        top = _model_schema(cls)
        definitions: list[Any] = []
        if (
            top.get("type") == "definitions"
        ):  # shared sub-schemas (enums, models) hoisted by pydantic
            definitions = list(top["definitions"])
            top = dict(top["schema"])
        rewriter = _Rewriter({d["ref"]: d for d in definitions if "ref" in d})
        item = rewriter.model(cls, top, ())
    except _Unsupported:
        return None
    other = cs.typed_dict_field(cs.any_schema(), required=False)
    fields: dict[str, cs.TypedDictField] = {"ConsumedCapacity": other}
    if envelope == "Items":
        fields["Items"] = cs.typed_dict_field(cs.list_schema(item), required=False)
        fields["LastEvaluatedKey"] = other
        fields["Count"] = other
        fields["ScannedCount"] = other
    else:
        fields["Item"] = cs.typed_dict_field(item, required=False)
    schema: Any = cs.typed_dict_schema(fields, extra_behavior="ignore")
    if definitions:
        schema = cs.definitions_schema(schema, definitions)
    # Mark the rewritten classes incomplete so pydantic-core builds their rewritten schemas
    # instead of reusing each class's own validator ("prebuilt"), then restore the flags.
    saved = [(c, c.__dict__.get("__pydantic_complete__", False)) for c in rewriter.rewritten]
    try:
        for c, _ in saved:
            c.__pydantic_complete__ = False
        return SchemaValidator(schema)
    finally:
        for c, flag in saved:
            c.__pydantic_complete__ = flag


def _model_schema(cls: type[BaseModel]) -> dict[str, Any]:
    """``cls``'s own core schema (built now if the class deferred it)."""
    if not cls.__pydantic_complete__:
        try:
            cls.model_rebuild()
        except Exception as exc:  # unresolvable annotations: the standard path reports them
            raise _Unsupported(cls.__name__) from exc
    schema = cls.__pydantic_core_schema__
    if not isinstance(schema, dict):  # pragma: no cover - a mock: the class cannot be built
        raise _Unsupported(cls.__name__)
    return dict(schema)


class _Rewriter:
    """Rewrites model schemas to read the wire form; remembers the classes it rewrote."""

    def __init__(self, definitions: dict[str, dict[str, Any]]) -> None:
        self.definitions = definitions
        self.rewritten: list[type[BaseModel]] = []

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema``, or the definition it refers to."""
        if schema.get("type") == "definition-ref":
            return self.definitions.get(schema.get("schema_ref", ""), schema)
        return schema

    def model(
        self,
        cls: type[BaseModel],
        schema: dict[str, Any],
        building: tuple[type[BaseModel], ...],
    ) -> dict[str, Any]:
        """``cls``'s model ``schema`` with every field reading the wire form.

        Raises:
            _Unsupported: ``cls`` has model validators, aliases, extras kept, strict config, a
                custom ``__init__``, or is already being rewritten (a recursive model).
        """
        node = dict(schema)
        config = node.get("config") or {}
        fields_node = node.get("schema")
        if (
            cls in building
            or node.get("type") != "model"
            or node.get("cls") is not cls
            or node.get("custom_init")
            or node.get("root_model")
            or not isinstance(fields_node, dict)
            or fields_node.get("type") != "model-fields"
            or fields_node.get("computed_fields")
            or config.get("extra_fields_behavior") == "allow"
            or config.get("strict")
            or any(
                info.alias is not None or info.validation_alias is not None
                for info in cls.model_fields.values()
            )
        ):
            raise _Unsupported(cls.__name__)
        inner = dict(fields_node)
        inner["fields"] = {
            name: self.field(name, field, cls, (*building, cls))
            for name, field in fields_node["fields"].items()
        }
        # Undeclared attributes follow the storage rule of model.stored_model: kept (decoded
        # as the standard path decodes them) unless the class ignores them (views).
        if config.get("extra_fields_behavior") == "ignore":
            inner["extra_behavior"] = "ignore"
        else:
            inner["extra_behavior"] = "allow"
            inner["extras_schema"] = cs.no_info_before_validator_function(
                decode_value, cs.any_schema()
            )
        node["schema"] = inner
        node.pop("ref", None)  # a rewritten copy must not stand in for the class's definition
        self.rewritten.append(cls)
        return node

    def field(
        self,
        name: str,
        field: dict[str, Any],
        owner: type[BaseModel],
        building: tuple[type[BaseModel], ...],
    ) -> dict[str, Any]:
        info = owner.model_fields.get(name)
        if info is None or field.get("type") != "model-field" or "validation_alias" in field:
            raise _Unsupported(f"{owner.__name__}.{name}")
        kind = field_kind(info.annotation)
        out = dict(field)
        tag = kind[0]
        if tag in _TAGS and self.plain(field["schema"], _SCHEMA_TYPES[tag]):
            out["validation_alias"] = [[name, t] for t in _TAGS[tag]] + [[name]]
            return out
        if tag == "model" or (tag == "list" and kind[1][0] == "model"):
            nested = self.nested(field["schema"], kind, building)
            if nested is not None:
                out["schema"] = nested
                if tag == "list":
                    out["validation_alias"] = [[name, "L"], [name]]
                return out
        if tag in ("list", "map"):
            container = self.container(field["schema"], kind, building)
            if container is not None:
                out["schema"] = container
                out["validation_alias"] = [[name, "L" if tag == "list" else "M"], [name]]
                return out
        out["schema"] = _under_default(field["schema"], value_decoder(kind))
        return out

    def container(
        self,
        schema: dict[str, Any],
        kind: tuple[str, Any],
        building: tuple[type[BaseModel], ...],
    ) -> dict[str, Any] | None:
        """``schema`` (a plain list, or a dict with str keys, under default/nullable) reading
        the content of ``{"L": [...]}`` / ``{"M": {...}}``: each element decoded on its own, so an
        empty container costs no Python call; ``None`` when its shape is not that."""
        node_type = schema.get("type")
        if node_type in ("default", "nullable"):
            inner = self.container(schema["schema"], kind, building)
            return None if inner is None else {**schema, "schema": inner}
        tag, element = kind
        member = "items_schema" if tag == "list" else "values_schema"
        allowed = {"type", member, "metadata"} | ({"keys_schema"} if tag == "map" else set())
        if node_type != ("list" if tag == "list" else "dict") or set(schema) - allowed:
            return None  # length constraints, strictness: the decoding path keeps them
        if tag == "map" and self.resolve(schema.get("keys_schema", {})).get("type") != "str":
            return None
        inner_schema: dict[str, Any] = schema.get(member) or dict(cs.any_schema())
        nested = self.nested(inner_schema, element, building) if element[0] == "model" else None
        if nested is None:
            nested = _under_default(inner_schema, value_decoder(element))
        return {**schema, member: nested}

    def plain(self, schema: dict[str, Any], types: frozenset[str]) -> bool:
        """``schema`` is one of ``types`` under default / nullable / after-validators only."""
        schema = self.resolve(schema)
        while schema.get("type") in ("default", "nullable", "function-after"):
            schema = self.resolve(schema["schema"])
        return schema.get("type") in types

    def nested(
        self,
        schema: dict[str, Any],
        kind: tuple[str, Any],
        building: tuple[type[BaseModel], ...],
    ) -> dict[str, Any] | None:
        """``schema`` (a nested model, or a list of them, under default/nullable) reading
        ``{"M": ...}`` values; ``None`` when its shape is not that."""
        kind_tag, detail = kind
        schema = self.resolve(schema)
        node_type = schema.get("type")
        if node_type in ("default", "nullable"):
            inner = self.nested(schema["schema"], kind, building)
            return None if inner is None else {**schema, "schema": inner}
        if kind_tag == "list":
            if node_type != "list" or set(schema) - {"type", "items_schema", "metadata"}:
                return None  # length constraints, strictness: the decoding path keeps them
            items = self.nested(schema["items_schema"], detail, building)
            return None if items is None else {**schema, "items_schema": items}
        if node_type != "model" or schema.get("cls") is not detail:
            return None
        try:
            model: Any = self.model(cast(type[BaseModel], detail), schema, building)
        except _Unsupported:
            return None
        wrapper = cs.typed_dict_schema({"M": cs.typed_dict_field(model)}, extra_behavior="forbid")
        unwrapped: Any = cs.no_info_after_validator_function(_take_map, wrapper)
        return unwrapped  # type: ignore[no-any-return]


def _under_default(schema: dict[str, Any], decode: Any) -> dict[str, Any]:
    """``schema`` with ``decode`` as a before-validator, inside its default (so that a missing
    attribute still takes the default)."""
    if schema.get("type") == "default":
        return {**schema, "schema": _under_default(schema["schema"], decode)}
    wrapped: dict[str, Any] = dict(cs.no_info_before_validator_function(decode, cast(Any, schema)))
    return wrapped


def _take_map(value: dict[str, Any]) -> Any:
    return value["M"]
