"""What ``azfunc start`` would refuse, found before it starts: :func:`check_startup`.

Rules this module keeps:

* One rule, two callers: each check runs the very code the local host runs when it sets a
  function up (:class:`~azfunc.host.ncrontab.CronSchedule` for schedules,
  :class:`~azfunc.host.routing.RouteTemplate` for routes,
  :func:`~azfunc.host.storage.check_queue_name` and
  :meth:`~azfunc.host.local_bindings.LocalBindings.queue_name` for queues,
  :meth:`~azfunc.host.triggers.HostOptions.from_host_json` for ``host.json``), so a rule
  changed in the host changes ``azfunc check`` with it.
* Every problem is a :class:`~azfunc.app.findings.Finding` naming the function (``None``
  for the app); an azfunc error becomes its message, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from .._errors import AzFuncError
from ..app.findings import Finding
from ..app.model import BindingInfo, FunctionInfo

__all__ = ["WARN_ONLY", "check_startup", "refuse_start"]

#: finding codes ``azfunc start`` only warns about (Core Tools refuses an app without
#: host.json; the local host still runs one, so tests can use bare folders).
WARN_ONLY: Final = frozenset({"no-host-json"})

_SETTING: Final = re.compile(r"%([^%{}\s]+)%")
#: queues the host opens when it starts (an output queue is opened on first use).
_QUEUE_TYPES: Final = frozenset({"queueTrigger"})


def check_startup(
    functions: Iterable[FunctionInfo],
    host_json: Mapping[str, Any],
    settings: Mapping[str, str],
    *,
    kind: str,
    root: Path | None,
) -> list[Finding]:
    """Every problem ``azfunc start`` would refuse the app for, in function order.

    Raises:
        AzFuncError: never; problems are returned.
    """
    findings = list(_check_host_json(host_json, kind=kind, root=root))
    findings += _check_settings(settings)
    functions = list(functions)
    for info in functions:
        findings += _check_function(info, settings)
    from ..storage.findings import sdk_type_findings  # SDK-typed blob parameters

    findings += sdk_type_findings(functions, settings)
    return findings


def refuse_start(findings: list[Finding]) -> list[Finding]:
    """The findings of :func:`check_startup` that ``azfunc start`` refuses to start for
    (it prints the others as warnings)."""
    return [f for f in findings if f.code not in WARN_ONLY]


def _check_host_json(
    host_json: Mapping[str, Any], *, kind: str, root: Path | None
) -> Iterator[Finding]:
    from .triggers import HostOptions

    if root is not None and root.is_dir() and not (root / "host.json").is_file():
        yield Finding(None, None, "no-host-json",
                      f"{root} has no host.json (a function app needs one with "
                      '"version": "2.0")')
    elif "version" in host_json and host_json.get("version") != "2.0":
        yield Finding(None, None, "host-json-version",
                      f'host.json "version" must be "2.0", got {host_json.get("version")!r} '
                      "(version 1.0 apps are not supported)")
    try:
        HostOptions.from_host_json(host_json)
    except AzFuncError as exc:
        yield Finding(None, None, "host-json-option", str(exc))


def _check_settings(settings: Mapping[str, str]) -> Iterator[Finding]:
    """App settings the host refuses to start with (``FUNCTIONS_WORKER_PROCESS_COUNT``)."""
    from .processes import worker_process_count

    try:
        worker_process_count(settings)
    except AzFuncError as exc:
        yield Finding(None, None, "worker-process-count", str(exc))


def _check_function(info: FunctionInfo, settings: Mapping[str, str]) -> Iterator[Finding]:
    for binding in info.bindings:
        missing = sorted(_undefined_settings(binding, settings))
        if missing:
            names = ", ".join(f"%{m}%" for m in missing)
            yield Finding(info.name, binding.name, "undefined-setting",
                          f"binding {binding.name!r} uses {names}, which no app setting "
                          "defines (local.settings.json Values or the environment)")
            continue
        problem = _binding_problem(binding, settings)
        if problem is not None:
            code, message = problem
            yield Finding(info.name, binding.name, code, message)


def _undefined_settings(binding: BindingInfo, settings: Mapping[str, str]) -> Iterator[str]:
    for value in binding.properties.values():
        if isinstance(value, str):
            for match in _SETTING.finditer(value):
                if match.group(1) not in settings:
                    yield match.group(1)


def _binding_problem(
    binding: BindingInfo, settings: Mapping[str, str]
) -> tuple[str, str] | None:
    """(code, message) of what the host would refuse in ``binding``, or ``None``."""
    from .expressions import resolve_expression
    from .local_bindings import queue_name_template
    from .ncrontab import CronSchedule, resolve_settings
    from .routing import RouteTemplate
    from .storage import check_queue_name

    props = binding.properties
    try:
        if binding.type == "timerTrigger":
            schedule = props.get("schedule")
            if not isinstance(schedule, str) or not schedule:
                return "timer-schedule", "the timer trigger has no schedule"
            CronSchedule(resolve_settings(schedule, settings))
        elif binding.type == "httpTrigger":
            route = props.get("route")
            if isinstance(route, str) and route:
                RouteTemplate(route)
        elif binding.type in _QUEUE_TYPES:
            template = queue_name_template(binding)
            if "{" not in template:  # a name from binding data is known per invocation
                check_queue_name(resolve_expression(template, None, settings))
    except AzFuncError as exc:
        return _code(binding.type), str(exc)
    return None


def _code(binding_type: str) -> str:
    return {"timerTrigger": "timer-schedule", "httpTrigger": "route-template"}.get(
        binding_type, "queue-name"
    )
