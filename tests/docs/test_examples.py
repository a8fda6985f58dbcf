"""Every Python example in the documentation runs, as written.

The pages are ``README.md`` and ``docs/**/*.md`` (the site's sources). In each page:

* a fenced block preceded by ``<!-- file: PATH -->`` is written to ``PATH`` in a fresh
  temporary folder (any language: ``function_app.py``, ``host.json``, ``test_app.py``, ...);
* every other ``python`` block runs, in page order, in one namespace per page, with that
  folder as the working directory and on ``sys.path`` — so a later block may use what an
  earlier one defined, and import the files the page wrote; after the last block, each
  ``test_*`` function the page defined that takes no arguments is called;
* if the page wrote ``test_*.py`` files, pytest runs them there (in a subprocess, with the
  azfunc plugin, as a user's project would) and must pass;
* ``<!-- run-in: upstream -->`` runs a block on its own in ``.venv-upstream`` (the test
  command builds it: ``azure-functions`` and ``azure-functions-durable``, which azfunc's own
  environment never installs), with this checkout on ``PYTHONPATH``;
* a ``console`` block with ``$ `` lines is a shell session (one without is a listing, not
  run), run in page order in the same folder: each
  ``$ COMMAND`` line runs in bash (with this environment's ``azfunc`` and ``python`` first on
  ``PATH``), and the lines after it, up to the next ``$``, are its expected output (stdout
  and stderr together). In expected output ``...`` inside a line matches any text on that
  line, and a line holding only ``...`` matches any number of lines. A command line
  ending in ``\\`` goes on in the next line, as in bash. A command shown with no
  output must exit 0; one shown with output must print it (its exit code is shown, where
  it matters, by the session itself: ``$ azfunc check; echo "exit $?"``);
* in a session, ``$ azfunc start ... &`` (or ``azfunc worker ... &``) starts the local host
  (or the custom-handler worker) in the background, as it would in a terminal: the runner
  starts it on a free loopback port instead of the one printed (``--port N``, else 7071),
  waits until it answers, and compares what it printed by then (its banner) with the lines
  shown after the command. Later commands of the block
  (``curl``, say) reach it at the printed address: the runner puts the real port in the
  commands it runs and the printed one back in their output. ``$ kill -INT %1`` stops the
  first background job as Ctrl-C does (``kill %1``: with ``SIGTERM``, as bash does) and must
  find it stopped cleanly (exit status 0); a job left running gets ``SIGINT`` at the end of
  the block. Without ``curl`` on ``PATH`` a block that calls it is skipped, saying so;
* ``<!-- no-run: REASON -->`` before a block excludes it; the reason is required. A
  ``python`` block excluded so (one that needs Azure, say) is still type-checked: mypy
  reads it, with the page's files beside it, and must find no error.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

_BLOCK = re.compile(
    r"(?:<!--\s*(?P<marker>file|no-run|run-in):\s*(?P<arg>[^>]*?)\s*-->\s*\n)?"
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```",
    re.S | re.M,
)


@dataclass
class Block:
    lang: str
    body: str
    line: int
    file: str | None = None
    skip: str | None = None
    run_in: str | None = None


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)


def parse_page(path: Path) -> Page:
    """The fenced blocks of one page, with their markers."""
    text = path.read_text(encoding="utf-8")
    page = Page(path)
    for m in _BLOCK.finditer(text):
        indent = m.group("indent")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in m.group("body").splitlines()) + "\n"
        block = Block(m.group("lang"), body, text.count("\n", 0, m.start("indent")) + 1)
        if m.group("marker") == "file":
            block.file = m.group("arg")
        elif m.group("marker") == "no-run":
            block.skip = m.group("arg")
        elif m.group("marker") == "run-in":
            block.run_in = m.group("arg")
        page.blocks.append(block)
    return page


def _has_examples(path: Path) -> bool:
    return any(b.lang in {"python", "console"} or b.file for b in parse_page(path).blocks)


ENVIRONMENTS = {"upstream": ROOT / ".venv-upstream" / "bin" / "python"}


def _run_elsewhere(block: Block, page: Page, where: Path) -> None:
    python = ENVIRONMENTS.get(block.run_in or "")
    assert python is not None, f"{page.path.name}:{block.line}: unknown run-in {block.run_in!r}"
    if not python.exists():
        pytest.skip(f"{python.parent.parent.name} is missing: run python3 scripts/dev.py test")
    done = subprocess.run([str(python), "-c", block.body], cwd=where, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, f"{page.path.name}:{block.line}:\n{done.stderr[-3000:]}"


def session_commands(body: str) -> list[tuple[str, list[str]]]:
    """A ``console`` block's commands, each with the output lines shown after it."""
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands and not commands[-1][1] and commands[-1][0].endswith("\\"):
            commands[-1] = (f"{commands[-1][0]}\n{line}", [])  # a continued command line
        elif commands:
            commands[-1][1].append(line)
    return commands


