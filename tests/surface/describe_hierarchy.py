"""Print, as JSON, an SDK's decorator class hierarchy: which of upstream's class names each
is a subclass of, its public methods, which names the top-level package exports, and what
an ``mcp_tool`` returning an ``mcp_content`` class answers when called.

Run as ``python describe_hierarchy.py <package> <decorator module>`` (``azfunc
azfunc.app.decorators`` or ``azure.functions azure.functions.decorators.function_app``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
from typing import Any

NAMES = ["DecoratorApi", "TriggerApi", "BindingApi", "SettingsApi", "FunctionRegister",
         "FunctionApp", "Blueprint", "Function", "FunctionBuilder", "ExternalHttpFunctionApp",
         "AsgiFunctionApp", "WsgiFunctionApp"]


def _structured_tool_answer(package: Any) -> Any:
    app = package.FunctionApp()

    @package.mcp_content
    class Weather:
        def __init__(self, city: str) -> None:
            self.city = city
            self.degrees = 21

    def forecast(city: str) -> Weather:
        """The weather."""
        return Weather(city)

    forecast.__annotations__["return"] = Weather  # as if written at module level
    app.mcp_tool()(forecast)
    function = app.get_functions()[0]
    call = function.get_user_function()
    result = call(context=json.dumps({"name": "forecast", "arguments": {"city": "Oslo"}}))
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return json.loads(result)


def main() -> None:
    package = importlib.import_module(sys.argv[1])
    module = importlib.import_module(sys.argv[2])
    classes = {n: getattr(module, n, None) or getattr(package, n) for n in NAMES}
    print(json.dumps({
        "subclass_of": {a: sorted(b for b in NAMES if issubclass(classes[a], classes[b]))
                        for a in NAMES},
        "methods": {n: sorted(m for m in dir(c) if not m.startswith("_"))
                    for n, c in classes.items()},
        "top_level": sorted(n for n in NAMES if hasattr(package, n)),
        "all": sorted(package.__all__),
        "structured_tool": _structured_tool_answer(package),
    }))


if __name__ == "__main__":
    main()
