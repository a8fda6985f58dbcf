"""Trigger decorators (``route``, ``queue_trigger``, ...), with ``azure-functions`` keywords.

Rules this module keeps:

* Each method only states its keywords and the binding type; :class:`DecoratorBase` does
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

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, Final

from ._base import DecoratorBase, F

__all__ = ["KAFKA_CLIENT_KEYWORDS", "TriggerDecorators", "kafka_properties"]

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


class TriggerDecorators(DecoratorBase):
    """The trigger decorators of :class:`FunctionApp` and :class:`Blueprint`."""

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
        preferred_locations: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB change-feed trigger (extension 4.x keywords).

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
        }
        return self._binding("cosmosDBTrigger", "in", arg_name, data_type, props, kwargs)

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
