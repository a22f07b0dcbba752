"""Fixtures of the CLI tests: the real ``dynamodb-wrapper`` app against DynamoDB Local.

Every test gets its own table prefix (from the plugin's ``dynamodb_config``), and ambient
``DYNAMODB_*`` / ``AWS_*`` variables are cleared, so results do not depend on the shell.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dynamodb_wrapper import DynamoDBConfig
from dynamodb_wrapper.cli import app
from dynamodb_wrapper.local import find_dynamodb_local

#: Variables that would change what the CLI talks to; unset for every invocation.
CLEARED_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "DYNAMODB_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "DYNAMODB_TABLE_PREFIX",
        "DYNAMODB_ENVIRONMENT",
        "DYNAMODB_USER_TIMEZONE",
        "DYNAMODB_REGION_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "DYNAMODB_AWS_ACCESS_KEY_ID",
        "DYNAMODB_AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
    )
}


class Cli:
    """Runs ``dynamodb-wrapper`` in-process with this test's endpoint and table prefix."""

    def __init__(self, endpoint_url: str | None, table_prefix: str, env: Mapping[str, str]):
        self.endpoint_url = endpoint_url
        self.table_prefix = table_prefix
        self.env: dict[str, str | None] = {**CLEARED_ENV, "COLUMNS": "200", **env}
        self.runner = CliRunner()

    def global_args(self) -> list[str]:
        args = ["--table-prefix", self.table_prefix, "--environment", "test"]
        if self.endpoint_url is not None:
            args = ["--endpoint-url", self.endpoint_url, *args]
        return args

    def __call__(
        self,
        *args: str,
        json_output: bool = False,
        tz: str | None = None,
        input: str | None = None,
        global_args: list[str] | None = None,
    ) -> Result:
        prefix = self.global_args() if global_args is None else global_args
        if json_output:
            prefix = [*prefix, "--json"]
        if tz is not None:
            prefix = [*prefix, "--tz", tz]
        return self.runner.invoke(app, [*prefix, *args], input=input, env=self.env)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run and assert exit code 0."""
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (
            f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
            f"exception: {result.exception!r}"
        )
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        """Run with ``--json``, assert success, return the parsed stdout."""
        return json.loads(self.ok(*args, json_output=True, **kwargs).stdout)

    def fails(self, *args: str, code: int = 1, **kwargs: Any) -> str:
        """Run, assert exit ``code`` with one ``error:`` line and no traceback; return it."""
        result = self(*args, **kwargs)
        assert result.exit_code == code, (
            f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: "), result.stderr
        return lines[0]


@pytest.fixture
def cli(dynamodb_config: DynamoDBConfig) -> Cli:
    """The CLI on the session's DynamoDB Local, with a table prefix of this test."""
    assert dynamodb_config.endpoint_url is not None
    return Cli(dynamodb_config.endpoint_url, dynamodb_config.table_prefix, {})


@pytest.fixture
def make_cli() -> type[Cli]:
    """The ``Cli`` class, for tests that configure the endpoint themselves."""
    return Cli


@pytest.fixture
def tables(cli: Cli) -> Cli:
    """``cli`` after ``tables create``."""
    cli.ok("tables", "create")
    return cli


@pytest.fixture(scope="session")
def jar_dir() -> Path:
    """The installed DynamoDB Local (for commands that start their own)."""
    return find_dynamodb_local()


@pytest.fixture
def isolated_local(
    tmp_path: Path, jar_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private cache dir, so ``local start`` and the demo never meet a real background
    server; any background server started in it is stopped at teardown."""
    from dynamodb_wrapper.local import stop_background

    cache = tmp_path / "cache"
    monkeypatch.setenv("DYNAMODB_WRAPPER_CACHE_DIR", str(cache))
    monkeypatch.setenv("DYNAMODB_LOCAL_DIR", str(jar_dir))
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    try:
        yield cache
    finally:
        stop_background()
