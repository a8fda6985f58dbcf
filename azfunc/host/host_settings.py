"""The ``Host`` object of ``local.settings.json``: settings of the local host itself.

Rules this module keeps:

* Only ``Host`` is read (``Values`` are :mod:`azfunc.app.settings`); a missing file or a
  missing ``Host`` means defaults.
* ``LocalHttpPort`` is the port ``azfunc start`` listens on when ``--port`` is not given;
  ``CORS`` and ``CORSCredentials`` make the :class:`~azfunc.host.cors.CorsPolicy`.
* A value of the wrong type raises :class:`~azfunc.ConfigurationError` naming the key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError
from ..app.settings import SETTINGS_FILE
from .cors import CorsPolicy

__all__ = ["LocalHostSettings", "read_host_section"]


def read_host_section(root: str | os.PathLike[str]) -> Mapping[str, Any]:
    """The ``Host`` object of ``<root>/local.settings.json`` (empty when absent).

    Raises:
        ConfigurationError: if the file is not valid JSON or ``Host`` is not an object.
    """
    path = Path(root) / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{path} must hold a JSON object")
    host = data.get("Host") or {}
    if not isinstance(host, Mapping):
        raise ConfigurationError(f"{path}: \"Host\" must be a JSON object")
    return host


@dataclass(frozen=True)
class LocalHostSettings:
    """What ``local.settings.json`` ``Host`` asks of the local host.

    Example:
        >>> LocalHostSettings.from_host_section({"LocalHttpPort": 7072}).port
        7072
    """

    port: int | None = None
    cors: CorsPolicy | None = None

    @classmethod
    def from_host_section(cls, host: Mapping[str, Any]) -> LocalHostSettings:
        """Parse a ``Host`` object.

        Raises:
            ConfigurationError: if ``LocalHttpPort`` is not a port number (1-65535) or the
                CORS keys are invalid.
        """
        raw = host.get("LocalHttpPort")
        port: int | None = None
        if raw is not None and raw != "":
            text = str(raw).strip()
            if isinstance(raw, bool) or not text.isdigit() or not 0 < int(text) < 65536:
                raise ConfigurationError(
                    f"local.settings.json: Host.LocalHttpPort must be a port number "
                    f"(1-65535), not {raw!r}")
            port = int(text)
        return cls(port=port, cors=CorsPolicy.from_host_section(host))

    @classmethod
    def read(cls, root: str | os.PathLike[str]) -> LocalHostSettings:
        """The settings of the app in ``root``.

        Raises:
            ConfigurationError: if ``local.settings.json`` or its ``Host`` is invalid.
        """
        return cls.from_host_section(read_host_section(root))
