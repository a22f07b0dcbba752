"""The examples run end to end (on the session's DynamoDB Local) and print what they claim."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from types import ModuleType

import pytest

from dynamodb_wrapper import DynamoDBConfig

pytestmark = pytest.mark.integration

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_quickstart_runs_every_domain(dynamodb_config: DynamoDBConfig) -> None:
    out: list[str] = []
    _load("quickstart").run(dynamodb_config, out)
    text = "\n".join(out)
    assert "create twice -> PipelineConfigAlreadyExistsError" in text
    assert "active pipeline orders-daily" in text
    assert "-05:00" in text or "-04:00" in text  # New York offsets
    assert "source tables: ['orders_source']" in text
    assert text.count("\nrun run-") + text.startswith("run run-") == 3
    assert "success rate 67%" in text
    assert "records 6000" in text


def test_quickstart_main_is_idempotent(dynamodb_config: DynamoDBConfig) -> None:
    module = _load("quickstart")
    first: list[str] = []
    second: list[str] = []
    module.run(dynamodb_config, first)
    module.run(dynamodb_config, second)
    assert "success rate 67%" in first[-1]
    assert "success rate 67%" in second[-1]  # reruns add runs with the same mix
