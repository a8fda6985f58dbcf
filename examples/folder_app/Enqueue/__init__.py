"""Put the ``body`` query parameter on the queue ``outqueue`` and echo it back."""

import azfunc as func


def main(req: func.HttpRequest,
         msg: func.Out[func.QueueMessage]) -> str:

    message = req.params.get('body')
    msg.set(message)
    return message
