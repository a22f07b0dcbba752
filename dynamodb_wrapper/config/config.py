"""``DynamoDBConfig``: one frozen value object for connection, naming, retries and time zones.

Values come from keyword arguments first, then environment variables (``DYNAMODB_*``; the region
also from ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, the endpoint also from
``AWS_ENDPOINT_URL_DYNAMODB``), then defaults. Nothing is read at import time.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import pydantic
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dynamodb_wrapper.core.timeutils import get_zone
from dynamodb_wrapper.exceptions import ValidationError

__all__ = ["DynamoDBConfig"]

_NAME_PART = re.compile(r"^[A-Za-z0-9_.-]*$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_ENDPOINT = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")


class DynamoDBConfig(BaseSettings):
    """Connection, naming, retry and display settings shared by every API.

    Example:
        >>> config = DynamoDBConfig(endpoint_url="http://127.0.0.1:8000", environment="dev")
        >>> config.get_table_name("pipeline_config")
        'dev_pipeline_config'
    """

    model_config = SettingsConfigDict(
        env_prefix="DYNAMODB_",
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    region_name: str = Field(
        default="us-east-1",
        # The field name is no alias: as one, it would also be read from a bare REGION_NAME
        # variable. Keyword arguments still work by name (populate_by_name) and win.
        validation_alias=AliasChoices("DYNAMODB_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"),
    )
    aws_access_key_id: SecretStr | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    table_prefix: str = ""
    environment: str = "dev"
    user_timezone: str | None = None

    # Retry policy: pinned per client so ambient AWS_RETRY_MODE / AWS_MAX_ATTEMPTS never apply.
    retry_mode: Literal["standard", "adaptive", "legacy"] = "standard"
    max_attempts: int = Field(default=5, ge=1, le=20, description="total attempts per call")
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    max_pool_connections: int = Field(default=20, ge=1, le=1000)

    # Batch (UnprocessedItems / UnprocessedKeys) retry budget.
    batch_max_attempts: int = Field(default=10, ge=1, le=100)
    batch_base_delay: float = Field(default=0.05, ge=0)
    batch_max_delay: float = Field(default=5.0, ge=0)
    batch_write_workers: int = Field(
        default=4,
        ge=1,
        le=32,
        description="batch requests (writes, deletes, reads) a bulk call keeps in flight at once",
    )
    batch_time_budget: float = Field(
        default=120.0, gt=0, description="seconds one chunk (25 writes / 100 keys) may spend"
    )

    return_consumed_capacity: bool = False

    # Plain-json request/response path for data-plane calls (see core/fastpath.py).
    fast_path: bool = True

    # Pipeline run logs: days until a new run's TTL (``expires_at``) expires; None = never.
    run_log_retention_days: int | None = Field(default=None, gt=0, le=36500)

    # Pagination tokens: HMAC key (set it to make tokens unforgeable) and maximum age.
    pagination_secret: SecretStr | None = None
    pagination_token_ttl: float = Field(default=7 * 24 * 3600, gt=0, description="seconds")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            loc = [str(p) for p in first["loc"]]
            if loc:  # errors of env-sourced values are located by their alias: use the field
                loc[0] = _ALIAS_TO_FIELD.get(loc[0], loc[0])
            field = ".".join(loc) or None
            raise ValidationError(
                f"invalid DynamoDBConfig: {field}: {first['msg']}",
                field=field,
                # Without "input": it may be a secret (e.g. a misspelt aws_secret_access_key).
                errors=[
                    {k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()
                ],
            ) from None

    @classmethod
    def from_env(cls, **overrides: Any) -> DynamoDBConfig:
        """Build a config from ``DYNAMODB_*`` / ``AWS_*`` variables; ``overrides`` win."""
        return cls(**overrides)

    @field_validator("table_prefix", "environment")
    @classmethod
    def _check_name_part(cls, value: str) -> str:
        if not _NAME_PART.match(value):
            raise ValueError("only letters, digits, '_', '.' and '-' are allowed")
        return value

    @field_validator("region_name")
    @classmethod
    def _check_region(cls, value: str) -> str:
        # botocore's own rule (it raises InvalidRegionError on first use otherwise).
        if not re.fullmatch(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", value):
            raise ValueError("must look like an AWS region, e.g. 'eu-west-1'")
        return value

    @field_validator("user_timezone")
    @classmethod
    def _check_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                get_zone(value)
            except ValidationError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value and not _ENDPOINT.fullmatch(value):
            raise ValueError("endpoint_url must look like http(s)://host[:port]")
        return value or None  # an empty AWS_ENDPOINT_URL_DYNAMODB= means "not set"

    def get_table_name(self, base_name: str) -> str:
        """Physical table name ``{table_prefix}_{environment}_{base_name}``, skipping empty parts.

        Raises:
            ValidationError: The resulting name is not a valid DynamoDB table name.
        """
        name = "_".join(part for part in (self.table_prefix, self.environment, base_name) if part)
        if not _TABLE_NAME.match(name):
            raise ValidationError(
                f"invalid table name {name!r}: 3-255 of [A-Za-z0-9_.-]", field="table_name"
            )
        return name

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``botocore.session.Session.create_client``."""
        from botocore.config import Config

        kwargs: dict[str, Any] = {
            "region_name": self.region_name,
            "config": Config(
                retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                max_pool_connections=self.max_pool_connections,
                parameter_validation=False,  # requests are built (and validated) by the library
                tcp_keepalive=True,
            ),
        }
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        for name in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
            secret: SecretStr | None = getattr(self, name)
            if secret is not None:
                kwargs[name] = secret.get_secret_value()
        return kwargs

    def cache_key(self) -> tuple[Any, ...]:
        """What identifies a distinct botocore client (used by the shared-client cache)."""
        return (
            self.region_name,
            self.endpoint_url,
            *(
                s.get_secret_value() if s is not None else None
                for s in (
                    self.aws_access_key_id,
                    self.aws_secret_access_key,
                    self.aws_session_token,
                )
            ),
            self.retry_mode,
            self.max_attempts,
            self.connect_timeout,
            self.read_timeout,
            self.max_pool_connections,
            self.fast_path,
        )


_ALIAS_TO_FIELD: dict[str, str] = {
    choice: name
    for name, info in DynamoDBConfig.model_fields.items()
    if isinstance(info.validation_alias, AliasChoices)
    for choice in info.validation_alias.choices
    if isinstance(choice, str)
}
