"""A function written against azure.functions, in the same app (and worker) as azfunc ones."""

import json

import azure.functions as func


def main(timer: func.TimerRequest, report: func.Out[str]) -> None:
    report.set(json.dumps({"kind": f"{type(timer).__module__}.{type(timer).__name__}",
                           "past_due": timer.past_due}))
