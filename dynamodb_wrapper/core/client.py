"""One shared, thread-safe botocore DynamoDB client per distinct configuration.

botocore clients are thread-safe once created, but creating them is not cheap (tens of ms) and
not thread-safe on a shared session, so clients are created under a lock and cached by the
config's connection settings (:meth:`DynamoDBConfig.cache_key`).
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.session

from dynamodb_wrapper.config import DynamoDBConfig

__all__ = ["clear_client_cache", "get_client"]

_lock = threading.Lock()
_session: botocore.session.Session | None = None
_clients: dict[tuple[Any, ...], Any] = {}


def _get_session() -> botocore.session.Session:
    global _session
    if _session is None:
        _session = botocore.session.get_session()
    return _session


def get_client(config: DynamoDBConfig) -> Any:
    """The shared low-level DynamoDB client for ``config`` (created on first use)."""
    key = config.cache_key()
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _get_session().create_client("dynamodb", **config.client_kwargs())
            _clients[key] = client
        return client


def clear_client_cache() -> None:
    """Forget every cached client (tests, or after rotating credentials)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
