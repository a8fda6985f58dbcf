"""Fixtures of the hostile-input tests: the host tests' sample app in a fresh folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "host" / "sample_app.py"


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The host tests' sample app, polling fast and poisoning after two attempts."""
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(SAMPLE, root / "function_app.py")
    (root / "host.json").write_text(json.dumps({
        "version": "2.0",
        "extensions": {"queues": {"maxPollingInterval": "00:00:00.020", "maxDequeueCount": 2}},
    }))
    monkeypatch.setenv("AZFUNC_TEST_MARKS", str(tmp_path))
    monkeypatch.setenv("TICK_SCHEDULE", "0 0 0 1 1 *")
    return root
