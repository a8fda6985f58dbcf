"""Print, as JSON, what an SDK renders for ``every_decorator_app``: function name -> bindings.

Run as ``python render_app.py <sdk>`` (``azfunc`` or ``azure.functions``) in an environment
that has that SDK; the comparison test runs it for both.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _bindings(function: Any) -> list[dict[str, Any]]:
    rendered = json.loads(function.get_function_json())
    return list(rendered["bindings"])


def main() -> None:
    os.environ["SURFACE_SDK"] = sys.argv[1]
    sys.path.insert(0, str(Path(__file__).parent))
    import every_decorator_app

    out = {f.get_function_name(): _bindings(f) for f in every_decorator_app.app.get_functions()}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
