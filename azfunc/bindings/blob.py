"""Azure Storage blobs: ``InputStream`` and the ``blobTrigger`` / ``blob`` converters.

Rules this module keeps:

* ``InputStream`` is a real binary file object (an ``io.BufferedIOBase``): readable and
  seekable, iterable by lines, usable by ``io.TextIOWrapper``, ``zipfile``, ``csv`` (through a
  text wrapper), pandas and any reader that seeks. It wraps bytes, or a readable binary file
  object (a non-seekable one is read into memory once).
* ``length`` is the blob length: the ``ContentLength`` (v12+ SDK) or ``Length`` (v11 SDK) blob
  property when present and readable as an integer, else the length of the data.
* Inputs decode ``string`` (UTF-8 encoded), ``bytes`` and ``stream`` Datums; a ``null`` Datum
  (missing blob) decodes to ``None``. A parameter annotated ``bytes`` or ``str`` gets the
  content in that form, anything else an ``InputStream``. Trigger metadata (``BlobTrigger`` ->
  ``name``, ``Uri``, ``Properties``, ``Metadata``) is read with the never-raise rules of
  :mod:`azfunc._metadata`.
* A parameter annotated with an Azure SDK blob type (``BlobClient``, ``ContainerClient``,
  ``StorageStreamDownloader``: :mod:`azfunc.bindings.blob_sdk`) decodes a
  ``model_binding_data`` Datum (the host's reference to the blob) into that SDK object,
  built from the binding's connection by :mod:`azfunc.storage.sdk_clients`; the ``aio``
  classes are refused with the fix, as the standard runtime's extension does not build them.
* Outputs accept ``str`` (-> ``string``), ``bytes``/``bytearray``/``memoryview`` (-> ``bytes``)
  and any readable file object (read to its end from its current position; text files give
  ``string``). ``None`` sends nothing.
"""

from __future__ import annotations

import io
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .._datum import Datum
from .._errors import ConversionError
from .._metadata import metadata_dict, metadata_str, to_int
from .._registry import Converter
from .._typing import is_class, is_class_of, unwrap_optional
from ._value import json_safe, json_text
from .blob_sdk import read_reference, sdk_blob_type

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["CONVERTERS", "BlobConverter", "InputStream"]


_INPUT_KINDS: Final = ("string", "bytes", "stream", "null")


def _length(value: object) -> int | None:
    """A blob length: :func:`~azfunc._metadata.to_int`, refusing negative numbers."""
    number = to_int(value)
    return number if number is not None and number >= 0 else None


