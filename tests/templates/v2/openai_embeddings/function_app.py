import json
import logging

import azfunc as func

app = func.FunctionApp()


@app.route(route="embeddings", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.embeddings_input(arg_name="embeddings", input="{rawText}", input_type="rawText",
                      model="text-embedding-3-small")
def embeddings(req: func.HttpRequest, embeddings: str) -> func.HttpResponse:
    text = req.get_json().get("RawText")
    logging.info("%s embedding(s) of %d characters", json.loads(embeddings).get("count"),
                 len(text))
    return func.HttpResponse(status_code=200)
