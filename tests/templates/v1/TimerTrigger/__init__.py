import logging
from datetime import datetime, timezone

import azfunc as func


def main(mytimer: func.TimerRequest) -> None:
    stamp = datetime.now(timezone.utc).isoformat()
    if mytimer.past_due:
        logging.info("The timer is past due!")
    logging.info("timer ran at %s", stamp)
