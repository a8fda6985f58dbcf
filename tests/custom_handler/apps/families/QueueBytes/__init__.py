"""A binary queue message: records its bytes."""

import azfunc as func


def main(msg: bytes, seen: func.Out[dict]) -> None:
    seen.set({"hex": msg.hex()})
