"""A Cosmos DB change feed batch."""

import azfunc as func


def main(documents: func.DocumentList, seen: func.Out[dict]) -> None:
    seen.set({"ids": [d["id"] for d in documents], "first": dict(documents[0])})
