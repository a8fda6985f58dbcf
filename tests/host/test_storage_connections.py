"""Which storage a ``connection`` setting names: embedded, Azurite, an account, an identity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azfunc import ConfigurationError
from azfunc.storage.connection import (
    DEVSTORE_KEY,
    AccountConnection,
    EmbeddedConnection,
    connection_problems,
    format_connection_string,
    identity_credential,
    parse_connection_string,
    resolve_connection,
)


def test_unset_or_empty_is_the_embedded_store() -> None:
    assert resolve_connection(None, {}) == EmbeddedConnection("AzureWebJobsStorage")
    assert resolve_connection("", {"AzureWebJobsStorage": "  "}) == EmbeddedConnection(
        "AzureWebJobsStorage"
    )
    assert isinstance(resolve_connection("Other", {}), EmbeddedConnection)
    assert connection_problems(None, {}, ("queue",)) == []


def test_development_storage_is_azurite_at_loopback() -> None:
    conn = resolve_connection(None, {"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert isinstance(conn, AccountConnection)
    assert conn.development
    assert conn.endpoint("blob") == "http://127.0.0.1:10000/devstoreaccount1"
    assert conn.endpoint("queue") == "http://127.0.0.1:10001/devstoreaccount1"
    assert conn.endpoint("table") == "http://127.0.0.1:10002/devstoreaccount1"
    assert conn.account_key == DEVSTORE_KEY
    assert conn.connection_string is not None
    assert "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1" in conn.connection_string


def test_development_storage_proxy() -> None:
    conn = resolve_connection(
        None,
        {"AzureWebJobsStorage": "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://px"},
    )
    assert isinstance(conn, AccountConnection)
    assert conn.endpoint("queue") == "http://px:10001/devstoreaccount1"


def test_account_key_connection_string_and_lookup_with_prefix() -> None:
    settings = {
        "AzureWebJobsMyConn": "DefaultEndpointsProtocol=https;AccountName=acct;"
        "AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn"
    }
    conn = resolve_connection("MyConn", settings)
    assert isinstance(conn, AccountConnection)
    assert conn.setting == "AzureWebJobsMyConn"
    assert conn.endpoint("queue") == "https://acct.queue.core.chinacloudapi.cn"
    assert conn.account_key == "a2V5"
    assert "a2V5" not in repr(conn)  # the key never reaches a log line through repr


def test_explicit_endpoints_with_sas() -> None:
    conn = resolve_connection(
        "C", {"C": "QueueEndpoint=http://127.0.0.1:5/acct/;SharedAccessSignature=?sv=1&sig=x"}
    )
    assert isinstance(conn, AccountConnection)
    assert conn.endpoint("queue") == "http://127.0.0.1:5/acct"
    assert conn.sas_token == "sv=1&sig=x"
    with pytest.raises(ConfigurationError, match="no blob endpoint"):
        conn.endpoint("blob")
    problems = connection_problems("C", {"C": conn.connection_string or ""}, ("blob",))
    assert any("no blob endpoint" in p for p in problems)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("AccountName=a", "no credential"),
        ("AccountKey=k", "names no storage account"),
        ("garbage", "not Key=Value"),
        ("UseDevelopmentStorage=false", "only 'true'"),
        ("AccountName=a;AccountKey=k;DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol"),
        ("QueueEndpoint=not-a-url;AccountKey=k", "not an http"),
        ("AccountName=a;accountname=b;AccountKey=k", "twice"),
    ],
)
def test_bad_connection_strings_are_configuration_errors(value: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        resolve_connection(None, {"AzureWebJobsStorage": value})
    assert connection_problems(None, {"AzureWebJobsStorage": value}, ("queue",))


def test_identity_based_settings() -> None:
    settings = {
        "Store__queueServiceUri": "https://acct.queue.core.windows.net/",
        "Store__blobServiceUri": "https://acct.blob.core.windows.net",
        "Store__clientId": "abc",
    }
    conn = resolve_connection("Store", settings)
    assert isinstance(conn, AccountConnection)
    assert conn.identity
    assert conn.endpoint("queue") == "https://acct.queue.core.windows.net"
    assert conn.client_id == "abc"
    by_account = resolve_connection(None, {"AzureWebJobsStorage:accountName": "acct"})
    assert isinstance(by_account, AccountConnection)
    assert by_account.endpoint("table") == "https://acct.table.core.windows.net"
    service = resolve_connection("S", {"S__serviceUri": "https://acct.queue.core.windows.net"})
    assert isinstance(service, AccountConnection)
    assert set(service.endpoints) == {"queue"}


def test_identity_without_azure_identity_is_a_clear_error() -> None:
    conn = resolve_connection("S", {"S__accountName": "acct"})
    assert isinstance(conn, AccountConnection)
    try:
        import azure.identity  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match="pip install azure-identity"):
            identity_credential(conn)
        problems = connection_problems("S", {"S__accountName": "acct"}, ("queue",))
        assert any("azure-identity" in p for p in problems)
    else:
        assert identity_credential(conn) is not None


def test_unknown_credential_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="managedidentity"):
        resolve_connection("S", {"S__accountName": "a", "S__credential": "password"})


_SEPARATORS = ";= \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"
_key = st.text(st.characters(blacklist_characters=_SEPARATORS), min_size=1)
_value = st.text(st.characters(blacklist_characters=";"), max_size=30).map(str.strip)


@given(st.dictionaries(_key, _value, max_size=6).filter(
    lambda d: len({k.lower() for k in d}) == len(d) and all(k.strip() == k for k in d)
))
def test_connection_string_round_trip(parts: dict[str, str]) -> None:
    assert parse_connection_string(format_connection_string(parts)) == parts


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_any_setting_value_resolves_or_is_our_error(value: str, name: str | None) -> None:
    settings = {"AzureWebJobsStorage": value, name or "x": value, f"{name}__serviceUri": value}
    try:
        conn = resolve_connection(name, settings)
    except ConfigurationError:
        return
    assert isinstance(conn, (EmbeddedConnection, AccountConnection))
    assert isinstance(connection_problems(name, settings, ("blob", "queue", "table")), list)
