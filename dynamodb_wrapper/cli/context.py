"""Per-invocation state of the CLI: global options, the lazily built config, CLI errors."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from dynamodb_wrapper import DynamoDBConfig
from dynamodb_wrapper.local import background_status

__all__ = [
    "CliError",
    "CliUsageError",
    "State",
    "get_state",
    "is_loopback",
    "resolve_zone",
]

#: botocore's rule for region names (botocore.utils.validate_region_name).
_REGION = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


class CliError(Exception):
    """A failure the CLI reports as one ``error:`` line with exit code 1."""

    exit_code = 1


class CliUsageError(CliError):
    """A bad option value or combination (exit code 2, like the toolkit's usage errors)."""

    exit_code = 2


def resolve_zone(name: str) -> tzinfo:
    """The IANA zone ``name`` (``UTC`` accepted in any case) or a ``CliUsageError``."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CliUsageError(
            f"--tz: unknown time zone {name!r}; use an IANA name such as 'Europe/Paris'"
        ) from None


def is_loopback(endpoint_url: str | None) -> bool:
    """Whether ``endpoint_url`` points at this machine (DynamoDB Local, typically)."""
    if not endpoint_url:
        return False
    host = (urlparse(endpoint_url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


@dataclass
class State:
    """Global options of one invocation, and the config built from them on first use."""

    endpoint_url: str | None = None
    region: str | None = None
    table_prefix: str | None = None
    environment: str | None = None
    tz: str | None = None
    json: bool = False
    verbose: bool = False
    #: Where the endpoint came from: "option/env", "background" or None (AWS).
    endpoint_source: str | None = None
    _config: DynamoDBConfig | None = field(default=None, repr=False)

    def overrides(self, **extra: Any) -> dict[str, Any]:
        """The config fields given on the command line (plus ``extra``)."""
        values: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "table_prefix": self.table_prefix,
            "environment": self.environment,
            "user_timezone": self.tz,
        }
        values.update(extra)
        return {k: v for k, v in values.items() if v is not None}

    def build_config(self, *, use_background: bool = True, **extra: Any) -> DynamoDBConfig:
        """``DynamoDBConfig.from_env`` with the global options as overrides.

        With no endpoint configured anywhere, a running background DynamoDB Local
        (``dynamodb-wrapper local start``) is used. Against DynamoDB Local (a loopback
        endpoint) credentials default to ``local``/``local`` when none are configured.
        """
        if self.region is not None and not _REGION.match(self.region):
            # A bad --region is a usage error (exit 2), like any other bad option.
            raise CliUsageError(
                f"invalid region {self.region!r} (expected a name such as us-east-1)"
            )
        overrides = self.overrides(**extra)
        config = DynamoDBConfig.from_env(**overrides)
        source: str | None = "option/env" if config.endpoint_url else None
        if config.endpoint_url is None and use_background:
            running = background_status()
            if running is not None:
                overrides["endpoint_url"] = running.endpoint_url
                config = DynamoDBConfig.from_env(**overrides)
                source = "background"
        if (
            (source == "background" or is_loopback(config.endpoint_url))
            and config.aws_access_key_id is None
            and config.aws_secret_access_key is None
            and not os.environ.get("AWS_ACCESS_KEY_ID")
            and not os.environ.get("AWS_PROFILE")
        ):
            overrides.update(aws_access_key_id="local", aws_secret_access_key="local")
            config = DynamoDBConfig.from_env(**overrides)
        self.endpoint_source = source
        return config

    @property
    def config(self) -> DynamoDBConfig:
        """The config of this invocation (built once)."""
        if self._config is None:
            self._config = self.build_config()
        return self._config

    @property
    def zone_name(self) -> str:
        """The display zone: ``--tz``, else the configured ``user_timezone``, else UTC."""
        if self.tz:
            return self.tz
        return self.config.user_timezone or "UTC"

    @property
    def zone(self) -> tzinfo:
        return resolve_zone(self.zone_name)


def get_state(ctx: typer.Context) -> State:
    """The ``State`` the root callback stored on the context."""
    state = ctx.find_root().obj
    if not isinstance(state, State):  # pragma: no cover - the root callback always sets it
        raise CliError("internal error: the CLI state is missing")
    return state
