"""A Durable activity: its return value is the activity's output."""


def main(name: str) -> str:
    return f"Hello {name}"
