"""Print, as JSON, what an SDK renders for ``every_decorator_app``: function name -> what
its ``Function`` object answers (bindings, raw bindings, dict form, settings, ...).

Run as ``python render_app.py <sdk>`` (``azfunc`` or ``azure.functions``) in an environment
that has that SDK; the comparison tests run it for azfunc and for each upstream version.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _plain(value: Any) -> Any:
    """``value`` as JSON would hold it; enum members (upstream keeps them in its dicts) by
    name, as upstream's own JSON encoder writes them."""
    return json.loads(json.dumps(value, default=lambda v: getattr(v, "name", str(v))))


def _describe(function: Any) -> dict[str, Any]:
    trigger = function.get_trigger()
    return {
        "bindings": json.loads(function.get_function_json())["bindings"],
        "raw_bindings": [json.loads(raw) for raw in function.get_raw_bindings()],
        "bindings_dict": _plain(function.get_bindings_dict()),
        "dict_repr_keys": sorted(function.get_dict_repr()),
        "script_file": function.function_script_file,
        "trigger": [trigger.name, trigger.type],
        "is_http": function.is_http_function(),
        "http_type": function.http_type,
        "settings": {name: _plain(function.get_settings_dict(name))
                     for name in ("function_name", "retry_policy")},
        "user_function": function.get_user_function().__name__,
    }


def main() -> None:
    os.environ["SURFACE_SDK"] = sys.argv[1]
    sys.path.insert(0, str(Path(__file__).parent))
    import every_decorator_app

    out = {f.get_function_name(): _describe(f) for f in every_decorator_app.app.get_functions()}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
