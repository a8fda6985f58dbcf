"""A Durable activity returning a JSON object."""


def main(name: str) -> dict:
    return {"greeting": f"Hello {name}", "n": 2}
