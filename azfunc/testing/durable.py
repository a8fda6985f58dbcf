"""Unit-testing Durable orchestrators: a history described in words, replayed by the SDK.

A Durable orchestrator is replayed from its *history*: the events the Durable extension
recorded (the orchestration started; an activity was scheduled, then completed or failed; a
timer was created, then fired; an external event was raised; a sub-orchestration was created,
then completed). :class:`History` writes that history, one readable call per event, in the
JSON the host sends; :func:`run_orchestrator` replays an orchestrator written with
Microsoft's Durable SDK (``azure-functions-durable``) through the SDK's own replay code and
returns what it decided (:class:`OrchestrationResult`).

Rules this module keeps:

* The JSON is the host's: ``{"history": [...], "input", "instanceId", "isReplaying",
  "parentInstanceId", "upperSchemaVersion"}``, each event with ``EventType`` (the SDK's
  numbers), ``EventId``, ``IsPlayed``, ``Timestamp`` and the fields of its kind (``Name``,
  ``Input``/``Result`` as JSON text, ``TaskScheduledId``, ``TimerId``, ``FireAt``,
  ``Reason``, ``Details``, ``InstanceId``).
* Episodes are written for the test: a result (completion, failure, timer fired, event
  raised) after something was scheduled starts a new episode (``OrchestratorCompleted``
  then ``OrchestratorStarted``), as the host records it; results given one after another
  arrive in the same episode (a fan-in). Events of earlier episodes are played
  (``IsPlayed``), those of the last one new.
* Scheduled work is numbered in the order it is scheduled (activities, timers and
  sub-orchestrations share the sequence, as in the extension); a result without an explicit
  id completes the oldest outstanding one of its kind.
* The SDK is imported by :func:`run_orchestrator` only; building a history needs nothing
  but azfunc, and azfunc never depends on the SDK. Without it, running raises
  :class:`~azfunc.ConfigurationError` saying what to install.
* Wrong arguments raise :class:`~azfunc.ArgumentValueError`/:class:`~azfunc.ArgumentTypeError`.

Example:
    >>> history = (History(input={"cities": ["Tokyo"]})
    ...            .task_scheduled("SayHello")
    ...            .task_completed("Hello Tokyo"))
    >>> [event["EventType"] for event in history.to_dict()["history"]]
    [12, 0, 4, 13, 12, 5]
    >>> history.to_dict()["history"][-1]["Result"]
    '"Hello Tokyo"'
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from .._errors import ArgumentTypeError, ArgumentValueError, ConfigurationError

__all__ = [
    "EventType",
    "History",
    "OrchestrationResult",
    "orchestration_context",
    "run_orchestrator",
]


class EventType:
    """The history event numbers of the Durable SDK (``HistoryEventType``)."""

    EXECUTION_STARTED: Final = 0
    EXECUTION_COMPLETED: Final = 1
    EXECUTION_FAILED: Final = 2
    EXECUTION_TERMINATED: Final = 3
    TASK_SCHEDULED: Final = 4
    TASK_COMPLETED: Final = 5
    TASK_FAILED: Final = 6
    SUB_ORCHESTRATION_INSTANCE_CREATED: Final = 7
    SUB_ORCHESTRATION_INSTANCE_COMPLETED: Final = 8
    SUB_ORCHESTRATION_INSTANCE_FAILED: Final = 9
    TIMER_CREATED: Final = 10
    TIMER_FIRED: Final = 11
    ORCHESTRATOR_STARTED: Final = 12
    ORCHESTRATOR_COMPLETED: Final = 13
    EVENT_SENT: Final = 14
    EVENT_RAISED: Final = 15
    CONTINUE_AS_NEW: Final = 16


_SCHEDULING: Final = frozenset({
    EventType.TASK_SCHEDULED, EventType.TIMER_CREATED,
    EventType.SUB_ORCHESTRATION_INSTANCE_CREATED,
})
_DEFAULT_START: Final = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ArgumentValueError(f"{moment!r} is naive; give a timezone-aware datetime")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _json_text(value: Any, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ArgumentValueError(f"{what} must be JSON-serialisable: {exc}") from None


@dataclass
class _Pending:
    kind: str  # "task", "timer" or "sub"
    sequence: int
    name: str | None = None


@dataclass
class History:
    """An orchestration's history, written one event at a time (each method returns the
    history, so calls chain).

    ``input`` is the orchestration's input (any JSON value); ``start`` the moment it
    started (timezone-aware; default 2024-01-01 UTC); each episode starts one second after
    the previous one (or when the timer it fires was due, if later).

    Raises:
        ArgumentValueError: for a naive ``start`` or an input that is not JSON-serialisable.
    """

    input: Any = None
    name: str = "orchestrator"
    instance_id: str = "instance-1"
    parent_instance_id: str | None = None
    start: datetime = _DEFAULT_START
    #: the orchestration's version (``ExecutionStarted.Version``; ``context.version``).
    version: str = ""
    _events: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)
    _episodes: list[int] = field(default_factory=list, init=False, repr=False)
    _pending: list[_Pending] = field(default_factory=list, init=False, repr=False)
    _sequence: int = field(default=0, init=False, repr=False)
    _now: datetime = field(default=_DEFAULT_START, init=False, repr=False)
    _input_text: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        _iso(self.start)
        self._now = self.start
        self._input_text = None if self.input is None else _json_text(self.input, "input")
        self._episodes.append(0)
        self._add(EventType.ORCHESTRATOR_STARTED)
        self._add(EventType.EXECUTION_STARTED, Name=self.name, Input=self._input_text,
                  Version=self.version)

    # --- writing events ------------------------------------------------------------------

    def _add(self, kind: int, event_id: int = -1, **fields: Any) -> None:
        event = {"EventType": kind, "EventId": event_id, "IsPlayed": False,
                 "Timestamp": _iso(self._now)}
        event.update({k: v for k, v in fields.items() if v is not None})
        self._events.append(event)

    def _schedules(self) -> bool:
        start = self._episodes[-1]
        return any(e["EventType"] in _SCHEDULING for e in self._events[start:])

    def _result_episode(self, at: datetime | None = None) -> None:
        if not self._schedules():
            return
        self._add(EventType.ORCHESTRATOR_COMPLETED)
        later = self._now + timedelta(seconds=1)
        self._now = max(later, at) if at is not None else later
        self._episodes.append(len(self._events))
        self._add(EventType.ORCHESTRATOR_STARTED)

    def _take(self, kind: str, sequence: int | None, name: str | None) -> _Pending:
        for pending in self._pending:
            if pending.kind != kind:
                continue
            if sequence is not None and pending.sequence != sequence:
                continue
            if name is not None and pending.name != name:
                continue
            self._pending.remove(pending)
            return pending
        wanted = f" {name!r}" if name else ""
        raise ArgumentValueError(
            f"no outstanding {kind}{wanted}"
            f"{'' if sequence is None else f' with id {sequence}'} to complete; schedule it "
            "first"
        )

    def _schedule(self, kind: str, event_type: int, name: str | None, **fields: Any) -> int:
        if name is not None and not isinstance(name, str):
            raise ArgumentTypeError(f"a name must be a string, got {name!r}")
        sequence = self._sequence
        self._sequence += 1
        self._pending.append(_Pending(kind, sequence, name))
        self._add(event_type, sequence, Name=name, **fields)
        return sequence

    def task_scheduled(self, name: str, input: Any = None) -> History:  # noqa: A002
        """The orchestrator called the activity ``name``."""
        text = None if input is None else _json_text(input, "input")
        self._schedule("task", EventType.TASK_SCHEDULED, name, Input=text)
        return self

    def task_completed(self, result: Any = None, *, name: str | None = None,
                       scheduled_id: int | None = None) -> History:
        """An activity returned ``result`` (the oldest outstanding one, unless ``name`` or
        ``scheduled_id`` says which)."""
        pending = self._take("task", scheduled_id, name)
        self._result_episode()
        self._add(EventType.TASK_COMPLETED, TaskScheduledId=pending.sequence,
                  Result=_json_text(result, "result"))
        return self

    def task_failed(self, reason: str = "activity failed", details: str = "", *,
                    name: str | None = None, scheduled_id: int | None = None) -> History:
        """An activity raised (``reason`` and ``details`` are what the SDK's error says)."""
        pending = self._take("task", scheduled_id, name)
        self._result_episode()
        self._add(EventType.TASK_FAILED, TaskScheduledId=pending.sequence, Reason=reason,
                  Details=details)
        return self

    def timer_created(self, fire_at: datetime) -> History:
        """The orchestrator created a durable timer due at ``fire_at``."""
        self._schedule("timer", EventType.TIMER_CREATED, None, FireAt=_iso(fire_at))
        return self

    def timer_fired(self, *, timer_id: int | None = None) -> History:
        """The oldest outstanding timer (or ``timer_id``) fired, when it was due."""
        pending = self._take("timer", timer_id, None)
        created = next(e for e in self._events if e["EventId"] == pending.sequence
                       and e["EventType"] == EventType.TIMER_CREATED)
        fire_at = datetime.fromisoformat(created["FireAt"].replace("Z", "+00:00"))
        self._result_episode(at=fire_at)
        self._add(EventType.TIMER_FIRED, TimerId=pending.sequence, FireAt=created["FireAt"])
        return self

    def event_raised(self, name: str, input: Any = None) -> History:  # noqa: A002
        """An external event ``name`` arrived with ``input``."""
        if not isinstance(name, str):
            raise ArgumentTypeError(f"an event name must be a string, got {name!r}")
        self._result_episode()
        self._add(EventType.EVENT_RAISED, Name=name, Input=_json_text(input, "input"))
        return self

    def sub_orchestration_created(self, name: str, input: Any = None,  # noqa: A002
                                  instance_id: str | None = None) -> History:
        """The orchestrator started the sub-orchestration ``name``."""
        text = None if input is None else _json_text(input, "input")
        self._schedule("sub", EventType.SUB_ORCHESTRATION_INSTANCE_CREATED, name, Input=text,
                       InstanceId=instance_id)
        return self

    def sub_orchestration_completed(self, result: Any = None, *, name: str | None = None,
                                    scheduled_id: int | None = None) -> History:
        """A sub-orchestration finished with ``result``."""
        pending = self._take("sub", scheduled_id, name)
        self._result_episode()
        self._add(EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED,
                  TaskScheduledId=pending.sequence, Result=_json_text(result, "result"))
        return self

    def sub_orchestration_failed(self, reason: str = "sub-orchestration failed",
                                 details: str = "", *, name: str | None = None,
                                 scheduled_id: int | None = None) -> History:
        """A sub-orchestration failed."""
        pending = self._take("sub", scheduled_id, name)
        self._result_episode()
        self._add(EventType.SUB_ORCHESTRATION_INSTANCE_FAILED,
                  TaskScheduledId=pending.sequence, Reason=reason, Details=details)
        return self

    # --- reading ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The orchestration context as the host sends it (a JSON object)."""
        last = self._episodes[-1]
        events = [dict(e, IsPlayed=i < last) for i, e in enumerate(self._events)]
        return {
            "history": events,
            "input": self._input_text,
            "instanceId": self.instance_id,
            "isReplaying": last > 0,
            "parentInstanceId": self.parent_instance_id,
            "upperSchemaVersion": 0,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (what ``orchestrationTrigger`` receives)."""
        return json.dumps(self.to_dict())


def orchestration_context(history: History | str) -> Any:
    """An :class:`azfunc.OrchestrationContext` holding ``history``'s JSON, to invoke an
    orchestrator with (``app.invoke("orch", context=orchestration_context(h))``).

    Example:
        >>> orchestration_context(History(input=3)).get_json()["input"]
        '3'
    """
    from ..bindings.durable import OrchestrationContext

    return OrchestrationContext(body=history if isinstance(history, str) else history.to_json())


@dataclass(frozen=True)
class OrchestrationResult:
    """What one replay decided: whether the orchestration is done, its output (parsed), its
    error, its custom status, and its actions (``actions[i]`` is the list of actions of the
    i-th step, each the JSON object the SDK sends, e.g. ``{"actionType": 0, "functionName":
    "SayHello", "input": "\\"Tokyo\\""}``)."""

    is_done: bool
    output: Any
    error: str | None
    custom_status: Any
    actions: list[list[dict[str, Any]]]
    raw: dict[str, Any]
    #: what the orchestrator raised, when it failed (its state is still returned).
    exception: BaseException | None = None

    @property
    def activities(self) -> list[str]:
        """The names of the activities called, in order (steps flattened)."""
        return [a["functionName"] for step in self.actions for a in _flatten(step)
                if a.get("actionType") in (0, 1)]

    @classmethod
    def from_state(cls, state: str | dict[str, Any]) -> OrchestrationResult:
        """Read the state JSON an orchestrator returns.

        Raises:
            ArgumentValueError: if ``state`` is not such a JSON object.
        """
        try:
            raw = json.loads(state) if isinstance(state, str) else dict(state)
        except ValueError as exc:
            raise ArgumentValueError(f"the orchestrator state is not JSON: {exc}") from None
        if not isinstance(raw, dict) or "actions" not in raw:
            raise ArgumentValueError("the orchestrator state has no \"actions\"")
        return cls(
            is_done=bool(raw.get("isDone")),
            output=raw.get("output"),
            error=raw.get("error"),
            custom_status=raw.get("customStatus"),
            actions=[list(step) for step in raw["actions"]],
            raw=raw,
        )


#: what precedes the state in the exception the SDK raises for a failed orchestrator.
_FAILED_STATE: Final = "$OutOfProcData$:"


def _flatten(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for action in actions:
        out.append(action)
        out.extend(_flatten(action.get("compoundActions", [])))
    return out


def _orchestrator_module() -> Any:
    import importlib

    try:
        return importlib.import_module("azure.durable_functions.orchestrator")
    except ImportError as exc:
        raise ConfigurationError(
            "running an orchestrator needs Microsoft's Durable SDK: pip install "
            f"azure-functions-durable ({exc})"
        ) from exc


def run_orchestrator(orchestrator: Callable[..., Any], history: History | str) -> \
        OrchestrationResult:
    """Replay ``orchestrator`` (a generator function taking the SDK's
    ``DurableOrchestrationContext``; the azfunc-decorated function itself) over ``history``
    with the SDK's own replay code, and return what it decided.

    Raises:
        ConfigurationError: if ``azure-functions-durable`` is not installed.
        ArgumentTypeError: if ``orchestrator`` is not callable.
    """
    if not callable(orchestrator):
        raise ArgumentTypeError(f"run_orchestrator() takes a function, got {orchestrator!r}")
    target = getattr(orchestrator, "user_function", orchestrator)
    target = getattr(target, "orchestrator_function", target)
    module = _orchestrator_module()
    text = history if isinstance(history, str) else history.to_json()
    try:
        state = module.Orchestrator.create(target)(text)
    except Exception as exc:
        # an orchestrator that raised: the SDK raises with the state after a marker, which
        # the host reads; the test gets that state (``error`` set), the cause chained
        marker = str(exc).partition(_FAILED_STATE)
        if not marker[1]:
            raise
        result = OrchestrationResult.from_state(marker[2])
        return dataclasses.replace(result, exception=exc)
    return OrchestrationResult.from_state(state)
