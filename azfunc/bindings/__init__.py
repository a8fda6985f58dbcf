"""Binding families: one module per family, each defining its types and ``CONVERTERS``.

Rules this package keeps:

* Every module exposes ``CONVERTERS: dict[str, Converter]`` keyed by binding type (for
  example ``{"queueTrigger": ..., "queue": ...}``). The registry imports a module the first
  time one of its binding types is looked up (see ``azfunc._registry.BUILTIN_BINDINGS``), so
  importing ``azfunc`` imports none of them.
* Every type a function is annotated with is concrete, keyword-constructible with defaults
  and exported from ``azfunc`` (``azfunc.QueueMessage``, ``azfunc.InputStream``, ...).
* Trigger metadata is read with the tolerant readers of ``azfunc._metadata``: a field that
  cannot be read gives ``None`` on the typed property and never fails the invocation.
* A payload a converter cannot handle raises :class:`~azfunc.ConversionError` naming the
  binding, what was received and what is accepted.
"""
