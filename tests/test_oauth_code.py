"""People over real HTTP: the authorization-code grant with PKCE, the sign-in page, refresh-token rotation and
replay, as a browser and Authlib's own OAuth 2.0 client do it against the real server (`live_server`)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import func, select

from api.core.audit import AuditEvent
from api.core.db import Database
from api.core.errors import Forbidden, UserErrors
from api.core.principal import ActorKind, Scope
from auth import keys
from auth.clients import ClientGrant, RegisteredClient, register_client_as_system
from auth.models import AppUser, LoginThrottle, OAuthAuthorizationCode, RefreshToken, SigninSession
from auth.signin import EMAIL_POLICY
from auth.throttle import ThrottlePolicy, ThrottleState, after_failure
from auth.tokens import principal_from_token
from auth.users import UserErrorCode, create_user, create_user_as_system

ROOT = Path(__file__).resolve().parent.parent
VIEWER = "{ viewer { organisation { slug } scopes } }"
REDIRECT = "http://127.0.0.1:5173/callback"
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the tests' users: fast to verify


# --- helpers ----------------------------------------------------------------------------------------------------


async def public_client(db: Database, slug: str, scope: str, redirect_uris=(REDIRECT,)) -> RegisteredClient:
    async with db.transaction() as s:
        return await register_client_as_system(
            s,
            "test",
            organisation_slug=slug,
            scopes=scope,
            grant=ClientGrant.AUTHORIZATION_CODE,
            redirect_uris=list(redirect_uris),
        )


async def person(db: Database, slug: str, email: str, scope: str, password: str = PASSWORD) -> AppUser:
    async with db.transaction() as s:
        return await create_user_as_system(
            s, "test", organisation_slug=slug, email=email, scopes=scope, password=password, hasher=CHEAP
        )


async def discover(live_server: str) -> dict:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{live_server}/.well-known/oauth-authorization-server")).json()


def csrf_token(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def form_action(base: str, page: str) -> str:
    return base + html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def pkce_client(reg: RegisteredClient, **kw) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(client_id=reg.client.client_id, code_challenge_method="S256", redirect_uri=REDIRECT, **kw)


class Browser:
    """A browser: keeps its cookies, never follows redirects (the test reads them)."""

    def __init__(self, live_server: str):
        self.base = live_server
        self.http = httpx.AsyncClient(follow_redirects=False)

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()

    async def sign_in(self, authorize_url: str, email: str, password: str = PASSWORD) -> httpx.Response:
        """Open the authorization URL, read the sign-in page, post the credentials with its CSRF token."""
        page = await self.http.get(authorize_url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
        return await self.http.post(
            form_action(self.base, page.text),
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        )


async def code_for(
    live_server: str, reg: RegisteredClient, email: str, *, scope: str | None = None, browser: Browser | None = None
) -> tuple[AsyncOAuth2Client, str, str, str]:
    """Sign in through the authorization endpoint; the client, the redirect it got, the verifier and the state."""
    meta = await discover(live_server)
    client = pkce_client(reg)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, **({"scope": scope} if scope else {})
    )
    own = browser is None
    browser = browser or Browser(live_server)
    try:
        r = await browser.sign_in(url, email)
    finally:
        if own:
            await browser.http.aclose()
    assert r.status_code == 302, r.text
    return client, r.headers["location"], verifier, state


async def graphql(live_server: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{live_server}/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )


def assert_refused(r: httpx.Response, words: str = "") -> None:
    assert r.status_code == 401, r.text
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and words in error["message"], error


async def actions(db: Database, *prefixes: str) -> list[tuple[str, str, str, dict]]:
    async with db.session() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars()
        return [(e.action, e.actor_kind, e.actor_id, e.data) for e in events if e.action.startswith(prefixes)]


def set_cookies(r: httpx.Response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}


# --- the whole flow ---------------------------------------------------------------------------------------------


async def test_a_person_signs_in_with_pkce_and_refresh_rotates_until_a_replay_revokes_the_family(
    live_server, db, market, settings
):
    reg = await public_client(db, "acorn-fostering", "provider provider:sign")
    staff = await person(db, "acorn-fostering", "Sam.Carer@Acorn.example", "provider")
    meta = await discover(live_server)
    assert {"authorization_code", "refresh_token"} <= set(meta["grant_types_supported"])
    assert meta["response_types_supported"] == ["code"] and meta["code_challenge_methods_supported"] == ["S256"]

    client = pkce_client(reg)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, scope="provider provider:sign"
    )
    async with Browser(live_server) as browser:
        page = await browser.http.get(url)
        assert page.status_code == 200 and "Sign in" in page.text and "<script" not in page.text
        assert "form-action 'self' http://127.0.0.1:5173" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        csrf_cookie = set_cookies(page)["dpv_csrf"].lower()
        assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie and "path=/oauth" in csrf_cookie
        assert "secure" not in csrf_cookie  # the issuer is plain http (loopback)

        signed_in = await browser.http.post(
            form_action(live_server, page.text),
            data={"email": "sam.carer@acorn.example", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        )
        assert signed_in.status_code == 302, signed_in.text
        location = signed_in.headers["location"]
        assert location.startswith(REDIRECT + "?") and query(location)["state"] == state and query(location)["code"]
        session_cookie = set_cookies(signed_in)["dpv_session"].lower()
        assert "httponly" in session_cookie and "samesite=lax" in session_cookie

    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["expires_in"] == 600
    assert token["scope"] == "provider"  # asked for provider:sign too: the person holds only provider
    assert token["refresh_token"]
    r = await client.post(f"{live_server}/graphql", json={"query": VIEWER})
    assert r.json()["data"] == {"viewer": {"organisation": {"slug": "acorn-fostering"}, "scopes": ["provider"]}}

    principal = await principal_from_token(token["access_token"], db=db, keys=keys.KeyRing(), settings=settings)
    assert principal.actor_kind is ActorKind.USER and principal.actor_id == f"user:{staff.id}"
    assert principal.organisation_id == market.acorn.id and principal.scopes == frozenset({Scope.PROVIDER})
    introspected = await _introspect(live_server, db, token["access_token"])
    assert introspected["sub"] == f"user:{staff.id}" and introspected["client_id"] == reg.client.client_id

    first = dict(token)
    second = await client.refresh_token(meta["token_endpoint"])  # rotation: a new refresh token every time
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert second["scope"] == "provider"
    assert (await graphql(live_server, second["access_token"])).status_code == 200
    third = await client.refresh_token(meta["token_endpoint"])
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])

    with pytest.raises(OAuthError) as replayed:  # the first refresh token again: someone else holds the family
        await client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    assert replayed.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as newest:  # the whole family went: the newest refresh token too
        await client.refresh_token(meta["token_endpoint"], refresh_token=third["refresh_token"])
    assert newest.value.error == "invalid_grant"
    for issued in (first, second, third):  # and every access token issued from it
        assert_refused(await graphql(live_server, issued["access_token"]), "revoked")

    events = await actions(db, "authorization_code.", "refresh_token.", "token_family.", "user.sign_in")
    assert [e[0] for e in events] == [
        "user.sign_in",
        "authorization_code.issue",
        "authorization_code.redeem",
        "refresh_token.rotate",
        "refresh_token.rotate",
        "token_family.revoke",
    ]
    assert all(actor == f"user:{staff.id}" for _, kind, actor, _ in events[:-1])
    revoke = events[-1]
    assert revoke[1] == "SYSTEM" and revoke[3]["reason"] == "refresh_replay"
    assert len(revoke[3]["access_tokens_revoked"]) == 3
    async with db.session() as s:  # secrets of the flow are stored hashed only
        stored = [
            *(await s.execute(select(RefreshToken.token_hash))).scalars(),
            *(await s.execute(select(OAuthAuthorizationCode.code_hash))).scalars(),
        ]
    assert len(stored) == 4 and not {first["refresh_token"], query(location)["code"]} & set(stored)


async def _introspect(live_server: str, db: Database, token: str) -> dict:
    async with db.transaction() as s:
        confidential = await register_client_as_system(
            s, "test", organisation_slug="acorn-fostering", scopes="provider"
        )
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{live_server}/oauth/introspect",
            data={"token": token},
            auth=(confidential.client.client_id, confidential.client_secret),
        )
    return r.json()


async def test_a_signed_in_browser_gets_its_code_at_once_until_it_signs_out(live_server, db, market):
    reg = await public_client(db, "wla", "wla wla:safeguarding")
    await person(db, "wla", "admin@wla.example", "wla wla:safeguarding")
    meta = await discover(live_server)
    async with Browser(live_server) as browser:
        client, location, verifier, state = await code_for(live_server, reg, "admin@wla.example", browser=browser)
        url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
        again = await browser.http.get(url)  # no sign-in page: the session cookie is enough (first-party client)
        assert again.status_code == 302 and query(again.headers["location"])["state"] == state

        page = await browser.http.get(f"{live_server}/oauth/signout")
        assert "admin@wla.example" in page.text
        refused = await browser.http.post(f"{live_server}/oauth/signout", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        out = await browser.http.post(f"{live_server}/oauth/signout", data={"csrf_token": csrf_token(page.text)})
        assert out.status_code == 200 and "signed out" in out.text
        assert 'dpv_session=""' in set_cookies(out)["dpv_session"] or "max-age=0" in set_cookies(out)["dpv_session"]
        after = await browser.http.get(url)
        assert after.status_code == 200 and "Sign in" in after.text  # the sign-in page again
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(SigninSession))).scalar_one() == 0
    assert [e[0] for e in await actions(db, "user.sign")] == ["user.sign_in", "user.sign_out"]


# --- PKCE, redirect URIs, codes ---------------------------------------------------------------------------------


async def test_pkce_is_required_and_only_s256(live_server, db, market):
    reg = await public_client(db, "barnet", "borough")
    await person(db, "barnet", "officer@barnet.example", "borough")
    meta = await discover(live_server)
    challenge = create_s256_code_challenge(generate_token(48))
    base = {"response_type": "code", "client_id": reg.client.client_id, "redirect_uri": REDIRECT, "state": "s1"}
    cases = {
        "no challenge": {},
        "a method but no challenge": {"code_challenge_method": "S256"},
        "no method (Authlib would take plain)": {"code_challenge": challenge},
        "plain": {"code_challenge": challenge, "code_challenge_method": "plain"},
        "unknown method": {"code_challenge": challenge, "code_challenge_method": "S512"},
    }
    async with httpx.AsyncClient() as http:
        for name, params in cases.items():
            r = await http.get(f"{meta['authorization_endpoint']}?{urlencode({**base, **params})}")
            assert r.status_code == 302, name  # the redirect URI is registered: the client hears the error
            answer = query(r.headers["location"])
            assert r.headers["location"].startswith(REDIRECT) and answer["error"] == "invalid_request", name
            assert answer["state"] == "s1" and "code" not in answer, name

    # At the token endpoint: the verifier must be there and must match.
    client, location, verifier, state = await code_for(live_server, reg, "officer@barnet.example")
    for wrong, error in (
        (None, "invalid_request"),
        (generate_token(48), "invalid_grant"),
        ("short", "invalid_request"),
    ):
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(
                meta["token_endpoint"],
                authorization_response=location,
                state=state,
                **({"code_verifier": wrong} if wrong else {}),
            )
        assert refused.value.error == error, wrong
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )  # a failed attempt does not burn the code
    assert token["scope"] == "borough"


async def test_redirect_uris_match_exactly_and_a_bad_one_is_never_redirected_to(live_server, db, market):
    reg = await public_client(db, "barnet", "borough")
    two = await public_client(db, "barnet", "borough", redirect_uris=(REDIRECT, "https://portal.example/cb"))
    meta = await discover(live_server)
    pkce = {
        "response_type": "code",
        "code_challenge": create_s256_code_challenge(generate_token(48)),
        "code_challenge_method": "S256",
        "state": "s",
    }
    bad = {
        "trailing slash": {"client_id": reg.client.client_id, "redirect_uri": REDIRECT + "/"},
        "extra query": {"client_id": reg.client.client_id, "redirect_uri": REDIRECT + "?next=x"},
        "other host spelling": {"client_id": reg.client.client_id, "redirect_uri": "http://localhost:5173/callback"},
        "elsewhere": {"client_id": reg.client.client_id, "redirect_uri": "https://evil.example/callback"},
        "none given, two registered": {"client_id": two.client.client_id},
        "unknown client": {"client_id": "nobody", "redirect_uri": REDIRECT},
    }
    async with httpx.AsyncClient() as http:
        for name, params in bad.items():
            r = await http.get(f"{meta['authorization_endpoint']}?{urlencode({**pkce, **params})}")
            assert r.status_code == 400 and "location" not in r.headers, name
            assert r.headers["content-type"].startswith("text/html") and "cannot be used" in r.text, name
        ok = await http.get(
            f"{meta['authorization_endpoint']}?{urlencode({**pkce, 'client_id': reg.client.client_id})}"
        )  # its only URI: the default
        assert ok.status_code == 200 and "Sign in" in ok.text


async def test_a_code_is_single_use_and_its_reuse_revokes_what_it_issued(live_server, db, market):
    reg = await public_client(db, "ealing", "borough borough:award")
    await person(db, "ealing", "award@ealing.example", "borough borough:award")
    meta = await discover(live_server)
    client, location, verifier, state = await code_for(live_server, reg, "award@ealing.example")
    with pytest.raises(OAuthError) as elsewhere:  # a redirect URI other than the request's
        await client.fetch_token(
            meta["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
            redirect_uri="https://portal.example/cb",
        )
    assert elsewhere.value.error == "invalid_grant"
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    assert token["scope"] == "borough borough:award"
    assert (await graphql(live_server, token["access_token"])).status_code == 200

    again = pkce_client(reg)
    with pytest.raises(OAuthError) as reused:
        await again.fetch_token(
            meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
        )
    assert reused.value.error == "invalid_grant"
    assert_refused(await graphql(live_server, token["access_token"]), "revoked")
    with pytest.raises(OAuthError) as refresh:
        await client.refresh_token(meta["token_endpoint"])
    assert refresh.value.error == "invalid_grant"
    revoked = [e for e in await actions(db, "token_family.revoke")]
    assert [e[3]["reason"] for e in revoked] == ["code_reuse"]


async def test_scopes_are_what_the_person_and_the_client_both_hold(live_server, db, market):
    provider_client = await public_client(db, "acorn-fostering", "provider provider:sign")
    await person(db, "acorn-fostering", "only-provider@acorn.example", "provider")
    await person(db, "barnet", "officer@barnet.example", "borough")
    meta = await discover(live_server)
    for email, scope in (("only-provider@acorn.example", "provider:sign"), ("officer@barnet.example", None)):
        client = pkce_client(provider_client)
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=generate_token(48), **({"scope": scope} if scope else {})
        )
        async with Browser(live_server) as browser:
            r = await browser.sign_in(url, email)
        assert r.status_code == 302 and query(r.headers["location"])["error"] == "access_denied", email
        assert "code" not in query(r.headers["location"])
    # A person of another provider, with the same client, gets a token for their own organisation.
    await person(db, "birch-homes", "staff@birch.example", "provider provider:sign")
    client, location, verifier, state = await code_for(live_server, provider_client, "staff@birch.example")
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    r = await graphql(live_server, token["access_token"])
    assert r.json()["data"]["viewer"] == {
        "organisation": {"slug": "birch-homes"},
        "scopes": ["provider", "provider:sign"],
    }
    with pytest.raises(OAuthError) as wider:  # a refresh may narrow, never widen
        await client.refresh_token(meta["token_endpoint"], scope="provider wla")
    assert wider.value.error == "invalid_scope"
    narrower = await client.refresh_token(meta["token_endpoint"], scope="provider")
    assert narrower["scope"] == "provider"


async def test_a_public_client_revokes_its_refresh_token_and_the_family_goes(live_server, db, market):
    reg = await public_client(db, "barnet", "borough")
    await person(db, "barnet", "officer@barnet.example", "borough")
    meta = await discover(live_server)
    client, location, verifier, state = await code_for(live_server, reg, "officer@barnet.example")
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    other = await public_client(db, "barnet", "borough")
    async with pkce_client(other) as stranger:  # not its token
        r = await stranger.revoke_token(
            meta["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token"
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.revoke_token(
        meta["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token"
    )  # auth method `none`: a public client
    assert r.status_code == 200
    assert_refused(await graphql(live_server, token["access_token"]), "revoked")
    with pytest.raises(OAuthError) as refused:
        await client.refresh_token(meta["token_endpoint"])
    assert refused.value.error == "invalid_grant"
    (event,) = await actions(db, "token_family.revoke")
    assert event[1:3] == ("CLIENT", reg.client.client_id) and event[3]["reason"] == "revoked"

    # An access token alone, by the public client it was issued to.
    client, location, verifier, state = await code_for(live_server, reg, "officer@barnet.example")
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    assert (await client.revoke_token(meta["revocation_endpoint"], token=token["access_token"])).status_code == 200
    assert_refused(await graphql(live_server, token["access_token"]), "revoked")


# --- the sign-in page -------------------------------------------------------------------------------------------


async def _authorize_url(live_server: str, db: Database, slug: str = "barnet", scope: str = "borough") -> str:
    reg = await public_client(db, slug, scope)
    meta = await discover(live_server)
    url, _ = pkce_client(reg).create_authorization_url(meta["authorization_endpoint"], code_verifier=generate_token(48))
    return url


async def test_the_sign_in_form_needs_its_csrf_token(live_server, db, market):
    await person(db, "barnet", "officer@barnet.example", "borough")
    url = await _authorize_url(live_server, db)
    credentials = {"email": "officer@barnet.example", "password": PASSWORD}
    async with Browser(live_server) as browser, Browser(live_server) as other:
        page = await browser.http.get(url)
        action = form_action(live_server, page.text)
        other_page = await other.http.get(url)
        for name, extra in (
            ("missing", {}),
            ("wrong", {"csrf_token": "x" * 43}),
            ("another browser's", {"csrf_token": csrf_token(other_page.text)}),
        ):
            r = await browser.http.post(action, data={**credentials, **extra})
            assert r.status_code == 403 and "location" not in r.headers, name
            assert "dpv_session" not in set_cookies(r), name
        async with httpx.AsyncClient(follow_redirects=False) as no_cookie:  # a cross-site post carries no cookie
            r = await no_cookie.post(action, data={**credentials, "csrf_token": csrf_token(page.text)})
            assert r.status_code == 403
        r = await browser.http.post(action, data={**credentials, "csrf_token": csrf_token(page.text)})
        assert r.status_code == 302
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(SigninSession))).scalar_one() == 1


async def test_an_unknown_email_and_a_wrong_password_answer_alike(live_server, db, market):
    await person(db, "barnet", "officer@barnet.example", "borough")
    url = await _authorize_url(live_server, db)
    async with Browser(live_server) as browser:
        page = await browser.http.get(url)
        action, token = form_action(live_server, page.text), csrf_token(page.text)
        unknown = await browser.http.post(
            action, data={"email": "nobody@barnet.example", "password": PASSWORD, "csrf_token": token}
        )
        wrong = await browser.http.post(
            action, data={"email": "officer@barnet.example", "password": "not it at all", "csrf_token": token}
        )
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.text == wrong.text and "email address or the password is not right" in wrong.text
    per_response = ("date", "x-request-id")
    assert {k: v for k, v in unknown.headers.items() if k not in per_response} == {
        k: v for k, v in wrong.headers.items() if k not in per_response
    }
    assert "location" not in wrong.headers and "set-cookie" not in wrong.headers


async def test_after_five_failures_even_the_right_password_is_refused_for_a_while(live_server, db, market):
    await person(db, "barnet", "officer@barnet.example", "borough")
    await person(db, "barnet", "colleague@barnet.example", "borough")
    url = await _authorize_url(live_server, db)
    async with Browser(live_server) as browser:
        for _ in range(EMAIL_POLICY.max_failures):
            r = await browser.sign_in(url, "Officer@Barnet.example", "a wrong password")
            assert r.status_code == 200 and "not right" in r.text
        r = await browser.sign_in(url, "officer@barnet.example", PASSWORD)
        assert r.status_code == 429 and "location" not in r.headers and "dpv_session" not in set_cookies(r)
        assert "Too many failed sign-ins" in r.text and 0 < int(r.headers["retry-after"]) <= 60
        for _ in range(EMAIL_POLICY.max_failures):  # an address nobody has is throttled exactly alike
            await browser.sign_in(url, "nobody@barnet.example", "a wrong password")
        unknown = await browser.sign_in(url, "nobody@barnet.example", PASSWORD)
        assert unknown.status_code == 429 and unknown.text == r.text
        colleague = await browser.sign_in(url, "colleague@barnet.example")  # the same IP, another address: fine
        assert colleague.status_code == 302
    async with db.session() as s:
        officer = (
            await s.execute(select(LoginThrottle).where(LoginThrottle.key == "email:officer@barnet.example"))
        ).scalar_one()
        ip = (await s.execute(select(LoginThrottle).where(LoginThrottle.key == "ip:127.0.0.1"))).scalar_one()
    assert officer.lockouts == 1 and officer.locked_until is not None
    assert ip.failures == 2 * EMAIL_POLICY.max_failures and ip.lockouts == 0
    lockouts = await actions(db, "signin.lockout")
    assert [(e[1], e[3]["key"]) for e in lockouts] == [
        ("SYSTEM", "email:officer@barnet.example"),
        ("SYSTEM", "email:nobody@barnet.example"),
    ]


def test_the_backoff_rules():
    policy = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=8))
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    state = ThrottleState()
    for i in range(4):
        state = after_failure(state, t0 + timedelta(minutes=i), policy)
    assert not state.locked(t0 + timedelta(minutes=4)) and state.failures == 4
    late = after_failure(state, t0 + timedelta(minutes=16), policy)  # the window has passed: counting restarts
    assert late.failures == 1 and not late.locked(t0 + timedelta(minutes=16))
    state = after_failure(state, t0 + timedelta(minutes=5), policy)  # the fifth within 15 minutes
    assert state.locked(t0 + timedelta(minutes=5, seconds=59)) and not state.locked(t0 + timedelta(minutes=6))
    delays, at = [], t0 + timedelta(minutes=6)
    for _ in range(5):  # once locked, every further failure locks again, twice as long, up to the cap
        state = after_failure(state, at, policy)
        delays.append(state.locked_until - at)
        at = state.locked_until
    assert delays == [timedelta(minutes=m) for m in (2, 4, 8, 8, 8)]


# --- people -----------------------------------------------------------------------------------------------------


async def test_user_registration_rules(db, market):
    cases = [
        (dict(organisation_slug="nowhere", email="a@b.example", scopes="wla"), UserErrorCode.UNKNOWN_ORGANISATION),
        (dict(organisation_slug="wla", email="not-an-email", scopes="wla"), UserErrorCode.INVALID_EMAIL),
        (dict(organisation_slug="wla", email="a@wla.example", scopes=""), UserErrorCode.SCOPE_REQUIRED),
        (dict(organisation_slug="wla", email="a@wla.example", scopes="wla admin"), UserErrorCode.UNKNOWN_SCOPE),
        (
            dict(organisation_slug="barnet", email="a@barnet.example", scopes="borough provider"),
            UserErrorCode.SCOPE_NOT_FOR_ORGANISATION,
        ),
        (
            dict(organisation_slug="wla", email="a@wla.example", scopes="wla", password="eleven chars"[:11]),
            UserErrorCode.PASSWORD_TOO_SHORT,
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(UserErrors) as refused:
            async with db.transaction() as s:
                await create_user_as_system(s, "test", **{"password": PASSWORD, "hasher": CHEAP, **kwargs})
        assert [e.code for e in refused.value.errors] == [code], kwargs
    made = await person(db, "wla", "  Admin@WLA.example ", "wla")
    assert made.email == "admin@wla.example" and made.password_hash.startswith("$argon2id$")
    with pytest.raises(UserErrors) as taken:
        await person(db, "barnet", "ADMIN@wla.example", "borough")
    assert [e.code for e in taken.value.errors] == [UserErrorCode.EMAIL_TAKEN]
    async with db.transaction() as s:  # the alliance may register people; a borough may not
        with pytest.raises(Forbidden):
            await create_user(
                s,
                market.barnet_officer,
                organisation_slug="barnet",
                email="x@barnet.example",
                scopes="borough",
                password=PASSWORD,
                hasher=CHEAP,
            )
        await create_user(
            s,
            market.admin,
            organisation_slug="barnet",
            email="x@barnet.example",
            scopes="borough",
            password=PASSWORD,
            hasher=CHEAP,
        )
    events = [e for e in await actions(db, "user.create")]
    assert [(e[1], e[3]["email"]) for e in events] == [("SYSTEM", "admin@wla.example"), ("USER", "x@barnet.example")]
    assert all(PASSWORD not in json.dumps(e[3]) for e in events)


def _dpv(database_url: str, *args: str, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_dpv_user_create_reads_the_password_from_stdin_then_they_sign_in(live_server, db, market, database_url):
    done = _dpv(
        database_url,
        "user",
        "create",
        "--org",
        "barnet",
        "--email",
        "Pat@Barnet.example",
        "--scope",
        "borough",
        stdin="too short\n",
    )
    assert done.returncode == 2 and "at least 12 characters" in done.stderr
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(AppUser))).scalar_one() == 0

    done = _dpv(
        database_url,
        "user",
        "create",
        "--org",
        "barnet",
        "--email",
        "Pat@Barnet.example",
        "--scope",
        "borough borough:award",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)  # exactly one JSON object
    assert set(created) == {"user_id", "email"} and created["email"] == "pat@barnet.example"
    assert PASSWORD not in done.stdout + done.stderr

    reg = await public_client(db, "barnet", "borough borough:award")
    meta = await discover(live_server)
    client, location, verifier, state = await code_for(live_server, reg, "PAT@barnet.example")
    token = await client.fetch_token(
        meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    r = await graphql(live_server, token["access_token"])
    assert r.json()["data"]["viewer"] == {"organisation": {"slug": "barnet"}, "scopes": ["borough", "borough:award"]}
    async with db.session() as s:
        stored = (await s.execute(select(AppUser).where(AppUser.id == created["user_id"]))).scalar_one()
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # the library's defaults
