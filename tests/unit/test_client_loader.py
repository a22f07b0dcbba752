"""core/client.py's ServiceModelLoader loads exactly what botocore's Loader loads, without listing
every installed service first."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader, create_loader

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.client import ServiceModelLoader, clear_client_cache, get_client

TYPES = ["service-2", "paginators-1", "waiters-2", "endpoint-rule-set-1"]


@pytest.mark.parametrize("type_name", TYPES)
@pytest.mark.parametrize("service", ["dynamodb", "s3", "sts"])
def test_same_models_as_botocore(service: str, type_name: str) -> None:
    try:
        expected: Any = Loader().load_service_model(service, type_name)
    except DataNotFoundError:
        pytest.skip(f"{service} has no {type_name}")
    assert ServiceModelLoader().load_service_model(service, type_name) == expected


def test_explicit_api_versions_and_sdk_extras() -> None:
    # s3's service-2 carries sdk-extras, which must be merged in as botocore does.
    assert ServiceModelLoader().load_service_model(
        "s3", "service-2", "2006-03-01"
    ) == Loader().load_service_model("s3", "service-2", "2006-03-01")
    # A version directory without that file fails as in botocore.
    for loader in (Loader(), ServiceModelLoader()):
        with pytest.raises(DataNotFoundError):
            loader.load_service_model("dynamodb", "service-2", "2011-12-05")


@pytest.mark.parametrize(
    ("service", "type_name"), [("no-such-service", "service-2"), ("dynamodb", "nothing-1")]
)
def test_unknown_service_or_type_fails_like_botocore(service: str, type_name: str) -> None:
    with pytest.raises(UnknownServiceError) as expected:
        Loader().load_service_model(service, type_name)
    with pytest.raises(UnknownServiceError) as actual:
        ServiceModelLoader().load_service_model(service, type_name)
    assert str(actual.value) == str(expected.value)


def test_known_service_does_not_list_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Loader, type_name: str) -> list[str]:
        raise AssertionError("listed every installed service")

    monkeypatch.setattr(Loader, "list_available_services", refuse)
    assert ServiceModelLoader().load_service_model("dynamodb", "service-2")["metadata"][
        "serviceId"
    ] == ("DynamoDB")


def test_aws_data_path_models_win_as_in_botocore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = Loader().load_service_model("dynamodb", "service-2")
    model["metadata"]["serviceFullName"] = "Custom DynamoDB"
    target = tmp_path / "dynamodb" / "2099-01-01"
    target.mkdir(parents=True)
    with gzip.open(target / "service-2.json.gz", "wt", encoding="utf-8") as out:
        json.dump(model, out)
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    session = botocore.session.get_session()
    ours = ServiceModelLoader.for_session(session)
    theirs = create_loader(session.get_config_variable("data_path"))
    assert ours.search_paths == theirs.search_paths
    assert os.fspath(tmp_path) in ours.search_paths
    loaded = ours.load_service_model("dynamodb", "service-2")
    assert loaded == theirs.load_service_model("dynamodb", "service-2")
    assert loaded["metadata"]["serviceFullName"] == "Custom DynamoDB"


def test_shared_clients_use_it() -> None:
    clear_client_cache()
    try:
        config = DynamoDBConfig(
            endpoint_url="http://127.0.0.1:9", aws_access_key_id="x", aws_secret_access_key="x"
        )
        client = get_client(config)
        assert client.meta.service_model.service_name == "dynamodb"
        from dynamodb_wrapper.core import client as module

        for session in module._sessions.values():
            assert isinstance(session.get_component("data_loader"), ServiceModelLoader)
    finally:
        clear_client_cache()
