"""A timer tick."""

import azfunc as func


def main(timer: func.TimerRequest, seen: func.Out[dict]) -> None:
    seen.set({"past_due": timer.past_due})
