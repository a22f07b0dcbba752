"""The fast SigV4 signer computes exactly botocore's signature (core/fastpath.py)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore import auth as botocore_auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamodb_wrapper.core import fastpath
from dynamodb_wrapper.core.fastpath import FastSigV4Auth, install_fast_signer

FIXED = dt.datetime(2026, 12, 4, 13, 59, 58)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: FIXED)
    fastpath._signing_keys.clear()
    yield
    fastpath._signing_keys.clear()


def sign_both(
    request: AWSRequest, credentials: Credentials, region: str, service: str
) -> tuple[dict[str, str], dict[str, str]]:
    standard, fast = copy.deepcopy(request), copy.deepcopy(request)
    botocore_auth.SigV4Auth(credentials, service, region).add_auth(standard)
    FastSigV4Auth(credentials, service, region).add_auth(fast)
    return dict(standard.headers.items()), dict(fast.headers.items())


header_names = st.sampled_from(
    [
        "Content-Type",
        "X-Amz-Target",
        "User-Agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "X-Custom-Thing",
        "Expect",
        "Connection",
        "Host",
        "X-Amz-Content-SHA256",
    ]
)
header_values = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10).map(
        lambda s: f"  {s}   with   gaps  "
    ),
    st.sampled_from(["application/x-amz-json-1.0", "DynamoDB_20120810.Query", "\t tab\t"]),
)
urls = st.sampled_from(
    [
        "https://dynamodb.us-east-1.amazonaws.com/",
        "https://dynamodb.eu-west-1.amazonaws.com",
        "http://localhost:8000/",
        "http://127.0.0.1:8765/",
        "http://[::1]:8000/",
        "https://example.com:443/a/../b/./c%20d/",
        "https://example.com/path?b=2&a=1&a=0&c",
        "https://User@Example.COM:8443/x~y",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["POST", "GET", "put"]),
    url=urls,
    headers=st.lists(st.tuples(header_names, header_values), max_size=6),
    body=st.one_of(st.binary(max_size=200), st.just(b""), st.text(max_size=20)),
    token=st.none() | st.text(min_size=1, max_size=20),
    secret=st.text(min_size=1, max_size=40),
    region=st.sampled_from(["us-east-1", "eu-central-1", "local"]),
    service=st.sampled_from(["dynamodb", "dynamodbstreams"]),
    params=st.none() | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    unsigned_payload=st.booleans(),
)
def test_same_signature_as_botocore(
    method: str,
    url: str,
    headers: list[tuple[str, Any]],
    body: Any,
    token: str | None,
    secret: str,
    region: str,
    service: str,
    params: dict[str, str] | None,
    unsigned_payload: bool,
) -> None:
    request = AWSRequest(method=method, url=url, data=body, params=params)
    for name, value in headers:
        request.headers[name] = value
    if unsigned_payload:
        request.context["payload_signing_enabled"] = False
    credentials = Credentials("AKIDEXAMPLE", secret, token)
    standard, fast = sign_both(request, credentials, region, service)
    assert fast == standard
    assert "Authorization" in fast


def test_a_resigned_request_replaces_its_signature() -> None:
    """Retries sign the same request again: one Authorization, one token header."""
    request = AWSRequest(method="POST", url="https://dynamodb.us-east-1.amazonaws.com/", data=b"{}")
    credentials = Credentials("AKID", "secret", "token-1")
    FastSigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
    FastSigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
    assert len(request.headers.get_all("Authorization")) == 1
    assert len(request.headers.get_all("X-Amz-Security-Token")) == 1
    standard = AWSRequest(
        method="POST", url="https://dynamodb.us-east-1.amazonaws.com/", data=b"{}"
    )
    botocore_auth.SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(standard)
    assert request.headers["Authorization"] == standard.headers["Authorization"]


def test_signing_keys_follow_the_day_and_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    request = AWSRequest(method="POST", url="https://dynamodb.us-east-1.amazonaws.com/", data=b"x")
    for secret, day in [("a", FIXED), ("b", FIXED), ("a", FIXED + dt.timedelta(days=1))]:
        monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda day=day: day)
        standard, fast = sign_both(request, Credentials("AKID", secret), "us-east-1", "dynamodb")
        assert fast == standard
    assert len(fastpath._signing_keys) == 3


def _signed_headers(client: Any) -> dict[str, str]:
    seen: dict[str, str] = {}

    def capture(request: Any, **_: Any) -> Any:
        seen.update(request.headers.items())
        from botocore.awsrequest import AWSResponse

        response = AWSResponse(request.url, 200, {}, None)  # type: ignore[arg-type]
        response._content = b'{"TableNames": []}'  # type: ignore[attr-defined]
        return response

    client.meta.events.register_first("before-send.dynamodb.ListTables", capture)
    client.list_tables()
    return seen


def test_installed_on_a_client_it_signs_as_the_stock_client() -> None:
    def client() -> Any:
        return botocore.session.get_session().create_client(
            "dynamodb",
            region_name="eu-west-1",
            aws_access_key_id="AKID",
            aws_secret_access_key="secret",
            aws_session_token="token",
        )

    stock, fast = client(), client()
    install_fast_signer(fast)
    stock_headers, fast_headers = _signed_headers(stock), _signed_headers(fast)
    for volatile in ("amz-sdk-invocation-id", "Authorization", "User-Agent"):
        stock_headers.pop(volatile), fast_headers.pop(volatile)
    assert fast_headers == stock_headers
    # Same request (invocation id included) signed by the stock signer: same Authorization.
    request = AWSRequest(method="POST", url="https://dynamodb.eu-west-1.amazonaws.com/", data=b"{}")
    auth = fast._request_signer.get_auth_instance("dynamodb", "eu-west-1")
    assert type(auth) is FastSigV4Auth
    assert type(stock._request_signer.get_auth_instance("dynamodb", "eu-west-1")) is (
        botocore_auth.SigV4Auth
    )
    standard = copy.deepcopy(request)
    auth.add_auth(request)
    stock._request_signer.get_auth_instance("dynamodb", "eu-west-1").add_auth(standard)
    assert request.headers["Authorization"] == standard.headers["Authorization"]


def test_refuses_a_client_it_does_not_know() -> None:
    class Odd:
        _request_signer = object()

    with pytest.raises(TypeError, match="fast signer"):
        install_fast_signer(Odd())
