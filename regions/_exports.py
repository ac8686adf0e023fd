"""Public names that load on first use (PEP 562), for the areas' faces.

A face lists its public names once, each with the module that defines it; importing the face
imports none of them, so `seawall --help` and the onshore service never pay for libraries
they do not use (the training stack, Pulumi, model-signing)::

    __getattr__, __dir__ = lazy_exports(__name__, {"Bundle": "artifacts.bundle.manifest"})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, whose public `exports` (name -> module)
    are imported on first use and then kept in the package's namespace."""

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
