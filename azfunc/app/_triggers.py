"""Trigger decorators (``route``, ``queue_trigger``, ...), with ``azure-functions`` keywords.

Rules this module keeps:

* Each method only states its keywords and the binding type; :class:`DecoratorApi` does
  the rest (camelCase keys, ``None`` dropped, enums written as values).
* ``route`` adds an ``httpTrigger`` named ``trigger_arg_name`` (default ``req``) and an
  ``http`` output named ``binding_arg_name`` (default ``$return``); its ``route`` defaults
  to the function name and its ``authLevel`` to the app's ``http_auth_level``; methods are
  written upper-case.
* Kafka keywords whose defaults ``azure-functions`` writes into ``function.json`` are written
  with the same defaults here, so both produce the same binding. The client keywords the
  Kafka trigger and output share are listed once, in :data:`KAFKA_CLIENT_KEYWORDS`.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, Final

from .._errors import FunctionLoadError
from ._adapters import (
    entity_adapter,
    mcp_description,
    mcp_tool_adapter,
    mcp_tool_properties,
    orchestrator_adapter,
)
from ._base import DecoratorApi, F, normalise
from .enums import DeliveryMode, McpPropertyType

__all__ = [
    "KAFKA_CLIENT_KEYWORDS",
    "TriggerApi",
    "given",
    "kafka_properties",
    "returns_mcp_content",
]


def given(arguments: Mapping[str, Any], *skip: str) -> dict[str, Any]:
    """The keywords of a decorator, in order, from its ``locals()`` (``self``, ``kwargs``
    and ``skip`` left out).

    Example:
        >>> given({"self": 0, "arg_name": "x", "table_name": "t", "kwargs": {}}, "arg_name")
        {'table_name': 't'}
    """
    left_out = {"self", "kwargs", *skip}
    return {k: v for k, v in arguments.items() if k not in left_out}


_given = given


def returns_mcp_content(func: Callable[..., Any]) -> bool:
    """Whether ``func``'s return annotation is a class marked with ``mcp_content`` (or an
    ``Optional``/union holding one); annotations that do not resolve count as unmarked.

    Example:
        >>> from azfunc.bindings.mcp import mcp_content
        >>> @mcp_content
        ... class Result: ...
        >>> def tool() -> Result | None: ...
        >>> returns_mcp_content(tool), returns_mcp_content(lambda: None)
        (True, False)
    """
    from ..bindings.mcp import is_mcp_content

    try:
        annotation = typing.get_type_hints(func).get("return")
    except Exception:  # unresolvable forward references: the marker cannot be seen
        annotation = getattr(func, "__annotations__", {}).get("return")
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    candidates = typing.get_args(annotation) if union else (annotation,)
    return any(isinstance(c, type) and is_mcp_content(c) for c in candidates)


def _prompt_argument(arg: Any, binding: str) -> dict[str, Any]:
    to_dict = getattr(arg, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if isinstance(arg, Mapping):
        return dict(arg)
    raise FunctionLoadError(
        f"prompt_arguments holds a {type(arg).__name__}; give PromptArgument objects",
        binding=binding,
    )

_DataType = Any  # DataType | str | None


#: the keywords ``kafka_trigger`` and ``kafka_output`` share, in the order both write them.
KAFKA_CLIENT_KEYWORDS: Final = (
    "avro_schema",
    "key_avro_schema",
    "key_data_type",
    "username",
    "password",
    "ssl_key_location",
    "ssl_ca_location",
    "ssl_certificate_location",
    "ssl_key_password",
    "ssl_certificate_pem",
    "ssl_key_pem",
    "ssl_ca_pem",
    "ssl_certificate_and_key_pem",
    "schema_registry_url",
    "schema_registry_username",
    "schema_registry_password",
    "o_auth_bearer_method",
    "o_auth_bearer_client_id",
    "o_auth_bearer_client_secret",
    "o_auth_bearer_scope",
    "o_auth_bearer_token_endpoint_url",
    "o_auth_bearer_extensions",
)

#: Kafka keywords whose enum values are written upper-case, as ``azure-functions`` writes them.
_KAFKA_ENUM_KEYWORDS: Final = frozenset(
    {"key_data_type", "o_auth_bearer_method", "authentication_mode", "protocol"}
)


def kafka_enum(value: Any) -> Any:
    """Kafka enum keywords are written upper-case, as ``azure-functions`` writes them."""
    if isinstance(value, Enum):
        return value.name
    return value.upper() if isinstance(value, str) else value


def kafka_properties(arguments: Mapping[str, Any], *keywords: str) -> dict[str, Any]:
    """The properties of a Kafka decorator: ``keywords`` in order, read from ``arguments``
    (the decorator's ``locals()``), enum keywords upper-cased.

    Example:
        >>> kafka_properties({"topic": "t", "protocol": "sasl_ssl"}, "topic", "protocol")
        {'topic': 't', 'protocol': 'SASL_SSL'}
    """
    return {
        keyword: kafka_enum(arguments[keyword])
        if keyword in _KAFKA_ENUM_KEYWORDS
        else arguments[keyword]
        for keyword in keywords
    }


class TriggerApi(DecoratorApi):
    """The trigger decorators of :class:`FunctionApp` and :class:`Blueprint`
    (``azure-functions``' ``TriggerApi``)."""

    def route(
        self,
        route: str | None = None,
        trigger_arg_name: str = "req",
        binding_arg_name: str = "$return",
        methods: Iterable[str | Enum] | None = None,
        auth_level: Any = None,
        trigger_extra_fields: Mapping[str, Any] | None = None,
        binding_extra_fields: Mapping[str, Any] | None = None,
    ) -> Callable[[F], F]:
        """An HTTP trigger and its HTTP response binding.

        Example:
            >>> from azfunc.app.decorators import FunctionApp
            >>> app = FunctionApp()
            >>> @app.route(route="hi", methods=["get"])
            ... def hello(req): return "hi"
            >>> hello(None), [b.type for b in app.get_functions()[0].bindings]
            ('hi', ['httpTrigger', 'http'])

        Raises:
            FunctionLoadError: for an unknown auth level.
        """
        verbs = None
        if methods is not None:
            verbs = [str(getattr(m, "value", m)).upper() for m in methods]
        trigger = self._binding(
            "httpTrigger",
            "in",
            trigger_arg_name,
            None,
            {"methods": verbs, "auth_level": auth_level, "route": route},
            trigger_extra_fields,
            default_route=route is None,
            default_auth=auth_level is None,
        )
        output = self._binding("http", "out", binding_arg_name, None, None, binding_extra_fields)

        def decorator(func: F) -> F:
            return trigger(output(func))

        return decorator

    def queue_trigger(
        self, arg_name: str, queue_name: str, connection: str, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Storage queue trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"queue_name": queue_name, "connection": connection}
        return self._binding("queueTrigger", "in", arg_name, data_type, props, kwargs)

    def blob_trigger(
        self, arg_name: str, path: str, connection: str, source: Any = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Storage blob trigger (``source``: ``EventGrid`` or ``LogsAndContainerScan``).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"path": path, "connection": connection, "source": source}
        return self._binding("blobTrigger", "in", arg_name, data_type, props, kwargs)

    def timer_trigger(
        self, arg_name: str, schedule: str, run_on_startup: bool | None = None,
        use_monitor: bool | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A timer trigger on an NCRONTAB ``schedule``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "schedule": schedule,
            "run_on_startup": run_on_startup,
            "use_monitor": use_monitor,
        }
        return self._binding("timerTrigger", "in", arg_name, data_type, props, kwargs)

    schedule = timer_trigger

    def warm_up_trigger(
        self, arg_name: str, data_type: _DataType = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """A warm-up trigger (runs when an instance is added).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding("warmupTrigger", "in", arg_name, data_type, None, kwargs)

    def event_hub_message_trigger(
        self, arg_name: str, connection: str, event_hub_name: str, data_type: _DataType = None,
        cardinality: Any = None, consumer_group: str | None = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Event Hubs trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "event_hub_name": event_hub_name,
            "cardinality": cardinality,
            "consumer_group": consumer_group,
        }
        return self._binding("eventHubTrigger", "in", arg_name, data_type, props, kwargs)

    def service_bus_queue_trigger(
        self, arg_name: str, connection: str, queue_name: str, data_type: _DataType = None,
        access_rights: Any = None, is_sessions_enabled: bool | None = None,
        cardinality: Any = None, auto_complete_messages: bool | None = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Service Bus queue trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "queue_name": queue_name,
            "access_rights": access_rights,
            "is_sessions_enabled": is_sessions_enabled,
            "cardinality": cardinality,
            "auto_complete_messages": auto_complete_messages,
        }
        return self._binding("serviceBusTrigger", "in", arg_name, data_type, props, kwargs)

    def service_bus_topic_trigger(
        self, arg_name: str, connection: str, topic_name: str, subscription_name: str,
        data_type: _DataType = None, access_rights: Any = None,
        is_sessions_enabled: bool | None = None, cardinality: Any = None,
        auto_complete_messages: bool | None = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Service Bus topic subscription trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "topic_name": topic_name,
            "subscription_name": subscription_name,
            "access_rights": access_rights,
            "is_sessions_enabled": is_sessions_enabled,
            "cardinality": cardinality,
            "auto_complete_messages": auto_complete_messages,
        }
        return self._binding("serviceBusTrigger", "in", arg_name, data_type, props, kwargs)

    def event_grid_trigger(
        self, arg_name: str, data_type: _DataType = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """An Event Grid trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding("eventGridTrigger", "in", arg_name, data_type, None, kwargs)

    def cosmos_db_trigger(
        self, arg_name: str, connection: str, database_name: str, container_name: str,
        lease_connection: str | None = None, lease_database_name: str | None = None,
        lease_container_name: str | None = None,
        create_lease_container_if_not_exists: bool | None = None,
        leases_container_throughput: int | None = None,
        lease_container_prefix: str | None = None, feed_poll_delay: int | None = None,
        lease_acquire_interval: int | None = None, lease_expiration_interval: int | None = None,
        lease_renew_interval: int | None = None, max_items_per_invocation: int | None = None,
        start_from_beginning: Any = None, start_from_time: Any = None,
        preferred_locations: str | None = None, change_feed_mode: Any = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB change-feed trigger (extension 4.x keywords; ``change_feed_mode`` a
        :class:`~azfunc.CosmosDBChangeFeedMode`).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "database_name": database_name,
            "container_name": container_name,
            "lease_connection": lease_connection,
            "lease_database_name": lease_database_name,
            "lease_container_name": lease_container_name,
            "create_lease_container_if_not_exists": create_lease_container_if_not_exists,
            "leases_container_throughput": leases_container_throughput,
            "lease_container_prefix": lease_container_prefix,
            "feed_poll_delay": feed_poll_delay,
            "lease_acquire_interval": lease_acquire_interval,
            "lease_expiration_interval": lease_expiration_interval,
            "lease_renew_interval": lease_renew_interval,
            "max_items_per_invocation": max_items_per_invocation,
            "start_from_beginning": start_from_beginning,
            "start_from_time": start_from_time,
            "preferred_locations": preferred_locations,
            "change_feed_mode": change_feed_mode,
        }
        return self._binding("cosmosDBTrigger", "in", arg_name, data_type, props, kwargs)

    def cosmos_db_trigger_v3(
        self, arg_name: str, database_name: str, collection_name: str,
        connection_string_setting: str, lease_collection_name: str | None = None,
        lease_connection_string_setting: str | None = None,
        lease_database_name: str | None = None,
        create_lease_collection_if_not_exists: bool | None = None,
        leases_collection_throughput: int | None = None,
        lease_collection_prefix: str | None = None, checkpoint_interval: int | None = None,
        checkpoint_document_count: int | None = None, feed_poll_delay: int | None = None,
        lease_renew_interval: int | None = None, lease_acquire_interval: int | None = None,
        lease_expiration_interval: int | None = None,
        max_items_per_invocation: int | None = None, start_from_beginning: bool | None = None,
        preferred_locations: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB change-feed trigger (extension 3.x keywords: collections).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = _given(locals(), "arg_name", "data_type")
        return self._binding("cosmosDBTrigger", "in", arg_name, data_type, props, kwargs)

    def sql_trigger(
        self, arg_name: str, table_name: str, connection_string_setting: str,
        leases_table_name: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure SQL change trigger on ``table_name``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = _given(locals(), "arg_name", "data_type")
        return self._binding("sqlTrigger", "in", arg_name, data_type, props, kwargs)

    def mysql_trigger(
        self, arg_name: str, table_name: str, connection_string_setting: str,
        leases_table_name: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure Database for MySQL change trigger on ``table_name``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = _given(locals(), "arg_name", "data_type")
        return self._binding("mysqlTrigger", "in", arg_name, data_type, props, kwargs)

    def connector_trigger(
        self, arg_name: str, data_type: _DataType = None, delivery_mode: Any = None,
        connection: str | None = None, trigger_config_name: str | None = None,
        cardinality: Any = None, max_batch_size: int | None = None,
        max_concurrent_calls: int | None = None,
        target_pending_event_threshold: int | None = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Logic Apps connector trigger. ``delivery_mode`` is a :class:`DeliveryMode`
        (``Webhook`` when left out); ``Poll`` needs ``connection`` and
        ``trigger_config_name`` (``azure-functions`` 2.4).

        Raises:
            FunctionLoadError: for an unknown ``delivery_mode``/``cardinality``, or ``Poll``
                without ``connection`` or ``trigger_config_name``.
        """
        props = given(locals(), "arg_name", "data_type")
        if normalise("delivery_mode", delivery_mode, arg_name) == DeliveryMode.POLL.value:
            missing = [k for k in ("connection", "trigger_config_name") if props[k] is None]
            if missing:
                raise FunctionLoadError(
                    f"delivery_mode=Poll needs {' and '.join(missing)}", binding=arg_name)
        return self._binding("connectorTrigger", "in", arg_name, data_type, props, kwargs)

    # --- Durable Functions -------------------------------------------------------------

    def orchestration_trigger(
        self, context_name: str, orchestration: str | None = None
    ) -> Callable[[F], F]:
        """A Durable orchestrator. A generator function (written with
        ``azure-functions-durable``) is run through the SDK's replay when invoked.

        Raises:
            FunctionLoadError: for an empty ``context_name``.
        """
        trigger = self._binding(
            "orchestrationTrigger", "in", context_name, None, {"orchestration": orchestration}
        )
        adapt = self._adapt(orchestrator_adapter)
        return lambda func: adapt(trigger(func))

    def activity_trigger(self, input_name: str, activity: str | None = None) -> Callable[[F], F]:
        """A Durable activity; its return value is the activity's result.

        Raises:
            FunctionLoadError: for an empty ``input_name``.
        """
        return self._binding("activityTrigger", "in", input_name, None, {"activity": activity})

    def entity_trigger(
        self, context_name: str, entity_name: str | None = None
    ) -> Callable[[F], F]:
        """A Durable entity. One whose context is annotated with an SDK type (or not at
        all) is run through ``azure-functions-durable``'s ``Entity`` when invoked.

        Raises:
            FunctionLoadError: for an empty ``context_name``.
        """
        trigger = self._binding(
            "entityTrigger", "in", context_name, None, {"entity_name": entity_name}
        )
        adapt = self._adapt(entity_adapter)
        return lambda func: adapt(trigger(func))

    # --- Dapr ----------------------------------------------------------------------------

    def dapr_service_invocation_trigger(
        self, arg_name: str, method_name: str, data_type: _DataType = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """A Dapr service invocation trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"method_name": method_name}
        return self._binding(
            "daprServiceInvocationTrigger", "in", arg_name, data_type, props, kwargs
        )

    def dapr_binding_trigger(
        self, arg_name: str, binding_name: str, data_type: _DataType = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """A Dapr input binding trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"binding_name": binding_name}
        return self._binding("daprBindingTrigger", "in", arg_name, data_type, props, kwargs)

    def dapr_topic_trigger(
        self, arg_name: str, pub_sub_name: str, topic: str, route: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr topic trigger (``route`` defaults to ``topic``).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"pub_sub_name": pub_sub_name, "topic": topic, "route": route or topic}
        return self._binding("daprTopicTrigger", "in", arg_name, data_type, props, kwargs)

    # --- OpenAI --------------------------------------------------------------------------

    def assistant_skill_trigger(
        self, arg_name: str, function_description: str, function_name: str | None = None,
        parameter_description_json: str | None = None, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """An OpenAI assistant skill (a function the assistant may call).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = _given(locals(), "arg_name", "data_type")
        return self._binding("assistantSkillTrigger", "in", arg_name, data_type, props, kwargs)

    # --- MCP -----------------------------------------------------------------------------

    def mcp_tool_trigger(
        self, arg_name: str, tool_name: str, description: str | None = None,
        tool_properties: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An MCP tool, its properties given as JSON text.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {**_given(locals(), "arg_name", "data_type"), "use_result_schema": False}
        return self._binding("mcpToolTrigger", "in", arg_name, data_type, props, kwargs)

    def mcp_tool(
        self, metadata: str | None = None, use_result_schema: bool | None = False
    ) -> Callable[[F], F]:
        """An MCP tool read from the function itself: its name, its docstring as the
        description, its parameters as the tool's properties (``mcp_tool_property`` adds
        descriptions). The host calls it with the request's arguments. A return annotation
        marked with :func:`~azfunc.mcp_content` turns ``use_result_schema`` on.

        Raises:
            FunctionLoadError: if the function takes ``*args``/``**kwargs`` only.
        """
        asked = bool(use_result_schema)

        def late(entry: Any) -> Any:
            skip = {spec.name for spec in entry.specs}
            props = mcp_tool_properties(entry.func, skip, entry.mcp_properties)
            return self._spec("mcpToolTrigger", "in", "context", None, {
                "tool_name": getattr(entry.func, "__name__", "tool"),
                "description": mcp_description(entry.func),
                "tool_properties": json.dumps(props),
                "metadata": metadata,
                "use_result_schema": asked or returns_mcp_content(entry.func),
            })

        def decorator(func: F) -> F:
            entry = self._entry(func)
            entry.late_specs.append(late)
            entry.adapter = mcp_tool_adapter(asked or returns_mcp_content(func))
            return func

        return decorator

    def mcp_tool_property(
        self, arg_name: str, description: str | None = None, property_type: Any = None,
        is_required: bool | None = True, as_array: bool | None = False,
    ) -> Callable[[F], F]:
        """Describe one parameter of an ``mcp_tool()`` (its description, type, whether it
        is required, whether it is a list).

        Raises:
            FunctionLoadError: for an unknown ``property_type``.
        """
        kind = None
        if property_type is not None:
            try:
                kind = McpPropertyType(property_type).value
            except ValueError:
                raise FunctionLoadError(
                    f"property_type={property_type!r} is not an McpPropertyType",
                    binding=arg_name,
                ) from None
        override = {"description": description, "propertyType": kind,
                    "isRequired": is_required, "isArray": as_array}

        def decorator(func: F) -> F:
            self._entry(func).mcp_properties[arg_name] = override
            return func

        return decorator

    def mcp_resource_trigger(
        self, arg_name: str, uri: str, resource_name: str, title: str | None = None,
        description: str | None = None, mime_type: str | None = None, size: int | None = None,
        metadata: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An MCP resource at ``uri``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = _given(locals(), "arg_name", "data_type")
        return self._binding("mcpResourceTrigger", "in", arg_name, data_type, props, kwargs)

    def mcp_prompt_trigger(
        self, arg_name: str, prompt_name: str, prompt_arguments: list[Any] | None = None,
        title: str | None = None, description: str | None = None,
        metadata: str | None = None, icons: str | None = None, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """An MCP prompt; ``prompt_arguments`` is a list of :class:`~azfunc.PromptArgument`
        (written as the JSON list the host reads).

        Raises:
            FunctionLoadError: for an invalid keyword value or a prompt argument that is not
                a PromptArgument or a mapping.
        """
        props = _given(locals(), "arg_name", "data_type", "prompt_arguments")
        if prompt_arguments:
            props["prompt_arguments"] = json.dumps(
                [_prompt_argument(arg, arg_name) for arg in prompt_arguments],
                separators=(",", ":"),
            )
        return self._binding("mcpPromptTrigger", "in", arg_name, data_type, props, kwargs)

    def kafka_trigger(
        self, arg_name: str, topic: str, broker_list: str,
        event_hub_connection_string: str | None = None, consumer_group: str | None = None,
        avro_schema: str | None = None, key_avro_schema: str | None = None,
        key_data_type: Any = "STRING", username: str | None = None,
        password: str | None = None, ssl_key_location: str | None = None,
        ssl_ca_location: str | None = None, ssl_certificate_location: str | None = None,
        ssl_key_password: str | None = None, ssl_certificate_pem: str | None = None,
        ssl_key_pem: str | None = None, ssl_ca_pem: str | None = None,
        ssl_certificate_and_key_pem: str | None = None, schema_registry_url: str | None = None,
        schema_registry_username: str | None = None,
        schema_registry_password: str | None = None, o_auth_bearer_method: Any = None,
        o_auth_bearer_client_id: str | None = None,
        o_auth_bearer_client_secret: str | None = None,
        o_auth_bearer_scope: str | None = None,
        o_auth_bearer_token_endpoint_url: str | None = None,
        o_auth_bearer_extensions: str | None = None, authentication_mode: Any = "NotSet",
        protocol: Any = "NotSet", cardinality: Any = "One", lag_threshold: int = 1000,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Kafka trigger.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = kafka_properties(
            locals(),
            "topic",
            "broker_list",
            "event_hub_connection_string",
            "consumer_group",
            *KAFKA_CLIENT_KEYWORDS,
            "authentication_mode",
            "protocol",
            "cardinality",
            "lag_threshold",
        )
        return self._binding("kafkaTrigger", "in", arg_name, data_type, props, kwargs)

    def generic_trigger(
        self, arg_name: str, type: str, data_type: _DataType = None, **kwargs: Any  # noqa: A002
    ) -> Callable[[F], F]:
        """A trigger of any ``type``; every other keyword becomes a camelCase property.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding(type, "in", arg_name, data_type, None, kwargs)
