"""The public surface: exports are complete, sorted, and layering rules hold."""

from __future__ import annotations

import ast
import inspect
import pathlib

import dynamodb_wrapper
from dynamodb_wrapper import exceptions

PACKAGE = pathlib.Path(dynamodb_wrapper.__file__).parent


def test_all_is_sorted_unique_and_importable() -> None:
    names = dynamodb_wrapper.__all__
    assert names == sorted(set(names))
    for name in names:
        assert getattr(dynamodb_wrapper, name) is not None, name


def test_every_error_class_is_exported_from_exceptions_and_root() -> None:
    classes = {
        name
        for name, obj in vars(exceptions.base).items()
        if inspect.isclass(obj) and issubclass(obj, Exception)
    } | {
        name
        for name, obj in vars(exceptions.domain_exceptions).items()
        if inspect.isclass(obj) and issubclass(obj, Exception)
    }
    assert classes <= set(exceptions.__all__)
    assert classes <= set(dynamodb_wrapper.__all__)
    assert issubclass(dynamodb_wrapper.ValidationError, ValueError)


def test_six_apis_and_helpers_named_by_the_seed_are_exported() -> None:
    for name in (
        "PipelineConfigReadApi",
        "PipelineConfigWriteApi",
        "TableConfigReadApi",
        "TableConfigWriteApi",
        "PipelineRunLogsReadApi",
        "PipelineRunLogsWriteApi",
        "ensure_tables",
        "DynamoDBConfig",
        "to_utc",
        "to_user_timezone",
        "ensure_timezone_aware",
        "build_model_key",
        "build_gsi_key_condition",
        "build_projection_expression",
        "extract_model_metadata",
    ):
        assert name in dynamodb_wrapper.__all__, name


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_handlers_never_touch_boto_directly() -> None:
    for path in (PACKAGE / "handlers").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("boto3", "botocore")}
        assert not bad, f"{path} imports {bad}"


def test_lower_layers_never_import_handlers() -> None:
    for folder in ("core", "models", "config", "exceptions"):
        for path in (PACKAGE / folder).rglob("*.py"):
            bad = {m for m in _imports(path) if m.startswith("dynamodb_wrapper.handlers")}
            assert not bad, f"{path} imports {bad}"


def test_package_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").exists()