def output_pattern(expected: list[str]) -> re.Pattern[str]:
    """The expected output as a regex: ``...`` is any text in a line, or any lines alone."""
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(r"[^\n]*".join(map(re.escape, line.rstrip().split("..."))) + r"\n")
    return re.compile("".join(parts), re.S)


_BACKGROUND = re.compile(r"^(?P<command>azfunc (?:start|worker)\b.*?)\s*&$")
_OTHER_BACKGROUND = re.compile(r"(?<![&|>])&\s*$")
_KILL_JOB = re.compile(r"^kill(?: -(?P<signal>INT|SIGINT|TERM|SIGTERM))? %(?P<job>\d+)$")
_PORT_OPTION = re.compile(r"--port(?:=|\s+)(?P<port>\d+)")
DEFAULT_PORT = 7071
READY_TIMEOUT = 90.0


@dataclass
class Job:
    """An ``azfunc start/worker ... &`` of a session: its process and where its output goes."""

    process: subprocess.Popen[bytes]
    log: Path
    shown_port: int
    port: int

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, how: signal.Signals = signal.SIGINT, timeout: float = 30.0) -> int:
        """Stop the job (by default as Ctrl-C does: ``SIGINT`` to its process group); its
        exit status, or minus the signal that ended it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, how)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        return self.process.returncode


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    """Whether the host on ``port`` answers HTTP (any status: keys may be enforced, and the
    worker has no admin endpoint)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/host/status", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Session:
    """One ``console`` block's shell state: its background jobs and their ports."""

    def __init__(self, where: Path, env: dict[str, str]) -> None:
        self.where, self.env = where, env
        self.jobs: list[Job] = []

    def to_real(self, command: str) -> str:
        """The command as run: each job's printed loopback port replaced by its real one."""
        for job in self.jobs:
            command = re.sub(rf"\b(127\.0\.0\.1|localhost):{job.shown_port}\b",
                             rf"\g<1>:{job.port}", command)
        return command

    def to_shown(self, output: str) -> str:
        """Output as printed on the page: each job's real port replaced by the printed one."""
        for job in self.jobs:
            output = re.sub(rf"\b(127\.0\.0\.1|localhost):{job.port}\b",
                            rf"\g<1>:{job.shown_port}", output)
        return output

    def start(self, command: str, expected: list[str], where_at: str) -> str:
        """Run ``command`` (``azfunc start``/``worker``) in the background; its output, ready."""
        found = _PORT_OPTION.search(command)
        shown_port = int(found.group("port")) if found else DEFAULT_PORT
        port = _free_port()
        run = (_PORT_OPTION.sub(f"--port {port}", command) if found
               else f"{command} --port {port}")
        log = self.where / f".session-job-{len(self.jobs) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(["bash", "-c", f"exec {run}"], cwd=self.where,
                                       stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                       start_new_session=True)
        job = Job(process, log, shown_port, port)
        self.jobs.append(job)
        pattern = output_pattern(expected) if expected else None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{where_at} exited {process.returncode} before it "
                                     f"answered:\n{job.output()}")
            if _answers(port) and (pattern is None or pattern.fullmatch(self.shown(job))):
                break
            time.sleep(0.1)
        return self.shown(job)

    def shown(self, job: Job) -> str:
        text = self.to_shown(job.output())
        return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"

    def kill(self, number: int, how: signal.Signals, where_at: str) -> None:
        """``kill [-INT|-TERM] %number``, as bash does it: the signal to that job."""
        assert 1 <= number <= len(self.jobs), f"{where_at}: there is no job %{number}"
        job = self.jobs[number - 1]
        status = job.stop(how)
        assert status == 0, f"{where_at}: the job exited {status}:\n{self.shown(job)}"

    def close(self) -> None:
        for job in self.jobs:
            job.stop()


