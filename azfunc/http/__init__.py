"""azfunc.http: the HTTP trigger and output binding.

Modules, each with one job:

* :mod:`~azfunc.http.request`: :class:`~azfunc.http.request.HttpRequest`, read-only, lazy.
* :mod:`~azfunc.http.response`: :class:`~azfunc.http.response.HttpResponse`, mutable.
* :mod:`~azfunc.http.method`: the :class:`~azfunc.http.method.HttpMethod` enum.
* :mod:`~azfunc.http.headers`: read-only and validated mutable header multidicts.
* :mod:`~azfunc.http.cookies`: ``Cookie`` parsing and ``Set-Cookie`` formatting (RFC 6265).
* :mod:`~azfunc.http.forms`: form data (urlencoded and multipart), files, limits, encoders.
* :mod:`~azfunc.http.multipart`: the ``multipart/form-data`` parser (RFC 7578).
* :mod:`~azfunc.http._viewfile`: a zero-copy, read-only file over a slice of the body.
* :mod:`~azfunc.http._converters`: the ``httpTrigger`` and ``http`` converters.

This package module imports nothing, so ``import azfunc.http`` stays cheap.
"""
