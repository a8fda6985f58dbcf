"""A text blob: records its text."""

import azfunc as func


def main(blob: str, seen: func.Out[dict]) -> None:
    seen.set({"text": blob})
