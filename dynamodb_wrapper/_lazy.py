"""PEP 562 lazy exports for the package ``__init__`` modules.

A package lists where each of its public names lives; the name's module is imported the first
time the name is looked up (``from dynamodb_wrapper import X`` or ``dynamodb_wrapper.X``), and the
value is then stored in the package so later lookups are plain attribute reads. Each package also
imports the same names under ``if TYPE_CHECKING:`` so type checkers and IDEs see them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose name ``N`` lives in ``exports[N]``."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        source = exports.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
