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
  wire format), with ``bytes`` base64-encoded as the JSON protocol requires;
* a **SigV4 signer** (:class:`FastSigV4Auth`) that computes exactly botocore's signature without
  its repeated work: botocore canonicalises the headers twice per request in ``email``-based
  header objects, prepares the whole request a second time to hash the body, re-parses the URL
  and derives the signing key (four HMACs) for every request; this one builds the header list
  once, hashes the body bytes it already has, caches the URL parts and the day's signing key.
  It stands in only where botocore itself chose its plain ``SigV4Auth``.

Binary values then arrive as base64 text; :mod:`dynamodb_wrapper.core.codec` decodes both forms.

Inside :func:`deliver_body` the parser does not even ``json.loads`` a successful data-plane
response: it returns the body itself under :data:`BODY` (with ``ResponseMetadata``), for the
caller to validate straight into models (:mod:`dynamodb_wrapper.core.wire_models`). The flag is a
context variable, so it holds for the calling thread's request only.

Turn it off with ``DynamoDBConfig(fast_path=False)`` (env ``DYNAMODB_FAST_PATH=false``); the test
suite runs with it on and off.

botocore offers the parser as a session component (``response_parser_factory``); the serializer
and the signer are replaced on the client object (``client._serializer``, and the class of
``client._request_signer``), private attributes, which is why this is isolated here and checked
at start-up (:func:`install_fast_serializer` / :func:`install_fast_signer` refuse a client that
does not look as expected).
"""

from __future__ import annotations

import functools
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit

from botocore import auth as botocore_auth
from botocore.exceptions import NoCredentialsError
from botocore.parsers import ResponseParserFactory
from botocore.serialize import JSONSerializer
from botocore.signers import RequestSigner

from dynamodb_wrapper.core._gc import gc_paused
from dynamodb_wrapper.core.codec import json_default

__all__ = [
    "BODY",
    "FAST_OPERATIONS",
    "LARGE_BODY",
    "FastResponseParserFactory",
    "FastSigV4Auth",
    "deliver_body",
    "install_fast_serializer",
    "install_fast_signer",
    "load_body",
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
LARGE_BODY = 32 * 1024  # bytes: bigger bodies are parsed with the cyclic GC paused

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


def load_body(body: bytes) -> dict[str, Any]:
    """A response body parsed with ``json.loads`` (the cyclic GC paused for large ones)."""
    if not body:
        return {}
    with gc_paused() if len(body) > LARGE_BODY else nullcontext():
        parsed: dict[str, Any] = json.loads(body)
    return parsed


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
        parsed = load_body(body)
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


# --------------------------------------------------------------------------- signing

_botocore_auth: Any = botocore_auth  # private helpers used as botocore's signer uses them
#: botocore's signer, for its stateless URL helpers (the path and query canonical forms).
_url_helper: Any = _botocore_auth.SigV4Auth(None, "", "")
_UNSIGNED_HEADERS = frozenset(botocore_auth.SIGNED_HEADERS_BLACKLIST)
_signing_keys: dict[tuple[str, str, str, str], bytes] = {}
_signing_keys_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def _url_parts(url: str) -> tuple[str, str, str]:
    """(host header value, canonical path, canonical query) of ``url``, as botocore derives
    them (``_host_from_url``, ``_normalize_url_path``, ``_canonical_query_string_url``)."""
    parts = urlsplit(url)
    return (
        _botocore_auth._host_from_url(url),
        _url_helper._normalize_url_path(parts.path),
        _url_helper._canonical_query_string_url(parts),
    )


def _header_text(value: str) -> str:
    return " ".join(value.split())  # SigV4 "Trimall"


class FastSigV4Auth(botocore_auth.SigV4Auth):
    """botocore's ``SigV4Auth`` with the same canonical request and signature, computed once.

    ``tests/unit/test_fast_signer.py`` signs generated requests with both and compares the
    ``Authorization`` headers byte for byte.
    """

    def add_auth(self, request: Any) -> None:
        this: Any = self  # botocore's private helpers are not in its type stubs
        if self.credentials is None:
            raise NoCredentialsError()
        now = _botocore_auth.get_current_datetime()
        timestamp: str = now.strftime(botocore_auth.SIGV4_TIMESTAMP)
        request.context["timestamp"] = timestamp
        this._modify_request_before_signing(request)
        host, path, query = _url_parts(request.url)
        if request.params:
            query = this._canonical_query_string_params(request.params)
        values: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            lname = name.lower()
            if lname not in _UNSIGNED_HEADERS:
                values.setdefault(lname, []).append(_header_text(value))
        if "host" not in values:
            values["host"] = [host]
        names = sorted(values)
        signed = ";".join(n.strip() for n in names)
        if "X-Amz-Content-SHA256" in request.headers:
            checksum = request.headers["X-Amz-Content-SHA256"]
        else:
            checksum = self.payload(request)
        canonical = "\n".join(
            (
                request.method.upper(),
                path,
                query,
                "".join(f"{n}:{','.join(values[n])}\n" for n in names),
                signed,
                checksum,
            )
        )
        to_sign: str = this.string_to_sign(request, canonical)
        key = self._signing_key(timestamp[:8])
        signature = hmac.new(key, to_sign.encode("utf-8"), sha256).hexdigest()
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={this.scope(request)}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )

    def payload(self, request: Any) -> str:
        this: Any = self
        data = request.data
        if (
            type(data) is bytes
            and not this._is_streaming_checksum_payload(request)
            and this._should_sha256_sign_payload(request)
        ):
            # What AWSRequest.body holds for bytes data, without preparing the request again.
            return sha256(data).hexdigest() if data else botocore_auth.EMPTY_SHA256_HASH
        return str(super().payload(request))

    def _signing_key(self, day: str) -> bytes:
        """The derived SigV4 key of ``day`` (four HMACs), kept for the day."""
        this: Any = self
        secret: str = this.credentials.secret_key
        cache_key = (secret, day, this._region_name, this._service_name)
        key = _signing_keys.get(cache_key)
        if key is None:
            key = this._sign(f"AWS4{secret}".encode(), day)
            for part in (this._region_name, this._service_name, "aws4_request"):
                key = this._sign(key, part)
            with _signing_keys_lock:
                if len(_signing_keys) >= 64:  # rotated credentials, many regions: start over
                    _signing_keys.clear()
                _signing_keys[cache_key] = key
        return key


class _FastRequestSigner(RequestSigner):
    """botocore's ``RequestSigner``: where it picks the plain ``SigV4Auth``, the same signer
    computed by :class:`FastSigV4Auth`."""

    def get_auth_instance(self, *args: Any, **kwargs: Any) -> Any:
        auth = super().get_auth_instance(*args, **kwargs)
        if type(auth) is botocore_auth.SigV4Auth:
            auth.__class__ = FastSigV4Auth
        return auth


def install_fast_signer(client: Any) -> None:
    """Sign ``client``'s SigV4 requests with :class:`FastSigV4Auth`."""
    signer = getattr(client, "_request_signer", None)
    if type(signer) is not RequestSigner:
        raise TypeError(
            "unexpected botocore client layout: cannot install the fast signer "
            "(use DynamoDBConfig(fast_path=False))"
        )
    signer.__class__ = _FastRequestSigner
