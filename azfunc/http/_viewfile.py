"""A read-only, seekable binary file over a slice of a ``bytes`` object, without copying.

Rules this module keeps:

* The slice is never copied up front; each ``read`` returns only the bytes asked for.
* It behaves like a read-only ``io.BytesIO``: ``read``/``readinto``/``readline``/``seek``/
  ``tell``, iteration by line, ``ValueError`` from the io layer when closed.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["ViewFile"]


class ViewFile(io.BufferedIOBase):
    """A read-only binary file over ``data[start:end]``.

    Example:
        >>> f = ViewFile(b"xxhello\\nworld", 2)
        >>> f.readline(), f.read(3), f.tell()
        (b'hello\\n', b'wor', 9)
    """

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        super().__init__()
        self._data = data
        self._start = start
        self._end = len(data) if end is None else end
        self._pos = start

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def _open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def read(self, size: int | None = -1) -> bytes:
        self._open()
        pos = self._pos
        stop = self._end if size is None or size < 0 else min(self._end, pos + size)
        if stop <= pos:
            return b""
        self._pos = stop
        return self._data[pos:stop]

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer: Any) -> int:
        self._open()
        target = memoryview(buffer).cast("B")
        pos = self._pos
        count = max(0, min(len(target), self._end - pos))
        target[:count] = memoryview(self._data)[pos : pos + count]
        self._pos = pos + count
        return count

    def readline(self, size: int | None = -1) -> bytes:
        self._open()
        pos = self._pos
        limit = self._end if size is None or size < 0 else min(self._end, pos + size)
        newline = self._data.find(b"\n", pos, limit)
        stop = limit if newline < 0 else newline + 1
        self._pos = max(pos, stop)
        return self._data[pos:stop]

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._open()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos - self._start + offset
        elif whence == io.SEEK_END:
            target = self._end - self._start + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._pos = self._start + target
        return target

    def tell(self) -> int:
        self._open()
        return self._pos - self._start

    def getvalue(self) -> bytes:
        """The whole content, whatever the position (like ``io.BytesIO.getvalue``)."""
        self._open()
        return self._data[self._start : self._end]

    def __len__(self) -> int:
        return self._end - self._start