def _run_session(block: Block, page: Page, where: Path) -> None:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "100"}
    commands = session_commands(block.body)
    if any(re.search(r"\bcurl\b", c) for c, _ in commands) and not shutil.which("curl"):
        pytest.skip(f"{page.path.name}:{block.line}: the session calls curl, which is not "
                    "installed here")
    session = Session(where, env)
    try:
        for command, expected in commands:
            where_at = f"{page.path.name}:{block.line}: $ {command}"
            while expected and not expected[-1].strip():
                expected.pop()
            background = _BACKGROUND.match(command)
            killed = _KILL_JOB.match(command)
            assert background or not _OTHER_BACKGROUND.search(command), (
                f"{where_at}: only `azfunc start/worker ... &` can run in the background")
            if background:
                shown = session.start(background.group("command"), expected, where_at)
                returncode = 0
            elif killed:
                how = signal.SIGINT if "INT" in (killed.group("signal") or "") \
                    else signal.SIGTERM
                session.kill(int(killed.group("job")), how, where_at)
                shown, returncode = "\n", 0
            else:
                done = subprocess.run(["bash", "-c", session.to_real(command)], cwd=where,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, timeout=120, env=env)
                output = session.to_shown(done.stdout)
                shown = "\n".join(line.rstrip() for line in output.splitlines()) + "\n"
                returncode = done.returncode
            if not expected:
                assert returncode == 0, f"{where_at} exited {returncode}:\n{shown}"
            else:
                assert output_pattern(expected).fullmatch(shown), (
                    f"{where_at}\n--- expected\n" + "\n".join(expected) + f"\n--- got\n{shown}")
    finally:
        session.close()


def _type_check(blocks: list[Block], page: Page, where: Path) -> None:
    """mypy over the ``no-run`` python blocks (each its own module, beside the page's files)."""
    files = []
    for n, block in enumerate(blocks):
        target = where / f"_no_run_{n}_line_{block.line}.py"
        target.write_text(block.body, encoding="utf-8")
        files.append(str(target))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-incremental",
         "--cache-dir", os.devnull, "--no-error-summary", *files],
        cwd=where, capture_output=True, text=True, timeout=300,
        env={**os.environ, "MYPYPATH": str(ROOT)})  # azfunc from this checkout
    assert done.returncode == 0, f"{page.path.name}: a no-run block does not type-check:\n" + (
        done.stdout[-3000:] + done.stderr[-1000:])


