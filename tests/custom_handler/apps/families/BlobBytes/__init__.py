"""A binary blob: records its name, URI and bytes; writes a byte copy and a text note."""

import azfunc as func


def main(blob: func.InputStream, seen: func.Out[dict], copy: func.Out[bytes],
         note: func.Out[str]) -> None:
    data = blob.read()
    seen.set({"name": blob.name, "uri": blob.uri, "hex": data.hex()})
    copy.set(data + b"\xff")
    note.set("test")
