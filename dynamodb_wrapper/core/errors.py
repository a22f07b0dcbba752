"""The one place where botocore errors become library errors.

:func:`translate_errors` is a context manager used by the gateway around every call; it picks the
most specific library class for the AWS error code and re-raises with ``from``, so the botocore
exception stays available as ``__cause__``. See RELIABILITY.md §2 for the classification.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore import exceptions as boto_exc

from dynamodb_wrapper.core.codec import decode_item
from dynamodb_wrapper.exceptions import (
    CancellationReason,
    ConditionCheckFailedError,
    ConfigurationError,
    ConflictError,
    ConnectionError,
    DynamoDBWrapperError,
    ItemTooLargeError,
    RetryableError,
    TableNotFoundError,
    TransactionCanceledError,
    TransactionConflictError,
    ValidationError,
)

__all__ = ["map_client_error", "translate_errors"]

_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "ReplicatedWriteConflictException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
_AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "AccessDeniedException",
        "MissingAuthenticationTokenException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "IncompleteSignatureException",
    }
)
_CLASS_BY_CODE: dict[str, type[DynamoDBWrapperError]] = {
    "ConditionalCheckFailedException": ConditionCheckFailedError,
    "TransactionConflictException": TransactionConflictError,
    "ResourceNotFoundException": TableNotFoundError,
    "ResourceInUseException": ConflictError,
    "ValidationException": ValidationError,
    "SerializationException": ValidationError,
    "IdempotentParameterMismatchException": ValidationError,
    "ItemCollectionSizeLimitExceededException": ValidationError,
}
_CONNECTION_ERRORS = (
    boto_exc.EndpointConnectionError,
    boto_exc.ConnectTimeoutError,
    boto_exc.ReadTimeoutError,
    boto_exc.ConnectionClosedError,
    boto_exc.ConnectionError,
    boto_exc.HTTPClientError,
)
_CONFIG_ERRORS = (
    boto_exc.NoCredentialsError,
    boto_exc.PartialCredentialsError,
    boto_exc.NoRegionError,
    boto_exc.UnknownEndpointError,
)


def _decoded(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, Mapping) or not item:
        return None
    try:
        return decode_item(item)
    except DynamoDBWrapperError:  # pragma: no cover - DynamoDB only returns well-formed items
        return None


def map_client_error(
    exc: boto_exc.ClientError, operation: str | None, table: str | None
) -> DynamoDBWrapperError:
    """The library exception for a botocore ``ClientError``."""
    response: Mapping[str, Any] = exc.response
    error = response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message") or code)
    metadata = response.get("ResponseMetadata", {})
    status = metadata.get("HTTPStatusCode")
    context: dict[str, Any] = {
        "operation": operation,
        "table": table,
        "error_code": code,
        "request_id": metadata.get("RequestId"),
        "retry_attempts": metadata.get("RetryAttempts"),
    }
    if code == "TransactionCanceledException":
        reasons = [
            CancellationReason(
                code=str(r.get("Code", "None")),
                message=r.get("Message"),
                item=_decoded(r.get("Item")),
            )
            for r in response.get("CancellationReasons", [])
        ]
        failed = ", ".join(f"#{i}: {r.code}" for i, r in enumerate(reasons) if r.failed)
        return TransactionCanceledError(
            f"transaction cancelled ({failed or message})", reasons=reasons, **context
        )
    if code in _RETRYABLE_CODES or (isinstance(status, int) and status >= 500):
        quota = " (retry quota exhausted)" if metadata.get("RetryQuotaReached") else ""
        return RetryableError(f"{message}{quota}", **context)
    if code in _AUTH_CODES:
        return ConfigurationError(f"authentication failed: {message}", **context)
    if code == "ResourceNotFoundException":
        return TableNotFoundError(
            f"{message} (create the tables with ensure_tables(config))", **context
        )
    if code == "ValidationException" and "item size" in message.lower():
        return ItemTooLargeError(message, **context)
    cls = _CLASS_BY_CODE.get(code, DynamoDBWrapperError)
    if issubclass(cls, ConflictError):
        return cls(message, item=_decoded(response.get("Item")), **context)
    return cls(message, **context)


def map_botocore_error(
    exc: boto_exc.BotoCoreError, operation: str | None, table: str | None
) -> DynamoDBWrapperError:
    """The library exception for a botocore error that is not a service response."""
    context: dict[str, Any] = {"operation": operation, "table": table}
    if isinstance(exc, _CONNECTION_ERRORS):
        return ConnectionError(f"cannot reach DynamoDB: {exc}", **context)
    if isinstance(exc, _CONFIG_ERRORS):
        return ConfigurationError(str(exc), **context)
    if isinstance(exc, boto_exc.ParamValidationError):
        return ValidationError(str(exc), **context)
    return DynamoDBWrapperError(str(exc), **context)


@contextmanager
def translate_errors(operation: str, table: str | None = None) -> Iterator[None]:
    """Re-raise botocore errors raised inside the block as library errors."""
    try:
        yield
    except boto_exc.ClientError as exc:
        raise map_client_error(exc, operation, table) from exc
    except boto_exc.BotoCoreError as exc:
        raise map_botocore_error(exc, operation, table) from exc
