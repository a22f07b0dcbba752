"""Integration tests of dynamodb_wrapper.local and the pytest plugin (real DynamoDB Local)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from dynamodb_wrapper.local import (
    JAR_NAME,
    DynamoDBLocal,
    DynamoDBLocalError,
    background_status,
    find_dynamodb_local,
    start_background,
    stop_background,
    wait_until_ready,
)

pytestmark = pytest.mark.integration


def _client(endpoint_url: str) -> Any:
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def jar_dir() -> Path:
    return find_dynamodb_local()


def test_find_dynamodb_local_returns_jar_dir(jar_dir: Path) -> None:
    assert (jar_dir / JAR_NAME).is_file()
    assert (jar_dir / "DynamoDBLocal_lib").is_dir()
    # Found again without installing.
    assert find_dynamodb_local(install=False) == jar_dir


def test_find_dynamodb_local_env_dir(jar_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_LOCAL_DIR", str(jar_dir))
    assert find_dynamodb_local(install=False) == jar_dir


def test_find_dynamodb_local_bad_env_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_LOCAL_DIR", str(tmp_path))
    with pytest.raises(DynamoDBLocalError, match="does not contain"):
        find_dynamodb_local()


def test_find_dynamodb_local_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DYNAMODB_LOCAL_DIR", raising=False)
    monkeypatch.setenv("DYNAMODB_WRAPPER_CACHE_DIR", str(tmp_path))
    with pytest.raises(DynamoDBLocalError, match="not installed"):
        find_dynamodb_local(install=False)
    # Without npm on PATH the error says how to get it.
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(DynamoDBLocalError, match="apt-get install -y nodejs npm"):
        find_dynamodb_local(install=True)


def test_missing_java_is_reported(
    jar_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    server = DynamoDBLocal(jar_dir=jar_dir)
    with pytest.raises(DynamoDBLocalError, match="openjdk-17-jre-headless"):
        server.start()
    assert not server.is_running


def test_start_list_tables_stop(jar_dir: Path) -> None:
    server = DynamoDBLocal(jar_dir=jar_dir)
    assert not server.is_running
    assert server.pid is None
    endpoint = server.start()
    try:
        assert server.is_running
        pid = server.pid
        port = server.port
        assert pid is not None and port is not None
        assert endpoint == server.endpoint_url == f"http://127.0.0.1:{port}"
        assert server.start() == endpoint  # already running: no-op
        client = _client(endpoint)
        client.create_table(
            TableName="local_test",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        assert client.list_tables()["TableNames"] == ["local_test"]
    finally:
        server.stop()
    assert not server.is_running
    assert server.pid is None
    assert not _pid_alive(pid)
    assert not _port_open(port)
    server.stop()  # second stop is a no-op
    assert not server.is_running


def test_context_manager(jar_dir: Path) -> None:
    with DynamoDBLocal(jar_dir=jar_dir) as server:
        pid = server.pid
        port = server.port
        assert pid is not None and port is not None
        assert _client(server.endpoint_url).list_tables()["TableNames"] == []
    assert not server.is_running
    assert not _pid_alive(pid)
    assert not _port_open(port)


def test_port_already_taken(jar_dir: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        server = DynamoDBLocal(port=port, jar_dir=jar_dir, startup_timeout=10)
        with pytest.raises(DynamoDBLocalError, match="already in use"):
            server.start()
        assert not server.is_running


def test_wait_until_ready_times_out() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connection refused
        started = time.monotonic()
        with pytest.raises(DynamoDBLocalError, match="did not answer"):
            wait_until_ready(f"http://127.0.0.1:{port}", timeout=0.5)
        assert time.monotonic() - started < 5


@pytest.fixture()
def isolated_cache(
    jar_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("DYNAMODB_WRAPPER_CACHE_DIR", str(cache))
    monkeypatch.setenv("DYNAMODB_LOCAL_DIR", str(jar_dir))
    yield cache
    stop_background()  # never leave a daemon behind, even when the test failed


def test_background_round_trip(isolated_cache: Path) -> None:
    assert background_status() is None
    assert stop_background() is False

    state = start_background()
    pid = state.pid
    assert (isolated_cache / "local-state.json").is_file()
    assert state.endpoint_url == f"http://127.0.0.1:{state.port}"
    assert background_status() == state
    assert start_background() == state  # already running: returned as is
    with pytest.raises(DynamoDBLocalError, match="already running"):
        start_background(port=state.port + 1 if state.port < 65535 else state.port - 1)
    assert _client(state.endpoint_url).list_tables()["TableNames"] == []

    assert stop_background() is True
    assert not _pid_alive(pid)
    assert not _port_open(state.port)
    assert background_status() is None
    assert not (isolated_cache / "local-state.json").exists()
    assert stop_background() is False


def test_background_status_cleans_stale_state(isolated_cache: Path) -> None:
    isolated_cache.mkdir(parents=True)
    state_file = isolated_cache / "local-state.json"
    # pid 0x7FFFFFF0 is far above pid_max, so it is never alive.
    state_file.write_text(
        '{"pid": 2147483632, "port": 1, "endpoint_url": "http://127.0.0.1:1",'
        ' "started_at": "2024-01-01T00:00:00+00:00"}'
    )
    assert background_status() is None
    assert not state_file.exists()
    state_file.write_text("not json")
    assert background_status() is None
    assert not state_file.exists()


def test_pytest_fixture(dynamodb_local_endpoint: str) -> None:
    assert dynamodb_local_endpoint.startswith("http://")
    assert "TableNames" in _client(dynamodb_local_endpoint).list_tables()
