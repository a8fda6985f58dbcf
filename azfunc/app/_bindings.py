"""Input and output binding decorators, with ``azure-functions`` keywords.

Rules this module keeps: the same as :mod:`azfunc.app._triggers` — each method states its
keywords and binding type only; output bindings have direction ``out`` and their parameter
is annotated ``azfunc.Out[...]`` (or the binding is named ``$return``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._adapters import client_adapter
from ._base import DecoratorApi, F
from ._triggers import KAFKA_CLIENT_KEYWORDS, given, kafka_properties
from .enums import OpenAIModels

__all__ = ["BindingApi"]

_DataType = Any  # DataType | str | None


class BindingApi(DecoratorApi):
    """The input and output decorators of apps and blueprints (``azure-functions``'
    ``BindingApi``)."""

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

    def cosmos_db_input_v3(
        self, arg_name: str, database_name: str, collection_name: str,
        connection_string_setting: str, id: str | None = None,  # noqa: A002
        sql_query: str | None = None, partition_key: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB input (extension 3.x keywords: collections).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("cosmosDB", "in", arg_name, data_type, props, kwargs)

    def cosmos_db_output_v3(
        self, arg_name: str, database_name: str, collection_name: str,
        connection_string_setting: str, create_if_not_exists: bool | None = None,
        partition_key: str | None = None, collection_throughput: int | None = None,
        use_multiple_write_locations: bool | None = None,
        preferred_locations: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Cosmos DB output (extension 3.x keywords: collections).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("cosmosDB", "out", arg_name, data_type, props, kwargs)

    def table_input(
        self, arg_name: str, connection: str, table_name: str, row_key: str | None = None,
        partition_key: str | None = None, take: int | None = None,
        filter: str | None = None, data_type: _DataType = None,  # noqa: A002
    ) -> Callable[[F], F]:
        """An Azure Tables input: one entity (``row_key``) or a query.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("table", "in", arg_name, data_type, props)

    def table_output(
        self, arg_name: str, connection: str, table_name: str, row_key: str | None = None,
        partition_key: str | None = None, data_type: _DataType = None,
    ) -> Callable[[F], F]:
        """An Azure Tables output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("table", "out", arg_name, data_type, props)

    def mysql_input(
        self, arg_name: str, command_text: str, connection_string_setting: str,
        command_type: str | None = "Text", parameters: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure Database for MySQL input (a query or stored procedure).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("mysql", "in", arg_name, data_type, props, kwargs)

    def mysql_output(
        self, arg_name: str, command_text: str, connection_string_setting: str,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An Azure Database for MySQL output (``command_text`` names the table).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("mysql", "out", arg_name, data_type, props, kwargs)

    def durable_client_input(
        self, client_name: str, task_hub: str | None = None, connection_name: str | None = None
    ) -> Callable[[F], F]:
        """The Durable client binding. A parameter annotated with ``azure-functions-durable``'s
        ``DurableOrchestrationClient`` receives one; otherwise the client JSON text.

        Raises:
            FunctionLoadError: for an empty ``client_name``.
        """
        props = {"task_hub": task_hub, "connection_name": connection_name}
        binding = self._binding("durableClient", "in", client_name, None, props)
        adapt = self._adapt(client_adapter(client_name))
        return lambda func: adapt(binding(func))

    # --- Dapr ----------------------------------------------------------------------------

    def dapr_state_input(
        self, arg_name: str, state_store: str, key: str, dapr_address: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr state input.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprState", "in", arg_name, data_type, props, kwargs)

    def dapr_secret_input(
        self, arg_name: str, secret_store_name: str, key: str, metadata: str,
        dapr_address: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr secret input.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprSecret", "in", arg_name, data_type, props, kwargs)

    def dapr_state_output(
        self, arg_name: str, state_store: str, key: str, dapr_address: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr state output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprState", "out", arg_name, data_type, props, kwargs)

    def dapr_invoke_output(
        self, arg_name: str, app_id: str, method_name: str, http_verb: str,
        dapr_address: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr service invocation output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprInvoke", "out", arg_name, data_type, props, kwargs)

    def dapr_publish_output(
        self, arg_name: str, pub_sub_name: str, topic: str, dapr_address: str | None = None,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr publish output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprPublish", "out", arg_name, data_type, props, kwargs)

    def dapr_binding_output(
        self, arg_name: str, binding_name: str, operation: str,
        dapr_address: str | None = None, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A Dapr output binding.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("daprBinding", "out", arg_name, data_type, props, kwargs)

    # --- OpenAI --------------------------------------------------------------------------

    def text_completion_input(
        self, arg_name: str, prompt: str, ai_connection_name: str | None = "",
        chat_model: Any = OpenAIModels.DefaultChatModel, temperature: str | None = "0.5",
        top_p: str | None = None, max_tokens: str | None = "100",
        is_reasoning_model: bool | None = False, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An OpenAI text completion of ``prompt``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("textCompletion", "in", arg_name, data_type, props, kwargs)

    def assistant_create_output(
        self, arg_name: str, data_type: _DataType = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """An OpenAI assistant creation output.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        return self._binding("assistantCreate", "out", arg_name, data_type, None, kwargs)

    def assistant_query_input(
        self, arg_name: str, id: str, timestamp_utc: str,  # noqa: A002
        chat_storage_connection_setting: str | None = "AzureWebJobsStorage",
        collection_name: str | None = "ChatState", data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An OpenAI assistant's chat history since ``timestamp_utc``.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("assistantQuery", "in", arg_name, data_type, props, kwargs)

    def assistant_post_input(
        self, arg_name: str, id: str, user_message: str,  # noqa: A002
        ai_connection_name: str | None = "", chat_model: Any = OpenAIModels.DefaultChatModel,
        chat_storage_connection_setting: str | None = "AzureWebJobsStorage",
        collection_name: str | None = "ChatState", temperature: str | None = "0.5",
        top_p: str | None = None, max_tokens: str | None = "100",
        is_reasoning_model: bool | None = False, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """A message posted to an OpenAI assistant, and its reply.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("assistantPost", "in", arg_name, data_type, props, kwargs)

    def embeddings_input(
        self, arg_name: str, input: str, input_type: Any,  # noqa: A002
        ai_connection_name: str | None = "",
        embeddings_model: Any = OpenAIModels.DefaultEmbeddingsModel,
        max_chunk_length: int | None = 8 * 1024, max_overlap: int | None = 128,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """OpenAI embeddings of ``input`` (an :class:`~azfunc.app.enums.InputType`).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("embeddings", "in", arg_name, data_type, props, kwargs)

    def semantic_search_input(
        self, arg_name: str, search_connection_name: str, collection: str,
        query: str | None = None, ai_connection_name: str | None = "",
        embeddings_model: Any = OpenAIModels.DefaultEmbeddingsModel,
        chat_model: Any = OpenAIModels.DefaultChatModel, system_prompt: str | None = None,
        max_knowledge_count: int | None = 1, temperature: str | None = "0.5",
        top_p: str | None = None, max_tokens: str | None = "100",
        is_reasoning_model: bool | None = False, data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """An OpenAI semantic search over ``collection`` (``system_prompt`` left out: the
        extension's own default prompt).

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("semanticSearch", "in", arg_name, data_type, props, kwargs)

    def embeddings_store_output(
        self, arg_name: str, input: str, input_type: Any,  # noqa: A002
        store_connection_name: str, collection: str, ai_connection_name: str | None = "",
        embeddings_model: Any = OpenAIModels.DefaultEmbeddingsModel,
        max_chunk_length: int | None = 8 * 1024, max_overlap: int | None = 128,
        data_type: _DataType = None, **kwargs: Any,
    ) -> Callable[[F], F]:
        """OpenAI embeddings of ``input`` written to a vector store.

        Raises:
            FunctionLoadError: for an invalid keyword value.
        """
        props = given(locals(), "arg_name", "data_type")
        return self._binding("embeddingsStore", "out", arg_name, data_type, props, kwargs)

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
