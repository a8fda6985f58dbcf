"""Each binding page names every public member of the types it documents.

A newcomer reads a binding's page, not its source: a property or method added to a type and
not to its page is a property they never learn of. For each (page, type) pair below, every
public name the type adds to its builtin bases (``dict``, ``list``, ``object``) must appear
in an inline code span of the page's prose or tables (code blocks do not count: an example
is no description). Members of ``io`` bases (``InputStream``'s file methods) count as
inherited: the blob page names the stream interface once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import azfunc as func

ROOT = Path(__file__).resolve().parents[2]

PAGES: dict[str, tuple[type, ...]] = {
    "docs/bindings.md": (func.Out, func.Context),
    "docs/bindings/durable.md": (func.OrchestrationContext, func.EntityContext),
    "docs/http.md": (func.HttpRequest, func.HttpResponse),
    "docs/bindings/queue.md": (func.QueueMessage,),
    "docs/bindings/blob.md": (func.InputStream,),
    "docs/bindings/timer.md": (func.TimerRequest,),
    "docs/bindings/event-hubs.md": (func.EventHubEvent,),
    "docs/bindings/service-bus.md": (func.ServiceBusMessage, func.ServiceBusOutputMessage),
    "docs/bindings/event-grid.md": (func.EventGridEvent, func.CloudEvent,
                                    func.EventGridOutputEvent),
    "docs/bindings/cosmos-db.md": (func.Document, func.DocumentList),
    "docs/bindings/kafka.md": (func.KafkaEvent,),
    "docs/bindings/sql.md": (func.SqlRow, func.SqlRowList),
}

_FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)
_SPAN = re.compile(r"`([^`\n]+)`")


def public_members(cls: type) -> list[str]:
    """The public names ``cls`` defines beyond its builtin and typing bases."""
    inherited: set[str] = set()
    for base in cls.__mro__[1:]:
        if base.__module__ in {"builtins", "collections.abc", "typing", "io", "_io"}:
            inherited |= set(dir(base))
    return sorted(n for n in dir(cls) if not n.startswith("_") and n not in inherited)


def described_names(page: Path) -> str:
    """The text of every inline code span outside the page's code blocks."""
    prose = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return " ".join(_SPAN.findall(prose))


def undescribed(page: Path, cls: type) -> list[str]:
    spans = described_names(page)
    return [n for n in public_members(cls) if not re.search(rf"\b{re.escape(n)}\b", spans)]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_member_is_on_its_page(page: str) -> None:
    missing = {cls.__name__: undescribed(ROOT / page, cls) for cls in PAGES[page]}
    assert not any(missing.values()), f"{page} does not describe: {missing}"


def test_a_member_only_in_an_example_is_not_described(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("| `get_body()` | bytes |\n\n```python\nmsg.to_json()\n```\n",
                    encoding="utf-8")
    missing = undescribed(page, func.QueueMessage)
    assert "to_json" in missing
    assert "get_body" not in missing
