"""Function keys of the local host, checked as the Functions host checks them.

Rules this module keeps:

* A request presents a key in the ``x-functions-key`` header (its first value) or, only
  when that header is absent, in the ``code`` query parameter.
* A key's level, as ``SecretManager`` grants it: the master key is ``admin``, a system key
  ``system``, a host function key or one of the function's own keys ``function``; any other
  key (or none) is ``anonymous``.
* A level is allowed as ``AuthUtility`` allows it: ``anonymous`` needs nothing, ``admin``
  satisfies every level, any other level needs a key of exactly that level (a system key
  does not open a ``function`` function, a function key does not open an ``admin`` one).
* Keys are compared with :func:`hmac.compare_digest`, every key of a kind is compared
  (no early exit on the first byte), and no key ever appears in a log record or an error.
* The key store is ``keys.json`` under the app's ``.azfunc/`` folder (mode 0600): created on
  first start with keys from :mod:`secrets`, one ``default`` key per HTTP function added
  when a function is new. The settings ``AZFUNC_MASTER_KEY`` and ``AZFUNC_HOST_KEY``
  (``local.settings.json`` or the environment) override the stored master key and the
  ``default`` host key. A store that cannot be read raises
  :class:`~azfunc.ConfigurationError`; a failed write :class:`~azfunc.StorageError`.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote_plus

from .._errors import ConfigurationError, StorageError
from .storage import atomic_write  # mkstemp: the file is created 0600

__all__ = ["LEVELS", "KeyStore", "allows", "presented_key"]

#: the ``authLevel`` values of an HTTP trigger, lower-cased.
LEVELS: Final = ("anonymous", "user", "function", "system", "admin")
KEYS_FILE: Final = "keys.json"
MASTER_SETTING: Final = "AZFUNC_MASTER_KEY"
HOST_KEY_SETTING: Final = "AZFUNC_HOST_KEY"


def _new_key() -> str:
    return secrets.token_urlsafe(40)


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"),
                               b.encode("utf-8", "surrogatepass"))


def _match(keys: Mapping[str, str], value: str) -> str | None:
    """The name of the key in ``keys`` equal to ``value``; compares against all of them."""
    found: str | None = None
    for name, key in keys.items():
        if _equal(key, value) and found is None:
            found = name
    return found


def presented_key(headers: Iterable[tuple[bytes, bytes]], query_string: bytes) -> str | None:
    """The key a request presents: ``x-functions-key``, else the ``code`` query value.

    Example:
        >>> presented_key([(b"x-functions-key", b"k1")], b"code=k2")
        'k1'
        >>> presented_key([], b"a=1&code=k%2B2&code=k3")
        'k+2'
        >>> presented_key([], b"") is None
        True
    """
    for header, content in headers:
        if bytes(header).lower() == b"x-functions-key":
            return bytes(content).decode("latin-1")
    for pair in bytes(query_string).decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if unquote_plus(name, encoding="latin-1") == "code":
            return unquote_plus(value)
    return None


def allows(required: str, granted: str) -> bool:
    """Whether a key of level ``granted`` may call a function of level ``required``.

    Example:
        >>> allows("function", "admin"), allows("function", "system"), allows("admin", "function")
        (True, False, False)
    """
    required = required.lower()
    return required == "anonymous" or granted == "admin" or granted == required


@dataclass
class KeyStore:
    """The master, system, host function and per-function keys of one app.

    Example:
        >>> import tempfile, pathlib
        >>> store = KeyStore.open(pathlib.Path(tempfile.mkdtemp()), functions=["Hello"])
        >>> store.created, store.level(store.master_key, "hello")
        (True, ('_master', 'admin'))
        >>> store.level(store.functions["hello"]["default"], "hello")
        ('default', 'function')
        >>> store.level(store.functions["hello"]["default"], "other")
        (None, 'anonymous')
    """

    path: Path
    master_key: str
    host_keys: dict[str, str] = field(default_factory=dict)
    system_keys: dict[str, str] = field(default_factory=dict)
    functions: dict[str, dict[str, str]] = field(default_factory=dict)
    created: bool = False

    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        functions: Iterable[str] = (),
        settings: Mapping[str, str] | None = None,
    ) -> KeyStore:
        """Read ``folder/keys.json``, creating it (or the keys of new functions) as needed.

        Raises:
            ConfigurationError: if the file exists but is not a key store.
            StorageError: if the file cannot be written.
        """
        path = folder / KEYS_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        except OSError as exc:
            raise ConfigurationError(f"cannot read the key store {path}: {exc}") from None
        if text is None:
            store = cls(path, _new_key(), {"default": _new_key()}, created=True)
        else:
            store = cls._parse(path, text)
        changed = store.created
        for name in functions:
            own = store.functions.setdefault(name.lower(), {})
            if not own:
                own["default"] = _new_key()
                changed = True
        if changed:
            store._save()
        values = settings or {}
        if values.get(MASTER_SETTING):
            store.master_key = values[MASTER_SETTING]
        if values.get(HOST_KEY_SETTING):
            store.host_keys["default"] = values[HOST_KEY_SETTING]
        return store

    @classmethod
    def _parse(cls, path: Path, text: str) -> KeyStore:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ConfigurationError(f"the key store {path} is not valid JSON") from None

        def keys(value: object, what: str) -> dict[str, str]:
            if value is None:
                return {}
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
            ):
                raise ConfigurationError(f"the key store {path}: {what} must map names to keys")
            return dict(value)

        if not isinstance(data, dict) or not isinstance(data.get("masterKey"), str) or not (
            data["masterKey"]
        ):
            raise ConfigurationError(f"the key store {path} has no masterKey")
        per_function = data.get("functions") or {}
        if not isinstance(per_function, dict):
            raise ConfigurationError(f"the key store {path}: functions must be an object")
        return cls(
            path,
            data["masterKey"],
            keys(data.get("functionKeys"), "functionKeys"),
            keys(data.get("systemKeys"), "systemKeys"),
            {str(name).lower(): keys(value, f"functions.{name}")
             for name, value in per_function.items()},
        )

    def _save(self) -> None:
        document = {
            "masterKey": self.master_key,
            "functionKeys": self.host_keys,
            "systemKeys": self.system_keys,
            "functions": self.functions,
        }
        try:
            atomic_write(self.path, json.dumps(document, indent=2).encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"cannot write the key store {self.path}: {exc}") from exc

    def level(self, key: str | None, function: str | None) -> tuple[str | None, str]:
        """(key name, level) that ``key`` grants for ``function`` (``anonymous`` if none)."""
        if not key:
            return None, "anonymous"
        if _equal(self.master_key, key):
            return "_master", "admin"
        name = _match(self.system_keys, key)
        if name is not None:
            return name, "system"
        name = _match(self.host_keys, key)
        if name is not None:
            return name, "function"
        if function is not None:
            name = _match(self.functions.get(function.lower(), {}), key)
            if name is not None:
                return name, "function"
        return None, "anonymous"

    def authorize(self, required: str, key: str | None, function: str | None) -> bool:
        """Whether ``key`` may call ``function`` whose ``authLevel`` is ``required``."""
        if required.lower() == "anonymous":
            return True
        return allows(required, self.level(key, function)[1])
