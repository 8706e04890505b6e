"""nbgrader's gradebook models (``nbgrader.api``) without nbgrader's package ``__init__``.

``import nbgrader.api`` first runs ``nbgrader/__init__.py``, which imports nbgrader's four
Jupyter server extensions (tornado handlers, the exchange, nbconvert, jupyter_server):
about a second that ``parcours autograde`` paid before its first notebook, although grading
only writes gradebook rows. :func:`nbgrader_api` registers the ``nbgrader`` package
without running its ``__init__`` and imports ``nbgrader.api``; the package's ``__init__``
runs, in that same module object, the first time anything asks the package for a name
that is not one of its submodules (``nbgrader.__version__``, its server extension
points), so the rest of the process sees nbgrader as usual. nbgrader is pinned below
0.10 in pyproject.toml; ``tests/pipeline/test_nbgrader_internals.py`` checks both halves.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def nbgrader_api() -> ModuleType:
    """``nbgrader.api``, imported without the package's server extensions if the package
    is not imported yet."""
    if "nbgrader" not in sys.modules:
        spec = importlib.util.find_spec("nbgrader")
        if spec is not None and spec.loader is not None:
            package = importlib.util.module_from_spec(spec)

            def __getattr__(name: str) -> object:
                # importlib probes the package for each submodule it imports (``from .
                # import utils``): those are imported as usual, not through __init__
                if name in ("__all__", "__wrapped__") or (
                    importlib.util.find_spec(f"nbgrader.{name}") is not None
                ):
                    raise AttributeError(name)
                package.__dict__.pop("__getattr__", None)
                assert spec is not None and spec.loader is not None
                spec.loader.exec_module(package)
                return getattr(package, name)

            package.__getattr__ = __getattr__  # type: ignore[method-assign]
            sys.modules["nbgrader"] = package
    return importlib.import_module("nbgrader.api")
