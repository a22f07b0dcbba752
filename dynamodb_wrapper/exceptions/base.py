"""The exception hierarchy of ``dynamodb_wrapper``.

Every error the library raises derives from :class:`DynamoDBWrapperError` and carries structured
context (operation, table, AWS error code, request id, retry information). Errors that come from
botocore keep the original exception as ``__cause__``.

::

    DynamoDBWrapperError
    ├── ValidationError            (also ValueError)  bad input, caught before any request
    │   ├── ItemTooLargeError                          item over 400 KB
    │   └── InvalidPaginationTokenError                forged, foreign or corrupt next_token
    ├── ItemNotFoundError          (also LookupError)
    ├── ConflictError                                  a write lost against the stored state
    │   ├── ConditionCheckFailedError                  a condition expression was false
    │   │   ├── ItemAlreadyExistsError                 create() of an existing key
    │   │   └── VersionConflictError                   optimistic-locking mismatch
    │   ├── TransactionConflictError                   concurrent transaction on the same item
    │   └── TransactionCanceledError                   with ``reasons`` aligned to the actions
    ├── RetryableError                                 throttling / 5xx left after botocore retried
    ├── ConnectionError            (also builtins.ConnectionError)  endpoint down, timeouts
    ├── BatchWriteError                                items left unwritten: ``unprocessed``
    ├── BatchGetError                                  keys left unread: ``unprocessed``
    └── ConfigurationError                             bad config or Meta, missing table, auth
        └── TableNotFoundError
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BatchGetError",
    "BatchWriteError",
    "CancellationReason",
    "ConditionCheckFailedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionError",
    "DynamoDBWrapperError",
    "InvalidPaginationTokenError",
    "ItemAlreadyExistsError",
    "ItemNotFoundError",
    "ItemTooLargeError",
    "RetryableError",
    "TableNotFoundError",
    "TransactionCanceledError",
    "TransactionConflictError",
    "ValidationError",
    "VersionConflictError",
]


class DynamoDBWrapperError(Exception):
    """Root of every error raised by the library.

    Attributes:
        message: Human-readable description.
        operation: DynamoDB operation (``PutItem``, ``Query`` ...) when the error came from a call.
        table: Physical table name, when known.
        error_code: AWS error code (``ConditionalCheckFailedException`` ...), when there is one.
        request_id: AWS request id, when there is one.
        retryable: Whether retrying the same call later may succeed.
        retry_attempts: How many retries botocore already made before giving up.
    """

    retryable_default: bool = False
    #: The ClientRequestToken of a transaction that may or may not have been applied (set on a
    #: ``ConnectionError`` from ``transact_write``): re-send with it to apply it at most once.
    client_request_token: str | None = None

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        table: str | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        retry_attempts: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.table = table
        self.error_code = error_code
        self.request_id = request_id
        self.retryable = self.retryable_default if retryable is None else retryable
        self.retry_attempts = retry_attempts

    def context(self) -> dict[str, Any]:
        """The call context, to pass on to an error raised in this one's place."""
        return {
            "operation": self.operation,
            "table": self.table,
            "error_code": self.error_code,
            "request_id": self.request_id,
            "retry_attempts": self.retry_attempts,
        }

    def __str__(self) -> str:
        context = [
            f"{label}={value}"
            for label, value in (
                ("operation", self.operation),
                ("table", self.table),
                ("code", self.error_code),
                ("request_id", self.request_id),
                ("retries", self.retry_attempts),
            )
            if value is not None
        ]
        return f"{self.message} [{', '.join(context)}]" if context else self.message


class ValidationError(DynamoDBWrapperError, ValueError):
    """Input rejected before any request was sent (or by DynamoDB's ValidationException).

    Attributes:
        field: Dotted name of the offending field, when one field is to blame.
        errors: Structured details (pydantic's ``errors()`` list when wrapping pydantic).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.field = field
        self.errors = list(errors or [])


class ItemTooLargeError(ValidationError):
    """The encoded item exceeds DynamoDB's 400 KB item limit."""


class InvalidPaginationTokenError(ValidationError):
    """A ``next_token`` that was not produced by the same query (forged, foreign or corrupt)."""


class ItemNotFoundError(DynamoDBWrapperError, LookupError):
    """The addressed item does not exist."""

    def __init__(self, message: str, *, key: Mapping[str, Any] | None = None, **context: Any):
        super().__init__(message, **context)
        self.key = dict(key or {})


class ConflictError(DynamoDBWrapperError):
    """A write conflicted with the stored state (condition false, concurrent transaction...).

    Attributes:
        item: The current stored item (decoded to plain Python), when DynamoDB returned it.
    """

    def __init__(self, message: str, *, item: Mapping[str, Any] | None = None, **context: Any):
        super().__init__(message, **context)
        self.item = dict(item) if item is not None else None


class ConditionCheckFailedError(ConflictError):
    """A condition expression evaluated to false."""


class ItemAlreadyExistsError(ConditionCheckFailedError):
    """``create`` found an item with the same key."""


class VersionConflictError(ConditionCheckFailedError):
    """Optimistic locking: the stored version differs from the expected one."""


class TransactionConflictError(ConflictError):
    """Another transaction was working on the same item (never retried by botocore)."""

    retryable_default = True


@dataclass(frozen=True)
class CancellationReason:
    """Why one action of a cancelled transaction failed (``code == "None"`` means it did not)."""

    code: str
    message: str | None = None
    item: Mapping[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.code != "None"


class TransactionCanceledError(ConflictError):
    """A transaction was cancelled; ``reasons[i]`` belongs to action ``i``."""

    def __init__(
        self, message: str, *, reasons: Sequence[CancellationReason] = (), **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.reasons = list(reasons)
        # Only throttling/conflict cancellations are worth retrying as a whole.
        transient = {"TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError"}
        failed = [r.code for r in self.reasons if r.failed]
        self.retryable = bool(failed) and all(code in transient for code in failed)


class RetryableError(DynamoDBWrapperError):
    """Throttling or a server error that remained after botocore's own retries."""

    retryable_default = True


class ConnectionError(DynamoDBWrapperError, builtins.ConnectionError):
    """The endpoint could not be reached or did not answer in time."""

    retryable_default = True


class BatchWriteError(DynamoDBWrapperError):
    """A batch write gave up; ``unprocessed`` holds every request that was not written.

    Attributes:
        unprocessed: Wire-format write requests (``{"PutRequest": ...}`` or
            ``{"DeleteRequest": ...}``) that were not confirmed written, in input order.
        written: How many requests were confirmed written before giving up.
    """

    def __init__(
        self,
        message: str,
        *,
        unprocessed: Sequence[Mapping[str, Any]] = (),
        written: int = 0,
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.unprocessed = list(unprocessed)
        self.written = written


class BatchGetError(DynamoDBWrapperError):
    """A batch get gave up; ``unprocessed`` holds the keys not read, ``items`` those that were."""

    def __init__(
        self,
        message: str,
        *,
        unprocessed: Sequence[Mapping[str, Any]] = (),
        items: Sequence[Mapping[str, Any]] = (),
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.unprocessed = list(unprocessed)
        self.items = list(items)


class ConfigurationError(DynamoDBWrapperError):
    """Invalid configuration, invalid model ``Meta``, missing credentials or table."""


class TableNotFoundError(ConfigurationError):
    """The table does not exist (run ``ensure_tables``)."""
