"""azfunc: typed, testable Azure Functions binding types for Python.

Use it the way function code uses ``azure.functions``::

    import azfunc as func

    def main(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"Hello {req.params.get('name')}")

Importing ``azfunc`` is cheap: every public name is loaded on first use from the module
listed in :data:`_LAZY` (PEP 562), while type checkers and ``dir(azfunc)`` see them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    AnnotationError,
    AppStartupError,
    ArgumentTypeError,
    ArgumentValueError,
    AzFuncError,
    BindingNotFoundError,
    BodyDecodeError,
    ConfigurationError,
    ConversionError,
    ForwardingRequiredError,
    FunctionLoadError,
    FunctionNotFoundError,
    HeaderError,
    IncompleteBodyError,
    LeaseLostError,
    LimitExceededError,
    ListenError,
    PayloadValidationError,
    RequestError,
    StorageError,
    WireFormatError,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._context import Context, RetryContext, RpcException, TraceContext
    from ._datum import Datum
    from ._out import Out
    from ._registry import BindingRegistry, Converter, get_binding_registry, register_converter
    from .adapters.apps import AsgiFunctionApp, ExternalHttpFunctionApp, WsgiFunctionApp
    from .adapters.asgi import AsgiMiddleware
    from .adapters.wsgi import WsgiMiddleware
    from .app.checks import check_app
    from .app.decorators import (
        BindingApi,
        Blueprint,
        DecoratorApi,
        Function,
        FunctionApp,
        FunctionRegister,
        SettingsApi,
        TriggerApi,
    )
    from .app.enums import (
        AccessRights,
        AuthLevel,
        BlobSource,
        Cardinality,
        CosmosDBChangeFeedMode,
        DataType,
        DeliveryMode,
        InputType,
        McpPropertyType,
        OpenAIModels,
    )
    from .app.extensions import (
        AppExtensionBase,
        ExtensionMeta,
        FuncExtensionBase,
        FunctionExtensionException,
    )
    from .app.invocation import InvocationResult
    from .app.loader import AppChanges, LoadedApp, load_app
    from .app.validation import Finding
    from .bindings.blob import InputStream
    from .bindings.cosmosdb import Document, DocumentList
    from .bindings.durable import EntityContext, OrchestrationContext
    from .bindings.eventgrid import CloudEvent, EventGridEvent, EventGridOutputEvent
    from .bindings.eventhub import EventHubEvent
    from .bindings.kafka import KafkaConverter, KafkaEvent, KafkaTriggerConverter
    from .bindings.mcp import (
        MCPToolContext,
        PromptArgument,
        PromptInvocationContext,
        mcp_content,
    )
    from .bindings.queue import QueueMessage
    from .bindings.servicebus import ServiceBusMessage, ServiceBusOutputMessage
    from .bindings.sql import MySqlRow, MySqlRowList, SqlRow, SqlRowList
    from .bindings.timer import ScheduleStatus, TimerRequest
    from .bindings.warmup import WarmUpContext
    from .http.forms import FormFile, FormLimits
    from .http.method import HttpMethod
    from .http.request import HttpRequest
    from .http.response import HttpResponse

#: public name -> module that defines it; loaded on first attribute access.
_LAZY: dict[str, str] = {
    # wire and registry
    "Datum": "azfunc._datum",
    "PayloadProblem": "azfunc._errors",
    "BindingRegistry": "azfunc._registry",
    "Converter": "azfunc._registry",
    "get_binding_registry": "azfunc._registry",
    # invocation
    "Out": "azfunc._out",
    "Context": "azfunc._context",
    "TraceContext": "azfunc._context",
    "RetryContext": "azfunc._context",
    "RpcException": "azfunc._context",
    # HTTP
    "HttpRequest": "azfunc.http.request",
    "HttpResponse": "azfunc.http.response",
    "HttpMethod": "azfunc.http.method",
    "FormFile": "azfunc.http.forms",
    "FormLimits": "azfunc.http.forms",
    # storage and timer
    "QueueMessage": "azfunc.bindings.queue",
    "InputStream": "azfunc.bindings.blob",
    "TimerRequest": "azfunc.bindings.timer",
    "ScheduleStatus": "azfunc.bindings.timer",
    "WarmUpContext": "azfunc.bindings.warmup",
    # events, messaging, databases
    "EventHubEvent": "azfunc.bindings.eventhub",
    "ServiceBusMessage": "azfunc.bindings.servicebus",
    "ServiceBusOutputMessage": "azfunc.bindings.servicebus",
    "EventGridEvent": "azfunc.bindings.eventgrid",
    "EventGridOutputEvent": "azfunc.bindings.eventgrid",
    "CloudEvent": "azfunc.bindings.eventgrid",
    "Document": "azfunc.bindings.cosmosdb",
    "DocumentList": "azfunc.bindings.cosmosdb",
    "SqlRow": "azfunc.bindings.sql",
    "SqlRowList": "azfunc.bindings.sql",
    "MySqlRow": "azfunc.bindings.sql",
    "MySqlRowList": "azfunc.bindings.sql",
    "KafkaConverter": "azfunc.bindings.kafka",
    "KafkaEvent": "azfunc.bindings.kafka",
    "KafkaTriggerConverter": "azfunc.bindings.kafka",
    "OrchestrationContext": "azfunc.bindings.durable",
    "EntityContext": "azfunc.bindings.durable",
    # function apps
    "FunctionApp": "azfunc.app.decorators",
    "Blueprint": "azfunc.app.decorators",
    "Function": "azfunc.app.decorators",
    "FunctionRegister": "azfunc.app.decorators",
    "DecoratorApi": "azfunc.app.decorators",
    "TriggerApi": "azfunc.app.decorators",
    "BindingApi": "azfunc.app.decorators",
    "SettingsApi": "azfunc.app.decorators",
    "AuthLevel": "azfunc.app.enums",
    "DataType": "azfunc.app.enums",
    "Cardinality": "azfunc.app.enums",
    "AccessRights": "azfunc.app.enums",
    "BlobSource": "azfunc.app.enums",
    "load_app": "azfunc.app.loader",
    "LoadedApp": "azfunc.app.loader",
    "AppChanges": "azfunc.app.loader",
    "InvocationResult": "azfunc.app.invocation",
    "check_app": "azfunc.app.checks",
    "Finding": "azfunc.app.validation",
    # names ported code uses (surface)
    "register_converter": "azfunc._registry",
    "CosmosDBChangeFeedMode": "azfunc.app.enums",
    "DeliveryMode": "azfunc.app.enums",
    "McpPropertyType": "azfunc.app.enums",
    "OpenAIModels": "azfunc.app.enums",
    "InputType": "azfunc.app.enums",
    "MCPToolContext": "azfunc.bindings.mcp",
    "PromptInvocationContext": "azfunc.bindings.mcp",
    "PromptArgument": "azfunc.bindings.mcp",
    "mcp_content": "azfunc.bindings.mcp",
    "AppExtensionBase": "azfunc.app.extensions",
    "FuncExtensionBase": "azfunc.app.extensions",
    "ExtensionMeta": "azfunc.app.extensions",
    "FunctionExtensionException": "azfunc.app.extensions",
    # web frameworks inside functions
    "AsgiMiddleware": "azfunc.adapters.asgi",
    "WsgiMiddleware": "azfunc.adapters.wsgi",
    "AsgiFunctionApp": "azfunc.adapters.apps",
    "WsgiFunctionApp": "azfunc.adapters.apps",
    "ExternalHttpFunctionApp": "azfunc.adapters.apps",
}

__all__ = [
    "AccessRights",
    "AnnotationError",
    "AppChanges",
    "AppExtensionBase",
    "AppStartupError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "AsgiFunctionApp",
    "AsgiMiddleware",
    "AuthLevel",
    "AzFuncError",
    "BindingApi",
    "BindingNotFoundError",
    "BindingRegistry",
    "BlobSource",
    "Blueprint",
    "BodyDecodeError",
    "Cardinality",
    "CloudEvent",
    "ConfigurationError",
    "Context",
    "ConversionError",
    "Converter",
    "CosmosDBChangeFeedMode",
    "DataType",
    "Datum",
    "DecoratorApi",
    "DeliveryMode",
    "Document",
    "DocumentList",
    "EntityContext",
    "EventGridEvent",
    "EventGridOutputEvent",
    "EventHubEvent",
    "ExtensionMeta",
    "ExternalHttpFunctionApp",
    "Finding",
    "FormFile",
    "FormLimits",
    "ForwardingRequiredError",
    "FuncExtensionBase",
    "Function",
    "FunctionApp",
    "FunctionExtensionException",
    "FunctionLoadError",
    "FunctionNotFoundError",
    "FunctionRegister",
    "HeaderError",
    "HttpMethod",
    "HttpRequest",
    "HttpResponse",
    "IncompleteBodyError",
    "InputStream",
    "InputType",
    "InvocationResult",
    "KafkaConverter",
    "KafkaEvent",
    "KafkaTriggerConverter",
    "LeaseLostError",
    "LimitExceededError",
    "ListenError",
    "LoadedApp",
    "MCPToolContext",
    "McpPropertyType",
    "MySqlRow",
    "MySqlRowList",
    "OpenAIModels",
    "OrchestrationContext",
    "Out",
    "PayloadProblem",
    "PayloadValidationError",
    "PromptArgument",
    "PromptInvocationContext",
    "QueueMessage",
    "RequestError",
    "RetryContext",
    "RpcException",
    "ScheduleStatus",
    "ServiceBusMessage",
    "ServiceBusOutputMessage",
    "SettingsApi",
    "SqlRow",
    "SqlRowList",
    "StorageError",
    "TimerRequest",
    "TraceContext",
    "TriggerApi",
    "WarmUpContext",
    "WireFormatError",
    "WsgiFunctionApp",
    "WsgiMiddleware",
    "__version__",
    "check_app",
    "get_binding_registry",
    "load_app",
    "mcp_content",
    "register_converter",
]


#: submodules reachable as attributes (``azfunc.meta``) without an explicit import.
_SUBMODULES = frozenset({"meta", "testing", "http", "bindings", "app", "host", "adapters"})


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def _bridge_into_python_worker() -> None:
    """Inside Microsoft's Python worker, let it load azfunc apps (see azfunc.msworker)."""
    import sys

    worker = ("azure_functions_runtime", "azure_functions_runtime_v1", "azure_functions_worker")
    if any(name in sys.modules for name in worker):
        from .msworker import install

        install()


_bridge_into_python_worker()
del _bridge_into_python_worker
