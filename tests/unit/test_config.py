"""Unit tests of DynamoDBConfig: defaults, naming, environment variables, secrets, client kwargs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import botocore.session
import pydantic
import pytest
from botocore.config import Config

from dynamodb_wrapper.config.config import DynamoDBConfig
from dynamodb_wrapper.exceptions import ValidationError

_UNPREFIXED = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "REGION_NAME",
    "ENDPOINT_URL",
    "USER_TIMEZONE",
    "TABLE_PREFIX",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from an environment without any variable the config could read."""
    for name in list(os.environ):
        if name.upper().startswith("DYNAMODB_") or name.upper() in _UNPREFIXED:
            monkeypatch.delenv(name)
    yield


SECRET_KEY_ID = "AKIAEXAMPLEKEYID1234"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
PAGINATION_SECRET = "pagination-hmac-secret-value"


# --------------------------------------------------------------------------- defaults


def test_defaults() -> None:
    config = DynamoDBConfig()
    assert config.region_name == "us-east-1"
    assert config.endpoint_url is None
    assert config.aws_access_key_id is None
    assert config.aws_secret_access_key is None
    assert config.table_prefix == ""
    assert config.environment == "dev"
    assert config.user_timezone is None
    assert config.retry_mode == "standard"
    assert config.max_attempts >= 1
    assert config.connect_timeout > 0
    assert config.read_timeout > 0


def test_from_env_equals_constructor_and_takes_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_ENVIRONMENT", "staging")
    assert DynamoDBConfig.from_env().environment == "staging"
    assert DynamoDBConfig.from_env(environment="prod").environment == "prod"
    assert DynamoDBConfig.from_env() == DynamoDBConfig()


# --------------------------------------------------------------------------- table names


@pytest.mark.parametrize(
    ("prefix", "environment", "expected"),
    [
        ("", "dev", "dev_pipeline_config"),
        ("acme", "prod", "acme_prod_pipeline_config"),
        ("acme", "", "acme_pipeline_config"),
        ("", "", "pipeline_config"),
        ("team.a", "stg-2", "team.a_stg-2_pipeline_config"),
    ],
)
def test_get_table_name_skips_empty_parts(prefix: str, environment: str, expected: str) -> None:
    config = DynamoDBConfig(table_prefix=prefix, environment=environment)
    assert config.get_table_name("pipeline_config") == expected


@pytest.mark.parametrize(
    ("prefix", "environment", "base"),
    [
        ("", "", ""),
        ("", "", "ab"),
        ("", "dev", "has space"),
        ("", "dev", "bad/name"),
        ("", "dev", "x" * 252),  # "dev_" + 252 = 256 characters
    ],
)
def test_get_table_name_rejects_invalid_result(prefix: str, environment: str, base: str) -> None:
    config = DynamoDBConfig(table_prefix=prefix, environment=environment)
    with pytest.raises(ValidationError) as info:
        config.get_table_name(base)
    assert info.value.field == "table_name"


def test_get_table_name_max_length_accepted() -> None:
    assert len(DynamoDBConfig().get_table_name("x" * 251)) == 255


