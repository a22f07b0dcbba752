"""The fast wire path: plain ``json`` for data-plane requests and responses.

The library builds every request in DynamoDB's wire format itself (``{"S": ...}``) and decodes
responses itself, so botocore's shape-walking serializer and parser only repeat work: on a query
page its parser costs about ten times ``json.loads``. This module swaps in

* a **response parser** that ``json.loads`` successful responses of the data-plane operations
  (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem,
  TransactGetItems, TransactWriteItems) and hands every error and every other operation
  (DescribeTable, whose timestamps botocore converts, ...) to botocore's own parser, so signing,
  retries, typed error classes and ``ResponseMetadata`` keep working;
* a **request serializer** that ``json.dumps`` the parameters of those operations (already in
  wire format), with ``bytes`` base64-encoded as the JSON protocol requires.

Binary values then arrive as base64 text; :mod:`dynamodb_wrapper.core.codec` decodes both forms.

Inside :func:`deliver_body` the parser does not even ``json.loads`` a successful data-plane
response: it returns the body itself under :data:`BODY` (with ``ResponseMetadata``), for the
caller to validate straight into models (:mod:`dynamodb_wrapper.core.wire_models`). The flag is a
context variable, so it holds for the calling thread's request only.
Turn it off with ``DynamoDBConfig(fast_path=False)`` (env ``DYNAMODB_FAST_PATH=false``); the test
suite runs with it on and off.

botocore offers the parser as a session component (``response_parser_factory``); the serializer
is replaced on the client object (``client._serializer``), a private attribute, which is why it is
isolated here and checked at start-up (:func:`install_fast_serializer` refuses a client that does
not look as expected).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.parsers import ResponseParserFactory
from botocore.serialize import JSONSerializer

from dynamodb_wrapper.core._gc import gc_paused
from dynamodb_wrapper.core.codec import json_default

__all__ = [
    "BODY",
    "FAST_OPERATIONS",
    "FastResponseParserFactory",
    "deliver_body",
    "install_fast_serializer",
]

FAST_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_FAST_OUTPUT_SHAPES = frozenset(f"{name}Output" for name in FAST_OPERATIONS)
_LARGE_BODY = 32 * 1024  # bytes: bigger bodies are parsed with the cyclic GC paused

#: The key of the raw response body in a response parsed inside :func:`deliver_body`.
BODY = "dynamodb_wrapper.body"
_deliver_body: ContextVar[bool] = ContextVar("dynamodb_wrapper_deliver_body", default=False)


@contextmanager
def deliver_body() -> Iterator[None]:
    """Successful data-plane responses of this thread's calls inside the block come back as
    ``{BODY: <bytes>, "ResponseMetadata": ...}`` (fast path only; errors are parsed as usual)."""
    token = _deliver_body.set(True)
    try:
        yield
    finally:
        _deliver_body.reset(token)


def _metadata(response: dict[str, Any]) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in response["headers"].items()}
    return {
        "RequestId": headers.get("x-amzn-requestid"),
        "HTTPStatusCode": response["status_code"],
        "HTTPHeaders": headers,
    }


class _FastJSONParser:
    """``json.loads`` for successful data-plane responses, botocore's parser for the rest."""

    def __init__(self, standard: Any) -> None:
        self._standard = standard

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        status = response["status_code"]
        if status >= 300 or shape is None or shape.name not in _FAST_OUTPUT_SHAPES:
            return self._standard.parse(response, shape)
        body = response["body"]
        if _deliver_body.get():
            return {BODY: body, "ResponseMetadata": _metadata(response)}
        if len(body) > _LARGE_BODY:
            with gc_paused():
                parsed: dict[str, Any] = json.loads(body)
        else:
            parsed = json.loads(body) if body else {}
        parsed["ResponseMetadata"] = _metadata(response)
        return parsed


class FastResponseParserFactory(ResponseParserFactory):
    """A botocore parser factory whose JSON parser takes the fast path.

    botocore asks the factory for a parser on every response; the JSON one is built once and
    reused (parsers keep no state between responses), which saves building botocore's standard
    parser and its helpers per call.
    """

    def __init__(self) -> None:
        super().__init__()
        self._json: _FastJSONParser | None = None

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name != "json":
            return super().create_parser(protocol_name)
        if self._json is None:
            self._json = _FastJSONParser(super().create_parser(protocol_name))
        return self._json


class _FastJSONSerializer(JSONSerializer):
    """``json.dumps`` the (already wire-format) parameters of data-plane operations."""

    def serialize_to_request(self, parameters: Any, operation_model: Any) -> Any:
        if operation_model.name not in FAST_OPERATIONS:
            return super().serialize_to_request(parameters, operation_model)
        metadata = operation_model.metadata
        return {
            "url_path": "/",
            "query_string": "",
            "method": operation_model.http.get("method", "POST"),
            "headers": {
                "X-Amz-Target": f"{metadata['targetPrefix']}.{operation_model.name}",
                "Content-Type": f"application/x-amz-json-{metadata['jsonVersion']}",
            },
            "body": json.dumps(parameters, separators=(",", ":"), default=json_default).encode(
                "utf-8"
            ),
        }


def install_fast_serializer(client: Any) -> None:
    """Replace ``client``'s request serializer with the fast one (DynamoDB clients only)."""
    current = getattr(client, "_serializer", None)
    if not isinstance(current, JSONSerializer):
        raise TypeError(
            "unexpected botocore client layout: cannot install the fast serializer "
            "(use DynamoDBConfig(fast_path=False))"
        )
    client._serializer = _FastJSONSerializer()
