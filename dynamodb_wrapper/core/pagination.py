"""Opaque, validated pagination tokens.

A token is URL-safe base64 of a small JSON document: format version, issue time, a fingerprint of
the query it belongs to (table, index, partition, range, filter, direction), and DynamoDB's
``ExclusiveStartKey``; it is signed with HMAC-SHA256. Decoding checks, in order: encoding,
signature, version, age, fingerprint and the shape of the key (exactly the key attributes of the
table and index, with the right types, and the query's partition value). Any failure raises
:class:`~dynamodb_wrapper.exceptions.InvalidPaginationTokenError` — a token is never trusted
blindly, and one from another query is refused rather than silently mixing result sets.

The signing key is ``DynamoDBConfig.pagination_secret``; set it (same value on every process that
shares tokens) to make tokens unforgeable. Without it a built-in key still detects corruption and
tokens from other queries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from dynamodb_wrapper.core.codec import json_default
from dynamodb_wrapper.core.metadata import TableMeta
from dynamodb_wrapper.exceptions import InvalidPaginationTokenError

__all__ = ["decode_token", "encode_token", "query_fingerprint"]

_VERSION = 1
_DEFAULT_SECRET = b"dynamodb_wrapper/pagination/v1"
_MAX_TOKEN_CHARS = 8192


def query_fingerprint(*parts: Any) -> str:
    """A short, stable digest of what identifies a query (JSON-serialisable parts)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _sign(payload: bytes, secret: bytes | None) -> bytes:
    return hmac.new(secret or _DEFAULT_SECRET, payload, hashlib.sha256).digest()[:16]


def encode_token(
    last_key: Mapping[str, Any] | None, fingerprint: str, secret: bytes | None = None
) -> str | None:
    """The token for resuming after ``last_key`` (``None`` when there is nothing more)."""
    if last_key is None:
        return None
    payload = json.dumps(
        {"v": _VERSION, "t": int(time.time() * 1000), "q": fingerprint, "k": last_key},
        separators=(",", ":"),
        default=json_default,
    ).encode("utf-8")
    return base64.urlsafe_b64encode(_sign(payload, secret) + payload).decode("ascii").rstrip("=")


def _invalid(reason: str) -> InvalidPaginationTokenError:
    return InvalidPaginationTokenError(f"invalid next_token: {reason}", field="next_token")


def decode_token(
    token: str,
    fingerprint: str,
    meta: TableMeta,
    *,
    index_name: str | None,
    partition_value: Mapping[str, Any] | None = None,
    secret: bytes | None = None,
    max_age: float | None = None,
) -> dict[str, Any]:
    """The ``ExclusiveStartKey`` inside ``token``, after checking it belongs to this query.

    Args:
        token: What a previous call returned as ``next_token``.
        fingerprint: :func:`query_fingerprint` of the current query.
        meta: The table's metadata (to check the key's attributes and types).
        index_name: The index queried (``None`` for the table).
        partition_value: The wire value of the queried partition key (queries only).
        secret: The signing key.
        max_age: Seconds after which a token is refused (``None``: no limit).

    Raises:
        InvalidPaginationTokenError: Forged, corrupt, expired, or from another query.
    """
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_CHARS:
        raise _invalid("not a token string")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise _invalid("not URL-safe base64") from None
    signature, payload = raw[:16], raw[16:]
    if len(signature) < 16 or not hmac.compare_digest(signature, _sign(payload, secret)):
        raise _invalid("signature mismatch (forged, corrupted or from another deployment)")
    try:
        document = json.loads(payload)
    except ValueError:
        raise _invalid("unreadable payload") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise _invalid("unknown token version")
    issued = document.get("t")  # milliseconds since the epoch
    if max_age is not None and (
        not isinstance(issued, int) or time.time() * 1000 - issued > max_age * 1000
    ):
        raise _invalid(f"expired (tokens are valid for {max_age:.0f} s)")
    if document.get("q") != fingerprint:
        raise _invalid("it belongs to a different query (index, partition, range or filter)")
    key = document.get("k")
    expected = set(meta.key_attributes)
    if index_name is not None:
        expected.update(a for a in meta.index_keys(index_name) if a is not None)
    if not isinstance(key, dict) or set(key) != expected:
        raise _invalid("its start key does not match the table/index key schema")
    for attribute, wire in key.items():
        kind = meta.attribute_types.get(attribute)
        if not isinstance(wire, dict) or len(wire) != 1 or kind not in wire:
            raise _invalid(f"bad start key value for {attribute!r}")
        if not isinstance(wire[kind], str):
            raise _invalid(f"bad start key value for {attribute!r}")
    if partition_value is not None:
        partition_key, _ = meta.index_keys(index_name)
        if key[partition_key] != partition_value:
            raise _invalid("its start key is in another partition")
    return {
        attribute: {"B": base64.b64decode(wire["B"])} if "B" in wire else wire
        for attribute, wire in key.items()
    }
