"""Every five minutes: log a heartbeat, using a module beside this one and shared code."""

import logging

from __app__ import shared_code  # absolute import of shared code

import azfunc as func

from . import example  # explicit relative import of a module in this folder


def main(timer: func.TimerRequest) -> None:
    logging.info(shared_code.shout(example.describe(timer)))
