"""Input of the CLI: objects from JSON/YAML files, ``key=value`` pairs, aware datetimes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from dynamodb_wrapper.cli.context import CliError, CliUsageError

__all__ = [
    "load_object",
    "merge_input",
    "parse_aware_datetime",
    "parse_set_pairs",
    "parse_tags",
]


def load_object(path: Path) -> dict[str, Any]:
    """One object from a ``.json``, ``.yaml`` or ``.yml`` file (other names: JSON, then YAML).

    Raises:
        CliError: The file cannot be read, does not parse, or is not one object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"cannot read {path}: not UTF-8 text ({exc.reason})") from exc
    suffix = path.suffix.lower()
    data: Any
    if suffix in (".yaml", ".yml"):
        data = _yaml(path, text)
    elif suffix == ".json":
        data = _json(path, text)
    else:
        try:
            data = json.loads(text)
        except ValueError:
            data = _yaml(path, text)
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise CliError(f"{path}: expected one object (a mapping of field: value), got {kind}")
    return {str(k): v for k, v in data.items()}


def _json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def _yaml(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CliError(f"{path}: invalid YAML{where}: {problem}") from exc


def parse_value(text: str) -> Any:
    """``text`` as JSON when it parses (``8``, ``true``, ``null``, ``{"a": 1}``), else as is."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _split_pair(pair: str, option: str) -> tuple[str, str]:
    key, sep, value = pair.partition("=")
    key = key.strip()
    if not sep or not key:
        raise CliUsageError(f"{option}: expected KEY=VALUE, got {pair!r}")
    return key, value


def parse_set_pairs(pairs: Iterable[str]) -> dict[str, Any]:
    """``--set key=value`` pairs; values are parsed as JSON when they parse, else strings."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, value = _split_pair(pair, "--set")
        changes[key] = parse_value(value)
    return changes


def parse_tags(pairs: Iterable[str]) -> dict[str, str] | None:
    """``--tag key=value`` pairs as a dict of strings (``None`` when none were given)."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, value = _split_pair(pair, "--tag")
        tags[key] = value
    return tags or None


def merge_input(
    file: Path | None, flags: Mapping[str, Any], *, keep_none: bool = False
) -> dict[str, Any]:
    """The object in ``file``, then ``flags`` on top (flags win).

    Flags whose value is ``None`` were not given and are skipped, unless ``keep_none`` (for
    ``--set key=null``, which removes a field).
    """
    data: dict[str, Any] = {}
    if file is not None:
        data.update(load_object(file))
    for key, value in flags.items():
        if value is None and not keep_none:
            continue
        if key == "tags" and isinstance(data.get("tags"), dict):
            data["tags"] = {**data["tags"], **value}
        else:
            data[key] = value
    return data


def parse_aware_datetime(value: str | None, option: str) -> datetime | None:
    """An ISO-8601 datetime that carries a UTC offset (``Z`` or ``+02:00``), or ``None``.

    Raises:
        CliUsageError: Not ISO-8601, or without an offset (naive times are never guessed).
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CliUsageError(
            f"{option}: {value!r} is not an ISO-8601 datetime (e.g. 2024-05-01T08:00:00+02:00)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise CliUsageError(
            f"{option}: {value!r} has no UTC offset; add one, e.g. {value.strip()}Z or "
            f"{value.strip()}+02:00 (times without a zone are never guessed)"
        )
    return parsed
