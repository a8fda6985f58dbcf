"""The example apps' tests, laid out as the developer guide recommends: outside ``__app__``.

``examples/folder_app`` is loaded (and so importable as ``__app__``) before the test modules
are collected, which is what the plugin's ``azfunc_app`` ini option does for users::

    [tool.pytest.ini_options]
    azfunc_app = "examples/folder_app"

so the guide's tests run unchanged: ``from __app__.HttpTrigger import my_function``.
"""

from __future__ import annotations

from pathlib import Path

import azfunc.testing.plugin as azfunc_plugin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FOLDER_APP = EXAMPLES / "folder_app"
DECORATOR_APP = EXAMPLES / "decorator_app"

azfunc_plugin.make_importable(FOLDER_APP)

