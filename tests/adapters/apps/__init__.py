"""Small framework apps the adapter tests run, through ``handle`` and through ``azfunc start``.

Each module is self-contained (it can be copied as ``function_app.py``) and defines the
framework app (``api``) and the function app that serves it (``app``).
"""
