"""The bases of the trigger converters: what every trigger of one kind says the same way.

Rules this module keeps:

* :class:`ClassTriggerConverter` is a trigger whose parameter is annotated with one of a
  few classes, optionally ``| None`` (the timer, warm-up and queue triggers). A generic
  alias such as ``list[str]`` is never one of them.
* :class:`BatchTriggerConverter` is a trigger that delivers one item or a batch (Event
  Hubs, Service Bus, Kafka). Cardinality is decided once per invocation by
  :func:`~azfunc.bindings._cardinality.decide_cardinality`; ``str``/``bytes`` annotations get the
  bodies in that form (text decoded as UTF-8 with replacement), anything else the
  binding's item type, built by the subclass's ``_decode_one`` / ``_decode_many``. The base
  calls ``_decode_many`` once per batch, never once per item, so the batch loop stays in
  the subclass.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from .._datum import Datum
from .._registry import Converter
from .._typing import is_class_of, unwrap_optional
from ._bodies import batch_bodies, single_body
from ._cardinality import MANY, annotation_allows, decide_cardinality

__all__ = ["BatchTriggerConverter", "ClassTriggerConverter"]


class ClassTriggerConverter(Converter):
    """Base of a trigger whose parameter is one of :attr:`accepts` (optionally ``| None``).

    Example:
        >>> class Tick(ClassTriggerConverter):
        ...     binding = "tickTrigger"
        ...     accepts = (str,)
        >>> Tick().check_input_type_annotation(str | None), Tick().has_trigger_support()
        (True, True)
    """

    #: the classes (and their subclasses) a parameter may be annotated with.
    accepts: ClassVar[tuple[type, ...]] = ()

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """One of :attr:`accepts` or a subclass (optionally ``| None``)."""
        return is_class_of(unwrap_optional(pytype), self.accepts)

    def has_trigger_support(self) -> bool:
        """This converter serves a trigger."""
        return True


class BatchTriggerConverter(Converter, metaclass=ABCMeta):
    """Base of a trigger that delivers one :attr:`item_type` or a list of them.

    Subclasses set :attr:`item_type` and :attr:`single_keys` and build the items in
    ``_decode_one(body, metadata)`` and ``_decode_many(bodies, metadata)``.
    """

    #: the type of one decoded item (``EventHubEvent``, ``ServiceBusMessage``...).
    item_type: ClassVar[type] = object
    #: metadata keys only a single-item invocation carries.
    single_keys: ClassVar[tuple[str, ...]] = ()

    def has_trigger_support(self) -> bool:
        """This converter serves a trigger."""
        return True

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """The item type, ``str``, ``bytes`` or a list of one of them."""
        return annotation_allows(pytype, (self.item_type, str, bytes))

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """Decode one item or a batch.

        Raises:
            ConversionError: for a payload kind the service never sends, or when the
                annotation and the payload disagree on cardinality.
        """
        cardinality, form = decide_cardinality(
            self,
            datum,
            trigger_metadata,
            pytype,
            item_type=self.item_type,
            single_keys=self.single_keys,
        )
        if cardinality == MANY:
            bodies = batch_bodies(self, datum)
            if form is bytes:
                return bodies
            if form is str:
                return [b.decode("utf-8", "replace") for b in bodies]
            return self._decode_many(bodies, trigger_metadata)
        body = single_body(self, datum)
        if form is bytes:
            return body
        if form is str:
            return body.decode("utf-8", "replace")
        return self._decode_one(body, trigger_metadata)

    @abstractmethod
    def _decode_one(self, body: bytes, md: Mapping[str, Any] | None) -> Any:
        """One item from its body and the invocation's metadata."""

    @abstractmethod
    def _decode_many(self, bodies: list[bytes], md: Mapping[str, Any] | None) -> list[Any]:
        """The items of a batch, in order (the per-item loop lives here)."""