class InputStream(io.BufferedIOBase):
    """A blob's content as a seekable, read-only binary file, with the blob's properties.

    Example:
        >>> import io
        >>> blob = InputStream(data=b"id,name\\n1,ada\\n", name="samples/people.csv")
        >>> blob.read(2), blob.seek(0), blob.length, blob.name
        (b'id', 0, 14, 'samples/people.csv')
        >>> import csv
        >>> list(csv.reader(io.TextIOWrapper(blob, encoding="utf-8")))
        [['id', 'name'], ['1', 'ada']]

    Raises:
        ConversionError: if ``data`` is neither bytes-like nor a readable binary file.
    """

    def __init__(
        self,
        *,
        data: bytes | bytearray | memoryview | typing.BinaryIO | io.BufferedIOBase = b"",
        name: str | None = None,
        uri: str | None = None,
        length: int | None = None,
        blob_properties: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        # Set first: if ``data`` is rejected below, close()/repr() at collection still work.
        self._raw: Any = None
        self._length = length
        self._name = name
        self._uri = uri
        self._blob_properties = dict(blob_properties) if blob_properties is not None else None
        self._metadata = dict(metadata) if metadata is not None else None
        raw: Any
        if isinstance(data, (bytes, bytearray, memoryview)):
            raw = io.BytesIO(data)
        elif callable(getattr(data, "read", None)):
            candidate: Any = data
            seekable = getattr(data, "seekable", None)
            if isinstance(candidate, io.TextIOBase) or not isinstance(candidate.read(0), bytes):
                raise ConversionError(
                    "InputStream data must be a binary file, not a text file; open it in 'rb' mode"
                )
            if callable(seekable) and seekable() and callable(getattr(data, "tell", None)):
                raw = data
            else:
                content = data.read()
                if not isinstance(content, (bytes, bytearray)):
                    raise ConversionError(
                        f"InputStream data must be a binary file; read() gave "
                        f"{type(content).__name__}"
                    )
                raw = io.BytesIO(content)
        else:
            raise ConversionError(
                f"InputStream data must be bytes or a readable binary file, "
                f"got {type(data).__name__}"
            )
        if length is None:
            start = raw.tell()
            end = raw.seek(0, io.SEEK_END)
            raw.seek(start)
            self._length = end - start
        self._raw = raw

    # --- blob properties ---------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """The blob path (``container/path``) the trigger fired for, if known."""
        return self._name

    @property
    def uri(self) -> str | None:
        """The blob URI, if known."""
        return self._uri

    @property
    def length(self) -> int | None:
        """The blob length in bytes."""
        return self._length

    @property
    def blob_properties(self) -> dict[str, Any] | None:
        """The blob's properties (``ContentType``, ``ETag``, ...), as the host sent them."""
        return self._blob_properties

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The blob's user metadata."""
        return self._metadata

    def to_dict(self) -> dict[str, Any]:
        """The blob's description as azure-functions 2.x writes it: ``name``, ``uri``,
        ``length``, ``blob_properties`` and ``metadata`` (never the content; works on a
        closed stream too)."""
        return {
            "name": self._name,
            "uri": self._uri,
            "length": self._length,
            "blob_properties": json_safe(self._blob_properties),
            "metadata": json_safe(self._metadata),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if a property value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), "InputStream")

    # --- the file protocol --------------------------------------------------------------

    def readable(self) -> bool:
        """Always ``True``."""
        self._check_open()
        return True

    def seekable(self) -> bool:
        """Always ``True``."""
        self._check_open()
        return True

    def writable(self) -> bool:
        """Always ``False``: the stream is read-only."""
        return False

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left when negative or ``None``).

        Raises:
            ValueError: if the stream is closed (the ``io`` convention).
        """
        self._check_open()
        return bytes(self._raw.read(-1 if size is None else size))

    def read1(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes with at most one call to the underlying data.

        Raises:
            ValueError: if the stream is closed.
        """
        self._check_open()
        reader = getattr(self._raw, "read1", None)
        return bytes(reader(size) if callable(reader) else self._raw.read(size))

    def readinto(self, buffer: Buffer, /) -> int:
        """Read bytes into a writable buffer; return how many were read.

        Raises:
            ValueError: if the stream is closed.
        """
        self._check_open()
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readinto1(self, buffer: Buffer, /) -> int:
        """Same as :meth:`readinto`.

        Raises:
            ValueError: if the stream is closed.
        """
        return self.readinto(buffer)

    def readline(self, size: int | None = -1, /) -> bytes:
        """Read one line (up to ``size`` bytes).

        Raises:
            ValueError: if the stream is closed.
        """
        self._check_open()
        return bytes(self._raw.readline(-1 if size is None else size))

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move to ``offset`` relative to ``whence``; return the new position.

        Raises:
            ValueError: if the stream is closed or ``whence`` is invalid.
        """
        self._check_open()
        return int(self._raw.seek(offset, whence))

    def tell(self) -> int:
        """The current position.

        Raises:
            ValueError: if the stream is closed.
        """
        self._check_open()
        return int(self._raw.tell())

    def getvalue(self) -> bytes:
        """The whole content, whatever the position (the position is kept).

        Raises:
            ValueError: if the stream is closed.
        """
        self._check_open()
        position = self._raw.tell()
        self._raw.seek(0)
        try:
            return bytes(self._raw.read())
        finally:
            self._raw.seek(position)

    def close(self) -> None:
        """Close the stream and the data it wraps."""
        if not self.closed:
            try:
                if self._raw is not None:
                    self._raw.close()
            finally:
                super().close()

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on a closed InputStream")

    def __repr__(self) -> str:
        return f"<InputStream name={self._name!r} length={self._length!r}>"


class BlobConverter(Converter):
    """Decodes ``blobTrigger``/``blob`` inputs and encodes ``blob`` outputs.

    Example:
        >>> conv = BlobConverter("blobTrigger")
        >>> blob = conv.decode(Datum(b"abc", "bytes"),
        ...                    trigger_metadata={"BlobTrigger": Datum("c/a.txt", "string")})
        >>> blob.read(), blob.name, blob.length
        (b'abc', 'c/a.txt', 3)
        >>> conv.decode(Datum(b"abc", "bytes"), pytype=str)
        'abc'
    """

    def __init__(self, binding: str = "blob") -> None:
        self.binding = binding

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``InputStream``, ``bytes`` or ``str`` (optionally ``| None``), or an Azure SDK
        blob type (``azfunc check`` reports the ones the store cannot serve)."""
        if sdk_blob_type(pytype) is not None:
            return True
        return is_class_of(unwrap_optional(pytype), (InputStream, bytes, str))

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``bytearray``, ``InputStream`` or any type with ``read()``."""
        if self.binding.lower() == "blobtrigger":
            return False
        pytype = unwrap_optional(pytype)
        if not is_class(pytype):
            return False
        return issubclass(pytype, (str, bytes, bytearray, memoryview, io.IOBase)) or callable(
            getattr(pytype, "read", None)
        )

    def has_trigger_support(self) -> bool:
        """``blobTrigger`` is a trigger; ``blob`` is not."""
        return self.binding.lower() == "blobtrigger"

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The blob as an ``InputStream``, or as ``bytes``/``str`` when ``pytype`` asks.

        Raises:
            ConversionError: for a Datum kind that is not blob content, or a ``str``
                annotation on content that is not UTF-8 text; for an SDK annotation, a
                Datum that is not the host's ``model_binding_data`` reference, or an ``aio``
                class.
            ConfigurationError: for an SDK annotation whose connection names no account.
        """
        sdk = sdk_blob_type(pytype)
        if sdk is not None or datum.type == "model_binding_data":
            return self._decode_sdk(datum, pytype)
        value = self.expect(datum, *_INPUT_KINDS)
        if datum.type == "null" or value is None:
            return None
        target = unwrap_optional(pytype)
        if isinstance(value, str):
            if target is str:
                return value
            data = value.encode("utf-8")
        elif isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
        else:
            raise ConversionError(
                f"the {self.binding} binding got a {datum.type} Datum holding "
                f"{type(value).__name__}; expected text or bytes"
            )
        if target is bytes:
            return data
        if target is str:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(
                    f"the {self.binding} content is not UTF-8 text; annotate the parameter "
                    "as bytes or InputStream"
                ) from None
        if not trigger_metadata:
            return InputStream(data=data)
        properties = metadata_dict(trigger_metadata, "Properties")
        length = None
        if properties:
            for key in ("ContentLength", "Length"):
                length = _length(properties.get(key))
                if length is not None:
                    break
        return InputStream(
            data=data,
            name=metadata_str(trigger_metadata, "BlobTrigger"),
            uri=metadata_str(trigger_metadata, "Uri"),
            length=length,
            blob_properties=properties,
            metadata=metadata_dict(trigger_metadata, "Metadata"),
        )

    def _decode_sdk(self, datum: Datum, pytype: Any) -> Any:
        sdk = sdk_blob_type(pytype)
        if sdk is None:
            raise ConversionError(
                f"the {self.binding} binding got a blob reference (model_binding_data); "
                "annotate the parameter azure.storage.blob.BlobClient, ContainerClient or "
                "StorageStreamDownloader"
            )
        if sdk.is_async:
            raise ConversionError(
                f"{sdk.spelled} is not served to a {self.binding} parameter (the Functions "
                f"blob extension builds only the sync clients); annotate "
                f"azure.storage.blob.{sdk.kind} instead"
            )
        if datum.type == "null":
            return None
        if datum.type != "model_binding_data":
            raise ConversionError(
                f"a {sdk.spelled} parameter of the {self.binding} binding needs the host's "
                f"blob reference (model_binding_data), got a {datum.type} Datum: the host "
                "did not defer this binding"
            )
        reference = read_reference(datum.value)
        from ..storage.sdk_clients import sdk_blob_object

        return sdk_blob_object(reference, sdk.kind)

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """The Datum for blob content.

        Raises:
            ConversionError: for a value that is not text, bytes or a readable file, or
                for the ``blobTrigger`` binding, which has no output.
        """
        if self.binding.lower() == "blobtrigger":
            return super().encode(obj, expected_type=expected_type)
        if obj is None:
            return None
        if not isinstance(obj, (str, bytes, bytearray, memoryview)):
            reader = getattr(obj, "read", None)
            if not callable(reader):
                raise self.unsupported_value(
                    obj, "str, bytes, bytearray, memoryview or a readable file object"
                )
            try:
                obj = reader()
            except (OSError, ValueError) as exc:
                raise ConversionError(f"reading the blob output file failed: {exc}") from None
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return Datum(bytes(obj), "bytes")
        raise self.unsupported_value(obj, "a file whose read() returns str or bytes")


CONVERTERS: dict[str, Converter] = {
    "blobTrigger": BlobConverter("blobTrigger"),
    "blob": BlobConverter("blob"),
}
