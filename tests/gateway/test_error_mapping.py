"""Error classification (RELIABILITY.md §2): botocore errors → library exceptions. No I/O."""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any

import pytest
from botocore import exceptions as boto_exc

from dynamodb_wrapper.core.errors import map_botocore_error, map_client_error, translate_errors
from dynamodb_wrapper.exceptions import (
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

TABLE = "dev_pipeline_config"
REQUEST_ID = "Q8R3J0V2L5MPK7T1S9E4HBNG6FVV4KQNSO5AEMVJF66Q9ASUAAJG"


def client_error(
    code: str,
    message: str = "injected",
    *,
    status: int = 400,
    retry_attempts: int = 0,
    operation: str = "PutItem",
    **extra: Any,
) -> boto_exc.ClientError:
    """A ClientError shaped like botocore's parsed DynamoDB error response."""
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "RequestId": REQUEST_ID,
            "HTTPStatusCode": status,
            "HTTPHeaders": {
                "x-amzn-requestid": REQUEST_ID,
                "content-type": "application/x-amz-json-1.0",
            },
            "RetryAttempts": retry_attempts,
            "MaxAttemptsReached": retry_attempts > 0,
        },
        "message": message,
        **extra,
    }
    return boto_exc.ClientError(response, operation)  # type: ignore[arg-type]


# (code, HTTP status, botocore RetryAttempts, expected class, retryable)
CASES: list[tuple[str, int, int, type[DynamoDBWrapperError], bool]] = [
    ("ConditionalCheckFailedException", 400, 0, ConditionCheckFailedError, False),
    ("TransactionConflictException", 400, 0, TransactionConflictError, True),
    ("ProvisionedThroughputExceededException", 400, 4, RetryableError, True),
    ("ThrottlingException", 400, 4, RetryableError, True),
    ("RequestLimitExceeded", 400, 4, RetryableError, True),
    ("TransactionInProgressException", 400, 4, RetryableError, True),
    ("ReplicatedWriteConflictException", 409, 2, RetryableError, True),
    ("InternalServerError", 500, 4, RetryableError, True),
    ("ServiceUnavailable", 503, 4, RetryableError, True),
    ("ValidationException", 400, 0, ValidationError, False),
    ("SerializationException", 400, 0, ValidationError, False),
    ("ResourceNotFoundException", 400, 0, TableNotFoundError, False),
    ("UnrecognizedClientException", 400, 0, ConfigurationError, False),
    ("AccessDeniedException", 400, 0, ConfigurationError, False),
    ("ItemCollectionSizeLimitExceededException", 400, 0, ValidationError, False),
    ("IdempotentParameterMismatchException", 400, 0, ValidationError, False),
]


@pytest.mark.parametrize(("code", "status", "retries", "cls", "retryable"), CASES)
def test_client_error_codes_map_to_library_classes(
    code: str, status: int, retries: int, cls: type[DynamoDBWrapperError], retryable: bool
) -> None:
    exc = client_error(code, f"{code} happened", status=status, retry_attempts=retries)
    err = map_client_error(exc, "PutItem", TABLE)
    assert type(err) is cls
    assert err.error_code == code
    assert err.request_id == REQUEST_ID
    assert err.retry_attempts == retries
    assert err.retryable is retryable
    assert err.operation == "PutItem"
    assert err.table == TABLE
    assert f"{code} happened" in err.message
    text = str(err)
    assert code in text and REQUEST_ID in text and TABLE in text


def test_status_5xx_with_unknown_code_is_retryable() -> None:
    err = map_client_error(client_error("SomethingNew", status=502), "GetItem", TABLE)
    assert isinstance(err, RetryableError) and err.retryable


def test_unknown_4xx_code_is_a_plain_library_error() -> None:
    err = map_client_error(client_error("BrandNewException"), "GetItem", TABLE)
    assert type(err) is DynamoDBWrapperError
    assert err.error_code == "BrandNewException"
    assert err.retryable is False


def test_retry_quota_exhaustion_is_reported() -> None:
    exc = client_error("ThrottlingException", "Rate exceeded", retry_attempts=2)
    exc.response["ResponseMetadata"]["RetryQuotaReached"] = True  # type: ignore[typeddict-unknown-key]
    err = map_client_error(exc, "PutItem", TABLE)
    assert isinstance(err, RetryableError)
    assert "retry quota" in err.message
    assert err.retry_attempts == 2


def test_resource_not_found_tells_how_to_fix() -> None:
    err = map_client_error(
        client_error("ResourceNotFoundException", "Requested resource not found"), "Query", TABLE
    )
    assert isinstance(err, TableNotFoundError) and isinstance(err, ConfigurationError)
    assert "ensure_tables" in err.message


def test_item_size_validation_becomes_item_too_large() -> None:
    exc = client_error("ValidationException", "Item size has exceeded the maximum allowed size")
    err = map_client_error(exc, "PutItem", TABLE)
    assert isinstance(err, ItemTooLargeError)
    assert err.retryable is False
    other = map_client_error(client_error("ValidationException", "bad key"), "PutItem", TABLE)
    assert type(other) is ValidationError


