"""azfunc.host: run function apps, locally and behind the real Azure Functions host.

Two ASGI 3 applications live here, both plain ``async def app(scope, receive, send)``
callables with lifespan support, served by uvicorn (the ``azfunc[host]`` extra) and testable
in-process:

* :class:`~azfunc.host.local.LocalHost` (``azfunc start``): HTTP functions at
  ``/<routePrefix>/<route>``, the ``/admin/functions/<name>`` endpoint, NCRONTAB timers, and
  on-disk queues and blobs under ``<app>/.azfunc/`` with Azure's queue semantics.
* :class:`~azfunc.host.worker.CustomHandlerWorker` (``azfunc worker``): a custom handler
  speaking the host's ``{"Data", "Metadata"}`` / ``{"Outputs", "Logs", "ReturnValue"}`` JSON.

Modules, one job each: ``routing`` (route templates), ``ncrontab`` (timer schedules),
``storage`` (on-disk queues and blobs), ``expressions`` (binding expressions),
``local_bindings`` and ``triggers`` (the local host's bindings and trigger loops),
``runtime`` (thread pool, in-flight tracking, invocation logs), ``http_frontend`` (HTTP
functions over ASGI), ``local`` and ``worker`` (the two ASGI apps), ``custom_handler``
(the custom-handler wire shapes), ``export`` (folder layout), ``server`` (uvicorn), ``cli``.

Rules this package keeps:

* Nothing here is imported by ``import azfunc``; uvicorn is imported only when serving.
* Everything below ``azfunc.app`` stays unaware of this package: the host only calls
  ``load_app`` and ``invoke_function`` and the converter registry.
* Bad input from the network yields an HTTP error answer, never a crash of the server.
"""
