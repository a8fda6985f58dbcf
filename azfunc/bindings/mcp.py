"""MCP (Model Context Protocol) triggers: tools, resources and prompts served by the host.

Rules this module keeps:

* The host sends the MCP request as JSON text (``{"name", "arguments", "sessionid", ...}``).
  A parameter annotated :class:`MCPToolContext` (a ``dict``) receives it parsed; one annotated
  :class:`PromptInvocationContext` receives the prompt view of it; ``str`` (or none) receives
  the text as sent; ``dict`` the parsed object.
* The three triggers have an implicit output: the function's return value is the tool's,
  resource's or prompt's result, sent as text (``str`` as is, anything else JSON-serialised).
* :func:`mcp_content` marks a result class; an ``mcp_tool()`` whose return annotation is a
  marked class (or ``Optional`` of one) sends structured content, as with
  ``use_result_schema=True`` (``azure-functions`` 1.26/2.x).
* Bad input raises :class:`~azfunc.ConversionError`; never a ``json``/``Unicode`` error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from .._datum import Datum
from .._errors import ArgumentTypeError, ConversionError
from .._registry import Converter
from .._typing import unwrap_optional
from ._bodies import payload_value

__all__ = [
    "CONVERTERS",
    "MCPToolContext",
    "McpTriggerConverter",
    "PromptArgument",
    "PromptInvocationContext",
    "is_mcp_content",
    "mcp_content",
]

T = TypeVar("T", bound=type)


def mcp_content(cls: T) -> T:
    """Mark ``cls`` as an MCP result type: an ``mcp_tool()`` returning it sends its fields as
    structured content besides the text (``azure-functions``' ``mcp_content``).

    Example:
        >>> @mcp_content
        ... class Weather:
        ...     pass
        >>> is_mcp_content(Weather), is_mcp_content(Weather()), is_mcp_content(dict)
        (True, True, False)

    Raises:
        ArgumentTypeError: if ``cls`` is not a class.
    """
    if not isinstance(cls, type):
        raise ArgumentTypeError(f"mcp_content decorates a class, got {cls!r}")
    cls.__mcp_content__ = True  # type: ignore[attr-defined]
    return cls


def is_mcp_content(obj: Any) -> bool:
    """Whether ``obj`` (a class or an instance) is marked with :func:`mcp_content`."""
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(cls, "__mcp_content__", False) is True


class MCPToolContext(dict[str, Any]):
    """The MCP request of a tool call, parsed: ``name``, ``arguments``, ``sessionid``, ...

    Example:
        >>> ctx = MCPToolContext({"name": "add", "arguments": {"a": 1}})
        >>> ctx["arguments"]["a"], isinstance(ctx, dict)
        (1, True)
    """


class PromptInvocationContext:
    """The MCP request of a prompt: its name, arguments (strings), session and transport.

    Example:
        >>> ctx = PromptInvocationContext('{"name": "greet", "arguments": {"who": "Ada"}}')
        >>> ctx.name, ctx.arguments["who"], ctx.sessionid
        ('greet', 'Ada', None)

    Raises:
        ConversionError: if ``data`` is text that is not a JSON object.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | str | bytes) -> None:
        if isinstance(data, (str, bytes)):
            data = _parse_object(data, "mcpPromptTrigger")
        self._data: dict[str, Any] = dict(data) if isinstance(data, Mapping) else {}

    @property
    def name(self) -> str:
        """The name of the prompt invoked."""
        return str(self._data.get("name", ""))

    @property
    def arguments(self) -> dict[str, str]:
        """The prompt's arguments by name."""
        value = self._data.get("arguments")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def sessionid(self) -> str | None:
        """The MCP session id, if the host sent one."""
        value = self._data.get("sessionid")
        return None if value is None else str(value)

    @property
    def transport(self) -> dict[str, Any] | None:
        """What the host says of the transport, if anything."""
        value = self._data.get("transport")
        return dict(value) if isinstance(value, Mapping) else None

    def __repr__(self) -> str:
        return f"PromptInvocationContext(name={self.name!r}, arguments={self.arguments!r})"


@dataclass(frozen=True)
class PromptArgument:
    """One argument of an MCP prompt (``mcp_prompt_trigger(prompt_arguments=[...])``).

    Example:
        >>> PromptArgument("code", "The code to review", required=True).to_dict()
        {'name': 'code', 'description': 'The code to review', 'required': True}
    """

    name: str
    description: str | None = None
    required: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The form the host reads (``promptArguments`` holds a JSON list of these)."""
        return {"name": self.name, "description": self.description, "required": self.required}


def _parse_object(text: str | bytes, binding: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConversionError(f"the {binding} payload is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConversionError(f"the {binding} payload is not a JSON object")
    return value


class McpTriggerConverter(Converter):
    """An MCP trigger: the request in (see the module rules), the result out as text.

    Example:
        >>> conv = McpTriggerConverter("mcpToolTrigger")
        >>> conv.decode(Datum('{"arguments": {"a": 1}}', "json"), pytype=MCPToolContext)
        {'arguments': {'a': 1}}
        >>> conv.encode({"ok": True})
        <Datum string '{"ok": true}'>
    """

    def __init__(self, binding: str) -> None:
        self.binding = binding

    def has_trigger_support(self) -> bool:
        """This is a trigger."""
        return True

    def has_implicit_output(self) -> bool:
        """The function's return value is the result sent back to the client."""
        return True

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``dict``, :class:`MCPToolContext` or
        :class:`PromptInvocationContext` (or unannotated)."""
        pytype = unwrap_optional(pytype)
        return pytype is None or pytype is Any or (
            isinstance(pytype, type)
            and issubclass(pytype, (str, bytes, dict, PromptInvocationContext))
        )

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """Any result (text, or JSON-serialisable)."""
        return True

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Datum] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The request as the parameter's annotation asks for it.

        Raises:
            ConversionError: if the payload is not text, or not a JSON object when a parsed
                form is asked for.
        """
        text = payload_value(self, datum, "string", "json", "bytes", "null")
        pytype = unwrap_optional(pytype)
        if pytype is bytes:
            return text.encode("utf-8") if isinstance(text, str) else text
        if isinstance(pytype, type) and issubclass(pytype, PromptInvocationContext):
            return pytype(text or "{}")
        if isinstance(pytype, type) and issubclass(pytype, dict):
            parsed = _parse_object(text or "{}", self.binding)
            return parsed if pytype is dict else pytype(parsed)
        if isinstance(text, bytes):
            try:
                return text.decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(f"the {self.binding} payload is not UTF-8") from None
        return text

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """The result as a ``string`` Datum (``None``: an empty result).

        Raises:
            ConversionError: if the result is neither text nor JSON-serialisable.
        """
        if obj is None:
            return Datum("", "string")
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, (bytes, bytearray)):
            return Datum(bytes(obj), "bytes")
        try:
            return Datum(json.dumps(obj), "string")
        except (TypeError, ValueError) as exc:
            raise ConversionError(
                f"the {self.binding} result must be text or JSON-serialisable: {exc}"
            ) from None


CONVERTERS: Final[dict[str, Converter]] = {
    name: McpTriggerConverter(name)
    for name in ("mcpToolTrigger", "mcpResourceTrigger", "mcpPromptTrigger")
}
