"""A SQL change batch."""

import json

import azfunc as func


def main(changes: str, seen: func.Out[dict]) -> None:
    seen.set({"changes": json.loads(changes)})
