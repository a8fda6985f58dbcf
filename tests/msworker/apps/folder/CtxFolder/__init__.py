import asyncio
import json

import azfunc as func


async def main(msg: func.QueueMessage, context: func.Context) -> str:
    await asyncio.sleep(0)
    return json.dumps({"invocation_id": context.invocation_id,
                       "function_name": context.function_name,
                       "trace_parent": context.trace_context.trace_parent,
                       "retry_count": context.retry_context.retry_count,
                       "body": msg.get_body().decode()})