def test_conditional_check_failed_carries_decoded_item() -> None:
    stored = {
        "pipeline_id": {"S": "p-1"},
        "version": {"N": "3"},
        "ratio": {"N": "0.25"},
        "is_active": {"S": "true"},
        "enabled": {"BOOL": False},
        "tags": {"M": {"team": {"S": "data"}}},
        "cols": {"L": [{"S": "a"}, {"NULL": True}]},
        "kinds": {"SS": ["x", "y"]},
    }
    exc = client_error(
        "ConditionalCheckFailedException", "The conditional request failed", Item=stored
    )
    err = map_client_error(exc, "UpdateItem", TABLE)
    assert isinstance(err, ConditionCheckFailedError)
    assert err.item == {
        "pipeline_id": "p-1",
        "version": 3,
        "ratio": Decimal("0.25"),
        "is_active": "true",
        "enabled": False,
        "tags": {"team": "data"},
        "cols": ["a", None],
        "kinds": {"x", "y"},
    }
    without = map_client_error(client_error("ConditionalCheckFailedException"), "PutItem", TABLE)
    assert isinstance(without, ConflictError)
    assert without.item is None


def _cancelled(reasons: list[dict[str, Any]]) -> boto_exc.ClientError:
    codes = ", ".join(r["Code"] for r in reasons)
    message = (
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
    )
    return client_error(
        "TransactionCanceledException",
        message,
        operation="TransactWriteItems",
        CancellationReasons=reasons,
    )


def test_transaction_cancelled_reasons_are_aligned_and_typed() -> None:
    exc = _cancelled(
        [
            {"Code": "None"},
            {
                "Code": "ConditionalCheckFailed",
                "Message": "The conditional request failed",
                "Item": {"pipeline_id": {"S": "p-2"}, "version": {"N": "7"}},
            },
            {"Code": "None"},
        ]
    )
    err = map_client_error(exc, "TransactWriteItems", "a,b")
    assert isinstance(err, TransactionCanceledError) and isinstance(err, ConflictError)
    assert err.error_code == "TransactionCanceledException"
    assert err.request_id == REQUEST_ID
    assert [r.code for r in err.reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert [r.failed for r in err.reasons] == [False, True, False]
    assert err.reasons[1].item == {"pipeline_id": "p-2", "version": 7}
    assert err.reasons[1].message == "The conditional request failed"
    assert err.reasons[0].item is None and err.reasons[0].message is None
    assert err.retryable is False
    assert "#1: ConditionalCheckFailed" in err.message


@pytest.mark.parametrize(
    ("codes", "retryable"),
    [
        (["None", "TransactionConflict"], True),
        (["ThrottlingError", "ProvisionedThroughputExceeded"], True),
        (["TransactionConflict", "ConditionalCheckFailed"], False),
        (["ValidationError", "None"], False),
        (["ItemCollectionSizeLimitExceeded"], False),
    ],
)
def test_transaction_cancellation_retryable_only_when_transient(
    codes: list[str], retryable: bool
) -> None:
    err = map_client_error(_cancelled([{"Code": c} for c in codes]), "TransactWriteItems", TABLE)
    assert isinstance(err, TransactionCanceledError)
    assert err.retryable is retryable
    assert [r.code for r in err.reasons] == codes


def test_transaction_cancelled_without_reasons() -> None:
    exc = client_error("TransactionCanceledException", "Transaction cancelled")
    err = map_client_error(exc, "TransactWriteItems", TABLE)
    assert isinstance(err, TransactionCanceledError)
    assert err.reasons == []
    assert err.retryable is False


ENDPOINT = "http://127.0.0.1:8000/"


@pytest.mark.parametrize(
    ("exc", "cls", "retryable"),
    [
        (boto_exc.EndpointConnectionError(endpoint_url=ENDPOINT), ConnectionError, True),
        (boto_exc.ReadTimeoutError(endpoint_url=ENDPOINT), ConnectionError, True),
        (boto_exc.ConnectTimeoutError(endpoint_url=ENDPOINT), ConnectionError, True),
        (
            boto_exc.ConnectionClosedError(endpoint_url=ENDPOINT),
            ConnectionError,
            True,
        ),
        (boto_exc.NoCredentialsError(), ConfigurationError, False),
        (boto_exc.NoRegionError(), ConfigurationError, False),
        (
            boto_exc.ParamValidationError(report="Invalid type for parameter Key"),
            ValidationError,
            False,
        ),
    ],
)
def test_botocore_errors_map_to_library_classes(
    exc: boto_exc.BotoCoreError, cls: type[DynamoDBWrapperError], retryable: bool
) -> None:
    err = map_botocore_error(exc, "GetItem", TABLE)
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.operation == "GetItem"
    assert err.table == TABLE
    assert err.error_code is None
    assert str(exc) in err.message
    if cls is ConnectionError:
        assert isinstance(err, builtins.ConnectionError)


def test_unknown_botocore_error_is_a_plain_library_error() -> None:
    err = map_botocore_error(boto_exc.DataNotFoundError(data_path="x"), "GetItem", TABLE)
    assert type(err) is DynamoDBWrapperError


@pytest.mark.parametrize(
    ("raised", "cls"),
    [
        (client_error("ProvisionedThroughputExceededException", retry_attempts=4), RetryableError),
        (client_error("ConditionalCheckFailedException"), ConditionCheckFailedError),
        (boto_exc.ReadTimeoutError(endpoint_url=ENDPOINT), ConnectionError),
        (boto_exc.NoCredentialsError(), ConfigurationError),
    ],
)
def test_translate_errors_keeps_the_cause(raised: Exception, cls: type[Exception]) -> None:
    with pytest.raises(cls) as info, translate_errors("PutItem", TABLE):
        raise raised
    assert info.value.__cause__ is raised
    assert isinstance(info.value, DynamoDBWrapperError)
    assert info.value.operation == "PutItem" and info.value.table == TABLE


def test_translate_errors_leaves_other_exceptions_alone() -> None:
    with pytest.raises(KeyError), translate_errors("PutItem", TABLE):
        raise KeyError("x")
    with translate_errors("PutItem", TABLE):
        pass  # no error, nothing raised
