"""What a cold ``import dynamodb_wrapper`` + first client loads (issue 6: cold start time).

The package exports its names lazily (PEP 562): importing one API loads that domain's modules,
not the write side, the other domains or provisioning.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import dynamodb_wrapper

# --------------------------------------------------------------------------- lazy exports

_LAZY_PACKAGES = [
    "dynamodb_wrapper",
    "dynamodb_wrapper.models",
    "dynamodb_wrapper.handlers.pipeline_config",
    "dynamodb_wrapper.handlers.pipeline_run_logs",
    "dynamodb_wrapper.handlers.table_config",
]


@pytest.mark.parametrize("package", _LAZY_PACKAGES)
def test_every_exported_name_resolves_to_its_defining_object(package: str) -> None:
    module = importlib.import_module(package)
    exports: dict[str, str] = module._EXPORTS
    assert set(exports) == set(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is getattr(importlib.import_module(exports[name]), name), name
        assert name in dir(module)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_star_import_gives_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from dynamodb_wrapper import *", namespace)
    assert set(dynamodb_wrapper.__all__) <= set(namespace)


def _modules_after(code: str, prefix: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules)))\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return [m for m in loaded if m.startswith(prefix)]


def test_bare_import_loads_no_domain() -> None:
    loaded = _modules_after("import dynamodb_wrapper", "dynamodb_wrapper.")
    assert not [
        m
        for m in loaded
        if m.startswith(("dynamodb_wrapper.handlers.", "dynamodb_wrapper.models."))
    ]


def test_a_read_api_loads_neither_the_write_side_nor_other_domains() -> None:
    loaded = _modules_after(
        "from dynamodb_wrapper import PipelineConfigReadApi", "dynamodb_wrapper."
    )
    assert "dynamodb_wrapper.handlers.pipeline_config.queries" in loaded
    assert "dynamodb_wrapper.models.views" in loaded
    for unexpected in (
        "dynamodb_wrapper.handlers.pipeline_config.commands",
        "dynamodb_wrapper.handlers.table_config.queries",
        "dynamodb_wrapper.handlers.pipeline_run_logs.queries",
        "dynamodb_wrapper.models.dtos",
        "dynamodb_wrapper.core.provisioning",
    ):
        assert unexpected not in loaded
    assert _modules_after("from dynamodb_wrapper import PipelineConfigReadApi", "croniter") == []


def test_gateway_by_table_name_finds_the_library_models_in_a_fresh_interpreter() -> None:
    code = (
        "from dynamodb_wrapper import DynamoDBConfig, create_table_gateway\n"
        "gw = create_table_gateway(DynamoDBConfig(endpoint_url='http://127.0.0.1:9',"
        " aws_access_key_id='x', aws_secret_access_key='x'), 'pipeline_run_logs')\n"
        "assert gw.meta.model_name == 'PipelineRunLog', gw.meta.model_name\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_importing_the_models_builds_no_validator() -> None:
    """Each model builds its validator on first use (defer_build), not at import."""
    code = (
        "import json, pydantic\n"
        "import dynamodb_wrapper.models as m\n"
        "classes = [getattr(m, n) for n in m.__all__ if isinstance(getattr(m, n), type)]\n"
        "models = [c for c in classes if issubclass(c, pydantic.BaseModel)]\n"
        "print(json.dumps([c.__name__ for c in models if c.__pydantic_complete__]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_deferred_field_bases_still_validate() -> None:
    from pydantic import ValidationError as PydanticValidationError

    from dynamodb_wrapper.models import PipelineConfigFields

    fields = {"pipeline_name": "n", "source_type": "s3", "destination_type": "w"}
    assert PipelineConfigFields(pipeline_id="p-1", **fields).pipeline_id == "p-1"
    with pytest.raises(PydanticValidationError):
        PipelineConfigFields(pipeline_id="not an id!", **fields)