@pytest.mark.parametrize("field", ["table_prefix", "environment"])
@pytest.mark.parametrize("value", ["has space", "a/b", "ünï", "x;y"])
def test_name_parts_validated(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig(**{field: value})
    assert info.value.field == field


# --------------------------------------------------------------------------- environment


def test_env_user_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_USER_TIMEZONE", "Europe/Paris")
    assert DynamoDBConfig().user_timezone == "Europe/Paris"


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION", "DYNAMODB_REGION_NAME"])
def test_env_region(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "eu-west-3")
    assert DynamoDBConfig().region_name == "eu-west-3"


def test_env_region_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert DynamoDBConfig().region_name == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert DynamoDBConfig().region_name == "eu-west-2"
    monkeypatch.setenv("DYNAMODB_REGION_NAME", "eu-west-3")
    assert DynamoDBConfig().region_name == "eu-west-3"


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_DYNAMODB", "DYNAMODB_ENDPOINT_URL"])
def test_env_endpoint(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:8000")
    config = DynamoDBConfig()
    assert config.endpoint_url == "http://127.0.0.1:8000"
    assert config.client_kwargs()["endpoint_url"] == "http://127.0.0.1:8000"


def test_empty_env_endpoint_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
    config = DynamoDBConfig()
    assert config.endpoint_url is None
    assert "endpoint_url" not in config.client_kwargs()


def test_env_table_prefix_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_TABLE_PREFIX", "acme")
    monkeypatch.setenv("DYNAMODB_ENVIRONMENT", "prod")
    config = DynamoDBConfig()
    assert config.table_prefix == "acme"
    assert config.get_table_name("table_config") == "acme_prod_table_config"


def test_env_numbers_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("DYNAMODB_READ_TIMEOUT", "2.5")
    config = DynamoDBConfig()
    assert config.max_attempts == 3
    assert config.read_timeout == 2.5


def test_env_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_AWS_ACCESS_KEY_ID", SECRET_KEY_ID)
    monkeypatch.setenv("DYNAMODB_AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    kwargs = DynamoDBConfig().client_kwargs()
    assert kwargs["aws_access_key_id"] == SECRET_KEY_ID
    assert kwargs["aws_secret_access_key"] == SECRET_ACCESS_KEY


@pytest.mark.parametrize(
    "variable", ["REGION_NAME", "region_name", "ENDPOINT_URL", "USER_TIMEZONE"]
)
def test_unprefixed_generic_env_names_are_ignored(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # Only DYNAMODB_* and the documented AWS_* variables are read, not generic names.
    value = "http://10.9.9.9:1" if "ENDPOINT" in variable.upper() else "Asia/Tokyo"
    if "REGION" in variable.upper():
        value = "ap-south-2"
    monkeypatch.setenv(variable, value)
    config = DynamoDBConfig()
    assert config.region_name == "us-east-1"
    assert config.endpoint_url is None
    assert config.user_timezone is None


def test_unrelated_dynamodb_env_vars_do_not_break_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_WRAPPER_TEST_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv("DYNAMODB_SOMETHING_ELSE", "x")
    assert DynamoDBConfig().endpoint_url is None


def test_explicit_kwargs_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("DYNAMODB_REGION_NAME", "eu-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://env-host:8000")
    monkeypatch.setenv("DYNAMODB_USER_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("DYNAMODB_TABLE_PREFIX", "envprefix")
    monkeypatch.setenv("DYNAMODB_ENVIRONMENT", "staging")
    config = DynamoDBConfig(
        region_name="ap-northeast-1",
        endpoint_url="http://kwarg-host:9000",
        user_timezone="Asia/Tokyo",
        table_prefix="kw",
        environment="prod",
    )
    assert config.region_name == "ap-northeast-1"
    assert config.endpoint_url == "http://kwarg-host:9000"
    assert config.user_timezone == "Asia/Tokyo"
    assert config.get_table_name("t_1") == "kw_prod_t_1"
    overridden = DynamoDBConfig.from_env(region_name="sa-east-1")
    assert overridden.region_name == "sa-east-1"
    assert overridden.user_timezone == "Europe/Paris"


def test_explicit_empty_prefix_beats_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_TABLE_PREFIX", "envprefix")
    assert DynamoDBConfig(table_prefix="").get_table_name("abc") == "dev_abc"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", " ", "Europe/Paris ", "GMT+25"])
def test_unknown_timezone_rejected(zone: str) -> None:
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig(user_timezone=zone)
    assert info.value.field == "user_timezone"


def test_unknown_timezone_from_env_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_USER_TIMEZONE", "Nowhere/Land")
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig()
    assert info.value.field == "user_timezone"


@pytest.mark.parametrize(
    "endpoint",
    [
        "localhost:8000",
        "ftp://localhost:8000",
        "http://",
        "http:///path",
        "http://localhost:8000 junk",
        " http://localhost:8000",
        "//localhost:8000",
    ],
)
def test_bad_endpoint_rejected(endpoint: str) -> None:
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig(endpoint_url=endpoint)
    assert info.value.field == "endpoint_url"


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://localhost:8000",
        "https://dynamodb.eu-west-1.amazonaws.com",
        "http://127.0.0.1:8000/",
        "http://[::1]:8000",
    ],
)
def test_good_endpoint_accepted(endpoint: str) -> None:
    assert DynamoDBConfig(endpoint_url=endpoint).endpoint_url == endpoint


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_DYNAMODB", "DYNAMODB_ENDPOINT_URL"])
def test_bad_endpoint_from_env_names_the_field(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "localhost:8000")
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig()
    assert info.value.field == "endpoint_url"


def test_unknown_kwarg_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig(regoin_name="eu-west-1")
    assert info.value.field == "regoin_name"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_attempts", 0),
        ("max_attempts", 21),
        ("connect_timeout", 0),
        ("read_timeout", -1),
        ("retry_mode", "turbo"),
        ("max_pool_connections", 0),
    ],
)
def test_out_of_range_settings_rejected(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        DynamoDBConfig(**{field: value})
    assert info.value.field == field


# --------------------------------------------------------------------------- secrets


def _secret_config() -> DynamoDBConfig:
    return DynamoDBConfig(
        aws_access_key_id=SECRET_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        aws_session_token=SESSION_TOKEN,
        pagination_secret=PAGINATION_SECRET,
    )


@pytest.mark.parametrize("render", [repr, str, lambda c: c.model_dump_json(), lambda c: f"{c}"])
def test_secrets_masked(render: Any) -> None:
    text = render(_secret_config())
    for secret in (SECRET_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, PAGINATION_SECRET):
        assert secret not in text


def test_secrets_available_to_the_client() -> None:
    kwargs = _secret_config().client_kwargs()
    assert kwargs["aws_access_key_id"] == SECRET_KEY_ID
    assert kwargs["aws_secret_access_key"] == SECRET_ACCESS_KEY
    assert kwargs["aws_session_token"] == SESSION_TOKEN


def test_secret_not_leaked_by_validation_errors() -> None:
    # A misspelt secret keyword, and a bad value next to a secret.
    for kwargs in (
        {"aws_secret_key": SECRET_ACCESS_KEY},
        {"aws_secret_access_key": SECRET_ACCESS_KEY, "max_attempts": 0},
    ):
        with pytest.raises(ValidationError) as info:
            DynamoDBConfig(**kwargs)
        error = info.value
        for text in (str(error), repr(error), repr(error.errors), repr(error.__cause__)):
            assert SECRET_ACCESS_KEY not in text


def test_different_credentials_are_different_clients() -> None:
    a = DynamoDBConfig(aws_access_key_id="a", aws_secret_access_key="s")
    b = DynamoDBConfig(aws_access_key_id="b", aws_secret_access_key="s")
    assert a.cache_key() != b.cache_key()
    assert (
        a.cache_key()
        == DynamoDBConfig(aws_access_key_id="a", aws_secret_access_key="s").cache_key()
    )


# --------------------------------------------------------------------------- frozen


def test_frozen() -> None:
    config = DynamoDBConfig(environment="dev")
    with pytest.raises(pydantic.ValidationError):
        config.environment = "prod"  # type: ignore[misc]
    assert config.environment == "dev"
    assert config.get_table_name("abc") == "dev_abc"


def test_hashable_and_equal_by_value() -> None:
    assert DynamoDBConfig(environment="x") == DynamoDBConfig(environment="x")
    assert DynamoDBConfig(environment="x") != DynamoDBConfig(environment="y")
    assert hash(DynamoDBConfig(environment="x")) == hash(DynamoDBConfig(environment="x"))


# --------------------------------------------------------------------------- client kwargs


def test_client_kwargs_pin_retries_and_timeouts() -> None:
    config = DynamoDBConfig(
        region_name="eu-central-1", max_attempts=7, connect_timeout=1.5, read_timeout=9.0
    )
    kwargs = config.client_kwargs()
    assert kwargs["region_name"] == "eu-central-1"
    assert "endpoint_url" not in kwargs
    assert "aws_access_key_id" not in kwargs
    botocore_config = kwargs["config"]
    assert isinstance(botocore_config, Config)
    assert botocore_config.retries == {"mode": "standard", "total_max_attempts": 7}
    assert botocore_config.connect_timeout == 1.5
    assert botocore_config.read_timeout == 9.0
    assert botocore_config.max_pool_connections == config.max_pool_connections


def test_client_kwargs_default_retries() -> None:
    retries = DynamoDBConfig().client_kwargs()["config"].retries
    assert retries == {"mode": "standard", "total_max_attempts": DynamoDBConfig().max_attempts}


def test_pinned_retries_beat_ambient_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating a botocore client is offline; its effective retry config must be ours."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    config = DynamoDBConfig(
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        max_attempts=4,
        read_timeout=3.0,
    )
    client = botocore.session.get_session().create_client("dynamodb", **config.client_kwargs())
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert client.meta.config.read_timeout == 3.0
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.region_name == "us-east-1"
