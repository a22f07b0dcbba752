"""Shared test fixtures (fault injection, raw clients) for integration and fault tests.

Fault injection uses botocore's event system on the real, shared client: a ``before-send``
handler either returns ``None`` (the request goes to DynamoDB Local) or an ``AWSResponse`` that
replaces the HTTP exchange. Every handler registered through the :class:`Faults` fixture is
unregistered at teardown, because the gateway's client is shared and cached per config.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

from dynamodb_wrapper.core.retry import BackoffPolicy

_fake_ids = itertools.count()


class Faults:
    """Registers event handlers on botocore clients and removes them all at teardown."""

    def __init__(self) -> None:
        self._registered: list[tuple[Any, str, Callable[..., Any]]] = []

    def on(self, client: Any, event: str, handler: Callable[..., Any]) -> None:
        """Register ``handler`` first for ``event`` (e.g. ``before-send.dynamodb.Query``)."""
        client.meta.events.register_first(event, handler)
        self._registered.append((client, event, handler))

    def close(self) -> None:
        while self._registered:
            client, event, handler = self._registered.pop()
            client.meta.events.unregister(event, handler)

    # ------------------------------------------------------------------ responses

    @staticmethod
    def response(request: Any, body: dict[str, Any], status: int = 200) -> AWSResponse:
        """A fake DynamoDB HTTP response with a JSON ``body``."""
        headers = {
            "x-amzn-requestid": f"fake-{next(_fake_ids)}",
            "content-type": "application/x-amz-json-1.0",
        }
        response = AWSResponse(request.url, status, headers, None)  # type: ignore[arg-type]
        response._content = json.dumps(body).encode()  # type: ignore[attr-defined]
        return response

    @classmethod
    def error(
        cls, request: Any, code: str, message: str = "injected", status: int = 400
    ) -> AWSResponse:
        """A fake DynamoDB error response with the given AWS error code."""
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
        return cls.response(request, body, status)

    # ------------------------------------------------------------------ spies

    def spy(self, client: Any, operation: str) -> list[dict[str, Any]]:
        """Record the JSON body of every ``operation`` request sent (passes them through)."""
        sent: list[dict[str, Any]] = []

        def handler(request: Any, **_: Any) -> None:
            sent.append(json.loads(request.body))
            return None

        self.on(client, f"before-send.dynamodb.{operation}", handler)
        return sent

    def spy_responses(self, client: Any, operation: str) -> list[dict[str, Any]]:
        """Record every parsed ``operation`` response."""
        received: list[dict[str, Any]] = []

        def handler(parsed: dict[str, Any], **_: Any) -> None:
            received.append(parsed)

        self.on(client, f"after-call.dynamodb.{operation}", handler)
        return received


@pytest.fixture
def faults() -> Iterator[Faults]:
    registry = Faults()
    try:
        yield registry
    finally:
        registry.close()


@functools.cache
def _raw_client_for(endpoint_url: str) -> Any:
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def raw_client(dynamodb_local_endpoint: str) -> Any:
    """A botocore client of its own (never the library's shared one): the 'raw' view."""
    return _raw_client_for(dynamodb_local_endpoint)


@pytest.fixture
def sleeps() -> list[float]:
    """The delays a :class:`BackoffPolicy` asked to sleep (it never really sleeps)."""
    return []


@pytest.fixture
def backoff(sleeps: list[float]) -> BackoffPolicy:
    return BackoffPolicy(
        max_attempts=6,
        base_delay=0.1,
        max_delay=0.4,
        time_budget=60.0,
        sleep=sleeps.append,
        rng=random.Random(0),
    )


def raw_scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of ``table`` through a raw client (all pages)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def scan_all(raw_client: Any) -> Callable[[str], list[dict[str, Any]]]:
    """``scan_all(table)``: every stored item, read with the raw client."""
    return lambda table: raw_scan(raw_client, table)
