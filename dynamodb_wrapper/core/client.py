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
from dynamodb_wrapper.core.fastpath import FastResponseParserFactory, install_fast_serializer

__all__ = ["clear_client_cache", "get_client"]

_lock = threading.Lock()
_sessions: dict[bool, botocore.session.Session] = {}
_clients: dict[tuple[Any, ...], Any] = {}


def _get_session(fast: bool) -> botocore.session.Session:
    """One botocore session per parser flavour (the parser factory is a session component)."""
    session = _sessions.get(fast)
    if session is None:
        session = botocore.session.get_session()
        if fast:
            session.register_component("response_parser_factory", FastResponseParserFactory())
        _sessions[fast] = session
    return session


def get_client(config: DynamoDBConfig) -> Any:
    """The shared low-level DynamoDB client for ``config`` (created on first use)."""
    key = config.cache_key()
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None:
            session = _get_session(config.fast_path)
            client = session.create_client("dynamodb", **config.client_kwargs())
            if config.fast_path:
                install_fast_serializer(client)
            _clients[key] = client
        return client


def clear_client_cache() -> None:
    """Forget every cached client (tests, or after rotating credentials)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
