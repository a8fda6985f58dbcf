"""The bridge that lets Microsoft's Python worker load and run azfunc apps, unchanged.

Rules this package keeps:

* It is installed by ``import azfunc`` when, and only when, the process is that worker
  (:func:`in_worker`: one of :data:`WORKER_MODULES` is imported). Elsewhere nothing of it is
  imported, and azfunc never imports ``azure.functions`` outside the worker.
* :func:`install` is idempotent and does two things to the ``azure.functions`` module the
  worker uses (the one in ``sys.modules``, which may be the customer's own copy):
  registers azfunc's ``FunctionApp`` as a ``FunctionRegister`` (:mod:`.indexing`) and puts
  a :class:`~azfunc.msworker.converters.BridgeConverter` in its binding registry for every
  binding type azfunc converts (:mod:`.converters`). Functions that do not use azfunc keep
  ``azure.functions``' converters.
* A worker that reloads its binding registry (``function_environment_reload_request``)
  keeps the bridges: the registry is the same class and dict.
"""

from __future__ import annotations

import importlib
import sys
from typing import Final

__all__ = ["WORKER_MODULES", "in_worker", "install"]

#: modules whose presence means this process is Microsoft's Python worker.
WORKER_MODULES: Final = (
    "azure_functions_runtime",
    "azure_functions_runtime_v1",
    "azure_functions_worker",
)

_installed = False


def in_worker() -> bool:
    """Whether this process is Microsoft's Python worker."""
    modules = sys.modules
    return any(name in modules for name in WORKER_MODULES)


def install() -> bool:
    """Install the bridge into the worker's ``azure.functions``; ``False`` if there is none.

    Safe to call more than once, and outside the worker (where it imports
    ``azure.functions`` only if it is installed).
    """
    global _installed
    try:
        af = importlib.import_module("azure.functions")
    except ImportError:
        return False
    from .converters import install_converters
    from .indexing import install_indexing

    registry = af.get_binding_registry()
    table = getattr(registry, "_bindings", None)
    if not isinstance(table, dict):
        return False
    # Folder apps are read by azure_functions_runtime_v1 and by the bundled worker; a worker
    # that only indexes decorator apps needs no type-level bridges.
    by_type = any(name in sys.modules for name in WORKER_MODULES[1:])
    install_converters(table, by_type=by_type)
    if not _installed:
        install_indexing(af.FunctionRegister)
        _installed = True
    return True
