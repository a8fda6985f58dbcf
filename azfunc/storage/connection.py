"""Which storage a binding's ``connection`` setting names: the embedded store or an account.

The rules are the Functions host's (``StorageAccountProvider`` and the extensions'
``connection`` lookup):

* The setting is looked up as given, then as ``AzureWebJobs<name>``; an empty name means
  ``AzureWebJobsStorage``. ``:`` and ``__`` are the same separator in setting names.
* Unset or empty -> :class:`EmbeddedConnection` (the on-disk store under ``<app>/.azfunc``,
  the default; needs nothing installed).
* ``UseDevelopmentStorage=true`` -> Azurite's well-known account at its loopback endpoints
  (``127.0.0.1:10000/10001/10002``), or at ``DevelopmentStorageProxyUri`` when given.
* Any other value is a connection string: ``AccountName``/``AccountKey`` with
  ``DefaultEndpointsProtocol``/``EndpointSuffix``, or explicit ``BlobEndpoint``/
  ``QueueEndpoint``/``TableEndpoint``, with a key or a ``SharedAccessSignature``.
* Identity-based settings (``<name>__serviceUri``, ``__blobServiceUri``,
  ``__queueServiceUri``, ``__tableServiceUri``, ``__accountName``, optionally
  ``__credential``/``__clientId``) -> an account reached with ``DefaultAzureCredential``
  (:func:`identity_credential`; needs ``azure-identity``).

Everything here is pure (no SDK import); a value that cannot be understood raises
:class:`~azfunc.ConfigurationError` naming the setting and the fix.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from .._errors import ConfigurationError

__all__ = [
    "AccountConnection",
    "EmbeddedConnection",
    "Service",
    "StorageConnection",
    "connection_problems",
    "format_connection_string",
    "identity_credential",
    "missing_storage_packages",
    "parse_connection_string",
    "resolve_connection",
]

Service = Literal["blob", "queue", "table"]
SERVICES: Final[tuple[Service, ...]] = ("blob", "queue", "table")
DEFAULT_SETTING: Final = "AzureWebJobsStorage"
DEVSTORE_ACCOUNT: Final = "devstoreaccount1"
#: Azurite's and the storage emulator's published well-known key (not a secret).
DEVSTORE_KEY: Final = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEVSTORE_PORTS: Final[Mapping[Service, int]] = {"blob": 10000, "queue": 10001, "table": 10002}
_ENDPOINT_KEYS: Final[Mapping[Service, str]] = {
    "blob": "BlobEndpoint", "queue": "QueueEndpoint", "table": "TableEndpoint",
}
_IDENTITY_SUFFIXES: Final = (
    "serviceUri", "blobServiceUri", "queueServiceUri", "tableServiceUri", "accountName",
    "credential", "clientId",
)
_PACKAGES: Final[Mapping[Service, tuple[str, str]]] = {
    "blob": ("azure.storage.blob", "azure-storage-blob"),
    "queue": ("azure.storage.queue", "azure-storage-queue"),
    "table": ("azure.data.tables", "azure-data-tables"),
}


@dataclass(frozen=True)
class EmbeddedConnection:
    """The on-disk store under ``<app>/.azfunc``: the setting is unset or empty."""

    setting: str


@dataclass(frozen=True)
class AccountConnection:
    """A storage account: Azurite, real Azure Storage, or a service behind explicit endpoints.

    ``connection_string`` is set when the setting was one (the SDKs'
    ``from_connection_string`` then applies); ``identity`` when the account is reached with
    ``DefaultAzureCredential`` (``client_id`` picks a user-assigned managed identity).
    """

    setting: str
    endpoints: Mapping[Service, str]
    account_name: str | None = None
    account_key: str | None = field(default=None, repr=False)
    sas_token: str | None = field(default=None, repr=False)
    connection_string: str | None = field(default=None, repr=False)
    identity: bool = False
    client_id: str | None = None
    development: bool = False

    def endpoint(self, service: Service) -> str:
        """The service's endpoint URL; a :class:`~azfunc.ConfigurationError` if it has none."""
        try:
            return self.endpoints[service]
        except KeyError:
            raise ConfigurationError(
                f"the connection {self.setting!r} has no {service} endpoint: add "
                f"{_ENDPOINT_KEYS[service]}= to the connection string (or "
                f"{self.setting}__{service}ServiceUri for an identity-based connection)",
            ) from None


StorageConnection = EmbeddedConnection | AccountConnection


def parse_connection_string(text: str, *, setting: str = DEFAULT_SETTING) -> dict[str, str]:
    """``Key=Value;...`` -> a dict with the keys as written (a value may contain ``=``).

    Empty segments are ignored; a segment without ``=``, an empty key or a repeated key is
    a :class:`~azfunc.ConfigurationError`.
    """
    parts: dict[str, str] = {}
    seen: set[str] = set()
    for segment in text.split(";"):
        if not segment.strip():
            continue
        key, sep, value = segment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigurationError(
                f"the setting {setting!r} is not a storage connection string: the part "
                f"{segment.strip()[:40]!r} is not Key=Value (expected e.g. "
                "'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...', or "
                "'UseDevelopmentStorage=true' for Azurite)",
            )
        if key.lower() in seen:
            raise ConfigurationError(
                f"the setting {setting!r} names {key!r} twice",
            )
        seen.add(key.lower())
        parts[key] = value.strip()
    return parts


