import json

import azfunc as func

app = func.FunctionApp()


@app.route(route="whois", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@app.text_completion_input(arg_name="response", prompt="{Prompt}", max_tokens="100",
                           model="gpt-4o")
def whois(req: func.HttpRequest, response: str) -> func.HttpResponse:
    return func.HttpResponse(json.loads(response)["content"], status_code=200)
