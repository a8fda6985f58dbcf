"""The import budget, checked by what gets imported (never by timing: see bench/ for that).

``import azfunc`` must stay cheap: it loads the error tree and the version, and every other
public name on first use (PEP 562). Each check runs in a fresh interpreter, because this
test process has long since imported everything. The timed budget (at most a quarter of
``import azure.functions``' overhead) is the ``import.cold`` case of ``bench/run.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import azfunc as func

#: azfunc modules ``import azfunc`` may load. Adding one is a deliberate budget decision.
CORE_MODULES = frozenset({"azfunc", "azfunc._errors", "azfunc._version"})

#: top-level modules ``import azfunc`` must not load: optional dependencies, servers, and
#: standard-library packages that cost milliseconds (json pulls in re; email, http.cookies,
#: asyncio and datetime are all several ms each) and only some functions need.
HEAVY = frozenset({
    "multidict", "dateutil", "uvicorn", "httpx", "werkzeug", "multipart", "azure",
    "asyncio", "concurrent", "email", "http", "json", "re", "datetime", "urllib",
    "dataclasses", "inspect", "logging", "tempfile", "socket", "ssl", "decimal", "uuid",
    "base64",
})


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``, minus its start-up set."""
    script = textwrap.dedent(
        """
        import json, sys
        _before = set(sys.modules)
        {code}
        print(json.dumps(sorted(set(sys.modules) - _before)))
        """
    ).format(code=textwrap.dedent(code).strip())
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    # ``json`` and ``sys`` are imported by the probe itself, before the snapshot.
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return set(loaded)


def _top(names: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in names}


def test_import_azfunc_loads_only_the_core() -> None:
    loaded = _modules_after("import azfunc")
    ours = {m for m in loaded if m == "azfunc" or m.startswith("azfunc.")}
    assert ours == CORE_MODULES, f"import azfunc loaded {sorted(ours - CORE_MODULES)}"
    heavy = HEAVY & _top(loaded - ours)
    assert not heavy, f"import azfunc imported {sorted(heavy)}"


def test_dir_lists_every_public_name_without_importing_it() -> None:
    loaded = _modules_after(
        """
        import azfunc
        _missing = set(azfunc.__all__) - set(dir(azfunc))
        assert not _missing, _missing
        """
    )
    assert {m for m in loaded if m.startswith("azfunc")} == CORE_MODULES


def test_errors_are_usable_without_loading_anything_else() -> None:
    loaded = _modules_after(
        """
        import azfunc
        try:
            raise azfunc.BodyDecodeError("x")
        except ValueError:
            pass
        """
    )
    assert {m for m in loaded if m.startswith("azfunc")} == CORE_MODULES


@pytest.mark.parametrize("name", func.__all__)
def test_every_public_name_can_be_imported(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from azfunc import {name}", namespace)
    assert namespace[name] is getattr(func, name)


@pytest.mark.parametrize(
    ("name", "must_not_load"),
    [
        ("QueueMessage", ("azfunc.http", "azfunc.app", "azfunc.host", "multidict")),
        ("EventHubEvent", ("azfunc.http", "azfunc.app", "azfunc.host", "multidict")),
        ("HttpResponse", ("azfunc.bindings", "azfunc.app", "azfunc.host")),
        ("HttpRequest", ("azfunc.bindings", "azfunc.app", "azfunc.host")),
        ("Datum", ("azfunc.http", "azfunc.bindings", "azfunc.app", "azfunc.host")),
    ],
)
def test_a_lazy_name_loads_only_its_own_part(name: str, must_not_load: tuple[str, ...]) -> None:
    loaded = _modules_after(f"import azfunc\nazfunc.{name}")
    wrong = sorted(m for m in loaded for prefix in must_not_load
                   if m == prefix or m.startswith(prefix + "."))
    assert not wrong, f"azfunc.{name} also loaded {wrong}"


def test_first_use_of_http_request_skips_multipart_and_dateutil() -> None:
    loaded = _modules_after(
        """
        import azfunc as func
        req = func.HttpRequest(
            method="POST",
            url="https://example.org/api/items?id=7&tag=a&tag=b",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Cookie": "sid=abc; theme=dark", "X-Trace": "1"},
            body=b'{"name": "widget", "count": 3}',
        )
        assert req.get_json() == {"name": "widget", "count": 3}
        assert req.params.getall("tag") == ["a", "b"]
        assert req.headers["x-trace"] == "1"
        assert req.cookies["sid"] == "abc"
        assert req.get_body().startswith(b"{")
        """
    )
    wrong = sorted(m for m in loaded
                   if "multipart" in m or _top({m}) & {"dateutil", "werkzeug"})
    assert not wrong, f"first use of HttpRequest loaded {wrong}"


def test_queue_trigger_with_iso_times_does_not_import_dateutil() -> None:
    loaded = _modules_after(
        """
        import datetime as dt
        import azfunc as func
        from azfunc import Datum
        converter = func.get_binding_registry().require("queueTrigger")
        msg = converter.decode(
            Datum("hello", "string"),
            trigger_metadata={
                "Id": Datum('"6b1e4a4b"', "json"),
                "DequeueCount": Datum("2", "json"),
                "InsertionTime": Datum('"2019-10-16T17:58:31+00:00"', "json"),
                "ExpirationTime": Datum('"2019-10-23T17:58:31.1234567Z"', "json"),
                "NextVisibleTime": Datum("2019-10-16T18:08:31+02:00", "string"),
                "PopReceipt": Datum("AgAAAAMAAAAAAAAA", "string"),
            },
        )
        utc = dt.timezone.utc
        assert msg.insertion_time == dt.datetime(2019, 10, 16, 17, 58, 31, tzinfo=utc)
        assert msg.expiration_time == dt.datetime(2019, 10, 23, 17, 58, 31, 123456, tzinfo=utc)
        assert msg.time_next_visible == dt.datetime(2019, 10, 16, 16, 8, 31, tzinfo=utc)
        assert msg.dequeue_count == 2 and msg.get_body() == b"hello"
        """
    )
    assert "dateutil" not in _top(loaded)