def format_connection_string(parts: Mapping[str, str]) -> str:
    """The inverse of :func:`parse_connection_string`."""
    return ";".join(f"{key}={value}" for key, value in parts.items())


def _lookup(settings: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """The setting's key as found and its value (``None`` when unset)."""
    for candidate in (name, f"AzureWebJobs{name}"):
        for variant in (candidate, candidate.replace(":", "__"), candidate.replace("__", ":")):
            value = settings.get(variant)
            if value is not None:
                return variant, value
    return None


def _identity_settings(settings: Mapping[str, str], name: str) -> tuple[str, dict[str, str]]:
    """The ``<name>__<suffix>`` settings (suffixes case-insensitive) and the prefix used."""
    for candidate in (name, f"AzureWebJobs{name}"):
        found: dict[str, str] = {}
        for key, value in settings.items():
            normalized = key.replace(":", "__")
            prefix = f"{candidate}__"
            if normalized.lower().startswith(prefix.lower()) and value.strip():
                suffix = normalized[len(prefix):].lower()
                for known in _IDENTITY_SUFFIXES:
                    if suffix == known.lower():
                        found[known] = value.strip()
        if found:
            return candidate, found
    return name, {}


def _check_url(url: str, setting: str, what: str) -> str:
    try:
        parsed = urlsplit(url)
        valid = parsed.scheme in ("http", "https") and bool(parsed.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise ConfigurationError(
            f"the setting {setting!r} has {what}={url[:80]!r}, which is not an http(s) URL",
        )
    return url.rstrip("/")


def _development(setting: str, parts: Mapping[str, str]) -> AccountConnection:
    proxy = next((v for k, v in parts.items() if k.lower() == "developmentstorageproxyuri"), "")
    if proxy:
        base = urlsplit(_check_url(proxy, setting, "DevelopmentStorageProxyUri"))
        host = f"{base.scheme}://{base.hostname}"
    else:
        host = "http://127.0.0.1"
    endpoints = {s: f"{host}:{port}/{DEVSTORE_ACCOUNT}" for s, port in DEVSTORE_PORTS.items()}
    return AccountConnection(
        setting=setting, endpoints=endpoints, account_name=DEVSTORE_ACCOUNT,
        account_key=DEVSTORE_KEY, connection_string=_explicit_string(endpoints),
        development=True,
    )


def _explicit_string(endpoints: Mapping[Service, str]) -> str:
    parts = {"DefaultEndpointsProtocol": "http", "AccountName": DEVSTORE_ACCOUNT,
             "AccountKey": DEVSTORE_KEY}
    parts.update({_ENDPOINT_KEYS[s]: url for s, url in endpoints.items()})
    return format_connection_string(parts)


def _from_string(setting: str, value: str) -> AccountConnection:
    parts = parse_connection_string(value)
    lower = {key.lower(): v for key, v in parts.items()}
    if lower.get("usedevelopmentstorage", "").lower() == "true":
        return _development(setting, parts)
    if "usedevelopmentstorage" in lower:
        raise ConfigurationError(
            f"the setting {setting!r} has UseDevelopmentStorage="
            f"{lower['usedevelopmentstorage']!r}; only 'true' is meaningful",
        )
    account = lower.get("accountname") or None
    key = lower.get("accountkey") or None
    sas = (lower.get("sharedaccesssignature") or "").lstrip("?") or None
    protocol = lower.get("defaultendpointsprotocol", "https").lower()
    if protocol not in ("http", "https"):
        raise ConfigurationError(
            f"the setting {setting!r} has DefaultEndpointsProtocol={protocol!r}; use https "
            "(or http)",
        )
    suffix = lower.get("endpointsuffix", "core.windows.net")
    endpoints: dict[Service, str] = {}
    for service in SERVICES:
        explicit = lower.get(_ENDPOINT_KEYS[service].lower())
        if explicit:
            endpoints[service] = _check_url(explicit, setting, _ENDPOINT_KEYS[service])
        elif account:
            endpoints[service] = f"{protocol}://{account}.{service}.{suffix}"
    if not endpoints:
        raise ConfigurationError(
            f"the setting {setting!r} names no storage account: give AccountName= (with "
            "AccountKey= or SharedAccessSignature=) or BlobEndpoint=/QueueEndpoint=/"
            "TableEndpoint=, or set it to 'UseDevelopmentStorage=true' for Azurite",
        )
    if key is None and sas is None:
        raise ConfigurationError(
            f"the setting {setting!r} has no credential: add AccountKey= or "
            f"SharedAccessSignature= (or use identity-based settings {setting}__serviceUri "
            "with azure-identity)",
        )
    return AccountConnection(
        setting=setting, endpoints=endpoints, account_name=account, account_key=key,
        sas_token=sas, connection_string=value,
    )


def _from_identity(setting: str, found: Mapping[str, str]) -> AccountConnection:
    endpoints: dict[Service, str] = {}
    account = found.get("accountName")
    if account:
        endpoints = {s: f"https://{account}.{s}.core.windows.net" for s in SERVICES}
    if "serviceUri" in found:
        url = _check_url(found["serviceUri"], setting, f"{setting}__serviceUri")
        host = urlsplit(url).hostname or ""
        service: Service = next((s for s in SERVICES if f".{s}." in f".{host}"), "blob")
        endpoints[service] = url
    for service in SERVICES:
        key = f"{service}ServiceUri"
        if key in found:
            endpoints[service] = _check_url(found[key], setting, f"{setting}__{key}")
    if not endpoints:
        raise ConfigurationError(
            f"the identity-based connection {setting!r} names no service: set "
            f"{setting}__serviceUri (or __blobServiceUri, __queueServiceUri, "
            "__tableServiceUri, __accountName)",
        )
    credential = found.get("credential", "").lower()
    if credential and credential != "managedidentity":
        raise ConfigurationError(
            f"the setting {setting}__credential={found['credential']!r} is not supported; "
            "the only value is 'managedidentity'",
        )
    return AccountConnection(
        setting=setting, endpoints=endpoints, account_name=account, identity=True,
        client_id=found.get("clientId"),
    )


def resolve_connection(connection: str | None, settings: Mapping[str, str]) -> StorageConnection:
    """The storage a binding's ``connection`` (or ``AzureWebJobsStorage``) names.

    >>> resolve_connection(None, {})
    EmbeddedConnection(setting='AzureWebJobsStorage')
    >>> resolve_connection("", {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}).endpoint(
    ...     "queue")
    'http://127.0.0.1:10001/devstoreaccount1'
    """
    name = (connection or "").strip() or DEFAULT_SETTING
    found_setting = _lookup(settings, name)
    if found_setting is not None and found_setting[1].strip():
        return _from_string(found_setting[0], found_setting[1].strip())
    prefix, found = _identity_settings(settings, name)
    if found:
        return _from_identity(prefix, found)
    return EmbeddedConnection(setting=name)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_storage_packages(services: tuple[Service, ...] = SERVICES) -> list[str]:
    """The PyPI names of the SDK packages an account connection needs and that are absent."""
    missing: list[str] = []
    for service in services:
        module, package = _PACKAGES[service]
        if not _importable(module):
            missing.append(package)
    return missing


def identity_credential(connection: AccountConnection, *, aio: bool = True) -> Any:
    """A ``DefaultAzureCredential`` for an identity-based connection: the async one
    (``azure.identity.aio``) for the async SDK clients, or with ``aio=False`` the sync one
    (for the sync blob clients handed to functions).

    Raises :class:`~azfunc.ConfigurationError` with the fix when ``azure-identity`` is not
    installed.
    """
    try:
        if aio:
            from azure.identity.aio import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
                DefaultAzureCredential,
            )
        else:
            from azure.identity import (  # type: ignore[import-not-found,import-untyped,unused-ignore,assignment]
                DefaultAzureCredential,
            )
    except ImportError:
        raise ConfigurationError(
            f"the connection {connection.setting!r} is identity-based and needs azure-identity:"
            " pip install azure-identity (or use a connection string)",
        ) from None
    if connection.client_id:
        return DefaultAzureCredential(managed_identity_client_id=connection.client_id)
    return DefaultAzureCredential()


def connection_problems(
    connection: str | None,
    settings: Mapping[str, str],
    services: tuple[Service, ...],
    *,
    packages: bool = True,
) -> list[str]:
    """What ``azfunc check`` reports for one binding's connection (empty when it is fine).

    An unresolvable setting, a missing service endpoint and, with ``packages``, a missing
    ``azfunc[storage]`` extra or ``azure-identity``: each a sentence with the fix.
    """
    try:
        resolved = resolve_connection(connection, settings)
    except ConfigurationError as exc:
        return [str(exc)]
    if isinstance(resolved, EmbeddedConnection):
        return []
    problems: list[str] = []
    for service in services:
        try:
            resolved.endpoint(service)
        except ConfigurationError as exc:
            problems.append(str(exc))
    if not packages:
        return problems
    missing = missing_storage_packages(services)
    if missing:
        problems.append(
            f"the connection {resolved.setting!r} uses a storage account, which needs "
            f"{', '.join(missing)}: pip install 'azfunc[storage]'"
        )
    if resolved.identity and not _importable("azure.identity"):
        problems.append(
            f"the connection {resolved.setting!r} is identity-based and needs "
            "azure-identity: pip install azure-identity"
        )
    return problems
