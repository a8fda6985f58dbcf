"""azfunc.app: function apps, from ``function.json`` folders or from decorators.

One metadata model (:mod:`azfunc.app.model`) is fed by two front-ends:

* :mod:`azfunc.app.folder` reads the folder layout (``host.json`` at the root, one folder per
  function with ``function.json``) and imports function code under the ``__app__`` package;
* :mod:`azfunc.app.decorators` holds :class:`FunctionApp` and :class:`Blueprint`, whose
  decorators return the user's function unchanged and keep the metadata beside it.

:mod:`azfunc.app.loader` finds and loads either layout (:func:`load_app`);
:mod:`azfunc.app.validation` applies the Python worker's load-time rules offline
(:func:`check_app`, ``azfunc check``); :mod:`azfunc.app.invocation` runs one invocation as a
host would. Nothing here imports a server or the network.
"""
