"""Input and output binding decorators, with ``azure-functions`` keywords.

Rules this module keeps: the same as :mod:`azfunc.app._triggers` — each method states its
keywords and binding type only; output bindings have direction ``out`` and their parameter
is annotated ``azfunc.Out[...]`` (or the binding is named ``$return``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._base import F
from ._triggers import KAFKA_CLIENT_KEYWORDS, TriggerDecorators, kafka_properties

__all__ = ["BindingDecorators"]

_DataType = Any  # DataType | str | None


class BindingDecorators(TriggerDecorators):
    """The trigger, input and output decorators shared by apps and blueprints."""

    def queue_output(
        self, arg_name: str, queue_name: str, connection: str, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Storage queue output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"queue_name": queue_name, "connection": connection}
        return self._binding("queue", "out", arg_name, data_type, props, kwargs)

    def blob_input(
        self, arg_name: str, path: str, connection: str, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Storage blob input.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"path": path, "connection": connection}
        return self._binding("blob", "in", arg_name, data_type, props, kwargs)

    def blob_output(
        self, arg_name: str, path: str, connection: str, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Storage blob output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"path": path, "connection": connection}
        return self._binding("blob", "out", arg_name, data_type, props, kwargs)

    def event_hub_output(
        self, arg_name: str, connection: str, event_hub_name: str, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Event Hubs output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {"connection": connection, "event_hub_name": event_hub_name}
        return self._binding("eventHub", "out", arg_name, data_type, props, kwargs)

    def service_bus_queue_output(
        self, arg_name: str, connection: str, queue_name: str, data_type: _DataType = None,
        access_rights: Any = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Service Bus queue output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "queue_name": queue_name,
            "access_rights": access_rights,
        }
        return self._binding("serviceBus", "out", arg_name, data_type, props, kwargs)

    def service_bus_topic_output(
        self, arg_name: str, connection: str, topic_name: str,
        subscription_name: str | None = None, data_type: _DataType = None,
        access_rights: Any = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Service Bus topic output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "topic_name": topic_name,
            "subscription_name": subscription_name,
            "access_rights": access_rights,
        }
        return self._binding("serviceBus", "out", arg_name, data_type, props, kwargs)

    def event_grid_output(
        self, arg_name: str, topic_endpoint_uri: str | None = None,
        topic_key_setting: str | None = None, connection: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Event Grid output (a topic endpoint and key setting, or a connection).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "topic_endpoint_uri": topic_endpoint_uri,
            "topic_key_setting": topic_key_setting,
            "connection": connection,
        }
        return self._binding("eventGrid", "out", arg_name, data_type, props, kwargs)

    def cosmos_db_input(
        self, arg_name: str, connection: str, database_name: str, container_name: str,
        partition_key: str | None = None, id: str | None = None,  # noqa: A002
        sql_query: str | None = None, preferred_locations: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB input (one document by ``id`` or a ``sql_query``).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "database_name": database_name,
            "container_name": container_name,
            "partition_key": partition_key,
            "id": id,
            "sql_query": sql_query,
            "preferred_locations": preferred_locations,
        }
        return self._binding("cosmosDB", "in", arg_name, data_type, props, kwargs)

    def cosmos_db_output(
        self, arg_name: str, connection: str, database_name: str, container_name: str,
        create_if_not_exists: bool | None = None, partition_key: str | None = None,
        container_throughput: int | None = None, preferred_locations: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "connection": connection,
            "database_name": database_name,
            "container_name": container_name,
            "create_if_not_exists": create_if_not_exists,
            "partition_key": partition_key,
            "container_throughput": container_throughput,
            "preferred_locations": preferred_locations,
        }
        return self._binding("cosmosDB", "out", arg_name, data_type, props, kwargs)

    def kafka_output(
        self, arg_name: str, topic: str, broker_list: str, avro_schema: str | None = None,
        key_avro_schema: str | None = None, key_data_type: Any = "STRING",
        username: str | None = None, password: str | None = None,
        ssl_key_location: str | None = None, ssl_ca_location: str | None = None,
        ssl_certificate_location: str | None = None, ssl_key_password: str | None = None,
        ssl_certificate_pem: str | None = None, ssl_key_pem: str | None = None,
        ssl_ca_pem: str | None = None, ssl_certificate_and_key_pem: str | None = None,
        schema_registry_url: str | None = None, schema_registry_username: str | None = None,
        schema_registry_password: str | None = None, o_auth_bearer_method: Any = None,
        o_auth_bearer_client_id: str | None = None,
        o_auth_bearer_client_secret: str | None = None,
        o_auth_bearer_scope: str | None = None,
        o_auth_bearer_token_endpoint_url: str | None = None,
        o_auth_bearer_extensions: str | None = None, max_message_bytes: int = 1000000,
        batch_size: int = 10000, enable_idempotence: bool = False,
        message_timeout_ms: int = 300000, request_timeout_ms: int = 5000,
        max_retries: int = 2147483647, authentication_mode: Any = "NOTSET",
        protocol: Any = "NOTSET", linger_ms: int = 5, data_type: _DataType = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Kafka output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = kafka_properties(
            locals(),
            "topic",
            "broker_list",
            *KAFKA_CLIENT_KEYWORDS,
            "max_message_bytes",
            "batch_size",
            "enable_idempotence",
            "message_timeout_ms",
            "request_timeout_ms",
            "max_retries",
            "authentication_mode",
            "protocol",
            "linger_ms",
        )
        return self._binding("kafka", "out", arg_name, data_type, props, kwargs)

    def sql_input(
        self, arg_name: str, command_text: str, connection_string_setting: str,
        command_type: str | None = "Text", parameters: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure SQL input (a query or stored procedure).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "command_text": command_text,
            "connection_string_setting": connection_string_setting,
            "command_type": command_type,
            "parameters": parameters,
        }
        return self._binding("sql", "in", arg_name, data_type, props, kwargs)

    def sql_output(
        self, arg_name: str, command_text: str, connection_string_setting: str,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure SQL output (``command_text`` names the table).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = {
            "command_text": command_text,
            "connection_string_setting": connection_string_setting,
        }
        return self._binding("sql", "out", arg_name, data_type, props, kwargs)

    def generic_input_binding(
        self, arg_name: str, type: str, data_type: _DataType = None, **kwargs: Any  # noqa: A002
    ) -> Callable[[F], F]:
        """An input binding of any ``type``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding(type, "in", arg_name, data_type, None, kwargs)

    def generic_output_binding(
        self, arg_name: str, type: str, data_type: _DataType = None, **kwargs: Any  # noqa: A002
    ) -> Callable[[F], F]:
        """An output binding of any ``type``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding(type, "out", arg_name, data_type, None, kwargs)