def _run_page(page: Page, where: Path) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs_{page.path.stem}"}
    unrun = [b for b in page.blocks if b.skip is not None and b.lang == "python"]
    for block in page.blocks:
        if block.skip is not None:
            assert block.skip, f"{page.path.name}:{block.line}: no-run needs a reason"
            continue
        if block.file:
            target = where / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
            continue
        if block.lang == "console":
            _run_session(block, page, where)
            continue
        if block.lang != "python":
            continue
        if block.run_in is not None:
            _run_elsewhere(block, page, where)
            continue
        where_from = page.path.relative_to(ROOT) if page.path.is_relative_to(ROOT) else page.path
        code = compile(block.body, f"{where_from}:{block.line}", "exec")
        exec(code, namespace)
    if unrun:
        _type_check(unrun, page, where)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value) and value.__code__.co_argcount == 0:
            value()
    tests = sorted(p for p in where.rglob("test_*.py"))
    if tests:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
             *map(str, tests)],
            cwd=where, capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.mark.parametrize(
    "path", [p for p in PAGES if _has_examples(p)],
    ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    try:
        _run_page(parse_page(path), tmp_path)
    finally:
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
                del sys.modules[name]


def test_markers_are_parsed(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "text\n\n<!-- file: app/function_app.py -->\n```python\nX = 1\n```\n\n"
        "<!-- no-run: needs a database -->\n```python\nconnect()\n```\n\n"
        "- item\n\n  ```python\n  y = 2\n  ```\n", encoding="utf-8")
    blocks = parse_page(page).blocks
    assert [(b.file, b.skip, b.body) for b in blocks] == [
        ("app/function_app.py", None, "X = 1\n"),
        (None, "needs a database", "connect()\n"),
        (None, None, "y = 2\n"),
    ]


def test_a_failing_example_fails(tmp_path: Path) -> None:
    page = tmp_path / "bad.md"
    page.write_text("```python\nassert 1 == 2, 'the example is wrong'\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="the example is wrong"):
        _run_page(parse_page(page), tmp_path)


def test_a_session_runs_and_compares_its_output(tmp_path: Path) -> None:
    page = tmp_path / "s.md"
    page.write_text("```console\n$ echo one; echo two; echo three\none\n...\nth...e\n"
                    "$ true\n$ echo a \\\n    b\na b\n```\n", encoding="utf-8")
    _run_page(parse_page(page), tmp_path)
    page.write_text("```console\n$ echo one\ntwo\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"--- got\s+one"):
        _run_page(parse_page(page), tmp_path)
    page.write_text("```console\n$ false\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="exited 1"):
        _run_page(parse_page(page), tmp_path)


def test_a_no_run_block_is_still_type_checked(tmp_path: Path) -> None:
    page = tmp_path / "t.md"
    page.write_text("<!-- no-run: needs an Azure account -->\n```python\n"
                    "import azfunc as func\nresp: func.HttpResponse = func.HttpResponse('x')\n"
                    "```\n", encoding="utf-8")
    _run_page(parse_page(page), tmp_path)
    page.write_text("<!-- no-run: needs an Azure account -->\n```python\n"
                    "import azfunc as func\nresp: int = func.HttpResponse('x')\n```\n",
                    encoding="utf-8")
    with pytest.raises(AssertionError, match="does not type-check"):
        _run_page(parse_page(page), tmp_path)


_HOST_APP = (
    "<!-- file: app/function_app.py -->\n```python\nimport azfunc as func\n\n"
    "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n\n\n"
    "@app.route(route=\"hi\")\ndef hi(req: func.HttpRequest) -> func.HttpResponse:\n"
    "    return func.HttpResponse(f\"hi {req.url}\")\n```\n\n"
    "<!-- file: app/host.json -->\n```json\n{\"version\": \"2.0\"}\n```\n\n"
)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_a_session_starts_the_host_in_the_background_and_calls_it(tmp_path: Path) -> None:
    page = tmp_path / "h.md"
    page.write_text(_HOST_APP + "```console\n$ azfunc start app --port 7999 &\n...\n"
                    "  hi: [...] http://127.0.0.1:7999/api/hi\n"
                    "$ curl -s http://127.0.0.1:7999/api/hi\nhi http://127.0.0.1:7999/api/hi\n"
                    "$ kill -INT %1\n```\n", encoding="utf-8")
    _run_page(parse_page(page), tmp_path)
    page.write_text(_HOST_APP + "```console\n$ azfunc start app &\n"
                    "$ curl -s http://127.0.0.1:7071/api/hi\nhello\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"--- got\s+hi http://127.0.0.1:7071/api/hi"):
        _run_page(parse_page(page), tmp_path)


def test_a_background_host_that_stops_fails_the_session(tmp_path: Path) -> None:
    page = tmp_path / "h.md"
    page.write_text("```console\n$ azfunc start no-such-app &\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"exited 2 before it answered"):
        _run_page(parse_page(page), tmp_path)


def test_only_the_host_runs_in_the_background(tmp_path: Path) -> None:
    page = tmp_path / "h.md"
    page.write_text("```console\n$ sleep 1 &\n$ kill %2\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=re.escape("only `azfunc start/worker ... &`")):
        _run_page(parse_page(page), tmp_path)
    page.write_text("```console\n$ kill %2\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="there is no job %2"):
        _run_page(parse_page(page), tmp_path)


def test_a_session_calling_curl_is_skipped_without_curl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    page = tmp_path / "c.md"
    page.write_text("```console\n$ curl -s http://127.0.0.1:7071/\n```\n", encoding="utf-8")
    with pytest.raises(pytest.skip.Exception, match="calls curl, which is not installed"):
        _run_page(parse_page(page), tmp_path)
