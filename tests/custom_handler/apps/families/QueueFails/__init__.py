"""Fails on purpose, after logging."""

import logging


def main(msg: str) -> None:
    logging.warning("about to fail: marker-log-7f3a")
    raise RuntimeError("marker-failure-9c1e")
