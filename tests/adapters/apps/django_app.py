"""A Django app in one module: its URL router, a JSON view, a CSRF-exempt POST, 404."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

import azfunc as func

#: the URL conf's module name, the same whether the tests or the local host imported this file
URLCONF = "azfunc_tests_django_urls"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="only-for-tests",
        ROOT_URLCONF=URLCONF,
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )


def item(request: HttpRequest, item_id: int) -> JsonResponse:
    return JsonResponse({"item_id": item_id, "script": request.META.get("SCRIPT_NAME", ""),
                         "path": request.path, "path_info": request.path_info})


@csrf_exempt
def create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    return JsonResponse({"created": json.loads(request.body)}, status=201)


#: the size of the first part /upload-chunks read (see /first-chunk).
FIRST: list[int] = []
FIRST_READ = threading.Event()


@csrf_exempt
def upload_chunks(request: HttpRequest) -> HttpResponse:
    """Reads a 5-byte head, then the rest; ``/first-chunk`` tells the head's size."""
    head = request.read(5)
    FIRST.append(len(head))
    FIRST_READ.set()
    rest = request.read()
    return JsonResponse({"chunks": [len(head), len(rest)]})


def first_chunk(request: HttpRequest) -> HttpResponse:
    FIRST_READ.wait(20)
    FIRST_READ.clear()
    return JsonResponse({"first": FIRST.pop() if FIRST else None})


def guarded(request: HttpRequest) -> HttpResponse:
    return HttpResponse("csrf let it through")


urlpatterns: list[Any] = [
    path("items/<int:item_id>", item),
    path("create", create),
    path("guarded", guarded),
    path("upload-chunks", upload_chunks),
    path("first-chunk", first_chunk),
]

sys.modules.setdefault(URLCONF, sys.modules[__name__])

wsgi_api = get_wsgi_application()
asgi_api = get_asgi_application()

app = func.WsgiFunctionApp(wsgi_api, http_auth_level=func.AuthLevel.ANONYMOUS)
