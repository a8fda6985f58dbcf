import json

import azfunc as func

app = func.FunctionApp()


@app.function_name("CreateChatBot")
@app.route(route="chats/{chatID}", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@app.assistant_create_output(arg_name="requests")
def create_chat_bot(req: func.HttpRequest, requests: func.Out[str]) -> func.HttpResponse:
    chat_id = req.route_params.get("chatID")
    requests.set(json.dumps({"id": chat_id,
                             "instructions": req.get_json().get("instructions")}))
    return func.HttpResponse(json.dumps({"chatId": chat_id}), status_code=202,
                             mimetype="application/json")


@app.function_name("GetChatState")
@app.route(route="chats/{chatID}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@app.assistant_query_input(arg_name="state", id="{chatID}", timestamp_utc="{Query.timestampUTC}")
def get_chat_state(req: func.HttpRequest, state: str) -> func.HttpResponse:
    return func.HttpResponse(state, status_code=200, mimetype="application/json")


@app.function_name("PostUserResponse")
@app.route(route="chats/{chatID}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.assistant_post_input(arg_name="state", id="{chatID}", user_message="{Query.message}",
                          model="gpt-4o")
def post_user_response(req: func.HttpRequest, state: str) -> func.HttpResponse:
    content = json.loads(state)["recentMessages"][0]["content"]
    return func.HttpResponse(content, status_code=200, mimetype="text/plain")
