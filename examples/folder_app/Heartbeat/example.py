"""A helper module that lives in the function's own folder."""

import azfunc as func


def describe(timer: func.TimerRequest) -> str:
    """One line about a timer tick."""
    return "late tick" if timer.past_due else "tick"
