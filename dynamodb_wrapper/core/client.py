"""One shared, thread-safe botocore DynamoDB client per distinct configuration.

botocore clients are thread-safe once created, but creating them is not cheap (tens of ms) and
not thread-safe on a shared session, so clients are created under a lock and cached by the
config's connection settings (:meth:`DynamoDBConfig.cache_key`).

The sessions' data loader is :class:`ServiceModelLoader`: botocore's ``Loader`` checks that a
service exists by listing *every* installed service model (some 450 directories, twice per
client: ``service-2`` and ``endpoint-rule-set-1``), about 20 ms of the first client; this one
looks only at the requested service's directory and loads the same files.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, instance_cache

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.fastpath import (
    FastResponseParserFactory,
    install_fast_serializer,
    install_fast_signer,
)

__all__ = ["ServiceModelLoader", "clear_client_cache", "get_client"]

_lock = threading.Lock()
_sessions: dict[bool, botocore.session.Session] = {}
_clients: dict[tuple[Any, ...], Any] = {}


class ServiceModelLoader(Loader):
    """botocore's ``Loader``, without listing every installed service to load one service's model.

    A service whose directory holds a file of the requested type is loaded exactly as
    ``Loader.load_service_model`` loads it (latest API version unless one is given, extras
    applied); anything else goes to botocore's own method, which raises its usual errors.
    """

    @instance_cache
    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        # botocore's own steps after its "is the service known" check (private: checked here).
        find_extras = getattr(self, "_find_extras", None)
        extras_processor = getattr(self, "_extras_processor", None)
        try:
            versions = self.list_api_versions(service_name, type_name)
        except DataNotFoundError:
            versions = []
        if not versions or find_extras is None or extras_processor is None:
            return super().load_service_model(service_name, type_name, api_version)
        if api_version is None:
            api_version = versions[-1]  # botocore's determine_latest_version
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        extras_processor.process(model, find_extras(service_name, type_name, api_version))
        return model

    @classmethod
    def for_session(cls, session: botocore.session.Session) -> ServiceModelLoader:
        """The loader botocore would create for ``session`` (``AWS_DATA_PATH`` included)."""
        data_path = session.get_config_variable("data_path")
        if data_path is None:
            return cls()
        paths = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)]
        return cls(extra_search_paths=paths)


def _get_session(fast: bool) -> botocore.session.Session:
    """One botocore session per parser flavour (the parser factory is a session component)."""
    session = _sessions.get(fast)
    if session is None:
        session = botocore.session.get_session()
        session.register_component("data_loader", ServiceModelLoader.for_session(session))
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
                install_fast_signer(client)
            _clients[key] = client
        return client


def clear_client_cache() -> None:
    """Forget every cached client (tests, or after rotating credentials)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
