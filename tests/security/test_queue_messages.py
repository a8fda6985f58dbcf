"""Every queue message ends processed or poisoned, however hostile its body."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from azfunc.host.expressions import binding_data
from azfunc.host.local import LocalHost
from tests.host.test_host_loop import running, until

DEEP_ARRAY = "[" * 5000
DEEP_IN_OBJECT = '{"id": "x", "deep": ' + "[" * 5000 + "]" * 5000 + "}"


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_IN_OBJECT, "{" * 5000, "\xff{"])
def test_a_hostile_message_is_poisoned_not_retried_forever(app_dir: Path, body: str) -> None:
    host = LocalHost(app_dir, poll_interval=0.02)
    host.storage.queue("orders").put(body)
    poison = host.storage.queue("orders-poison")

    async def main() -> None:
        async with running(host):
            await until(lambda: len(poison) == 1 and len(host.storage.queue("orders")) == 0)

    asyncio.run(main())
    assert [m.body for m in poison.messages()] == [body.encode("utf-8")]


def test_a_well_formed_message_still_binds_its_properties(app_dir: Path) -> None:
    host = LocalHost(app_dir, poll_interval=0.02)
    host.storage.queue("orders").put(json.dumps({"id": "7", "note": "n", "big": [[1]] * 100}))

    async def main() -> None:
        async with running(host):
            await until(lambda: host.storage.read_blob("done/7.json"))

    asyncio.run(main())
    written = json.loads(host.storage.read_blob("done/7.json") or b"")
    assert written["id"] == "7"


@pytest.mark.parametrize(
    "body", [DEEP_ARRAY, DEEP_IN_OBJECT, b"\xff", "[1, 2]", "7", "null", "{", b"{\"a\": 1}"]
)
def test_binding_data_of_any_body_is_a_dict(body: str | bytes) -> None:
    data = binding_data({"Id": "m"}, body=body, body_wins=True, names={"id", "a"})
    assert isinstance(data, dict)
    assert set(data) <= {"Id", "id", "a"}


def test_binding_data_keeps_only_the_names_the_bindings_use() -> None:
    body = json.dumps({"id": 1, "ID2": 2, "unused": list(range(100))})
    assert binding_data(body=body, names={"id", "id2"}) == {"id": 1, "ID2": 2}
    assert binding_data(body=body, names=()) == {}
    assert binding_data({"q": "1"}, body=body, names=frozenset()) == {"q": "1"}


def test_the_admin_endpoint_answers_a_deep_body_as_bad_input(app_dir: Path) -> None:
    host = LocalHost(app_dir, poll_interval=0.02)

    async def main() -> int:
        async with running(host) as client:
            response = await client.post("/admin/functions/process", content=DEEP_ARRAY)
            return response.status_code

    assert asyncio.run(main()) == 400
