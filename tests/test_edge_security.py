"""The service's edge as an attacker and a browser meet it, over real HTTP with real tokens (issue 15, item 6):
introspection and suggestions for signed-in callers only, the HTML pages' Content-Security-Policy and the headers of
every response, client authentication at the token endpoint (one answer, backoff across workers), no personal data
in a redirect, and CORS for the configured origins only."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import quote, urlsplit

import httpx
import pytest
import uvicorn
from authlib.common.security import generate_token
from sqlalchemy import select, update

from api.core import clock
from api.core.audit import AuditEvent
from api.core.config import Settings
from api.web.app import create_app
from auth.client_auth import CLIENT_IP_POLICY, CLIENT_POLICY
from auth.models import LoginThrottle
from schema import schema
from schema.core.context import Context
from tests.conftest import free_port
from tests.test_oauth import register
from tests.test_oauth_code import Browser, actions, discover, person, pkce_client, public_client, query

INTROSPECTION = "{ __schema { queryType { name } types { name } } }"
TYPE = '{ __type(name: "Dpv") { fields { name } } }'
TYPO = "{ dpvs(first: 1) { nodes { nam } } }"  # graphql-core: "Did you mean 'name'?"
CREATE = "mutation($input: DpvCreateInput!) { dpvCreate(input: $input) { dpv { id } } }"
BAD_ENUM = {
    "input": {
        "name": "x",
        "category": "INDEPENDENT_FOSTERNG",
        "leadAuthorityId": "x",
        "legalBasis": "PCR_2015_REG_74",
        "startsOn": "2027-04-01",
    }
}


@asynccontextmanager
async def another_worker(settings: Settings) -> AsyncIterator[str]:
    """One more instance of the application on the test database (another worker, as far as the database can
    tell), in a thread, on a free port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started or not thread.is_alive():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the second instance did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


def quiet(settings: Settings, **update_: object) -> Settings:
    """The test settings for another instance: no timer runner, no event hub (nothing here needs them)."""
    return settings.model_copy(update={"timer_poll_seconds": 0, "event_poll_seconds": 0, **update_})


async def client_token(base: str, reg) -> str:
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(reg.client.client_id, reg.client_secret),
        )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def post_graphql(
    base: str, query_: str, token: str | None = None, variables: dict | None = None, **headers: str
) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient() as http:
        return await http.post(f"{base}/graphql", json={"query": query_, "variables": variables or {}}, headers=headers)


def messages(r: httpx.Response) -> list[str]:
    return [e["message"] for e in r.json().get("errors") or []]


# --- introspection and suggestions ------------------------------------------------------------------------------


async def test_introspection_and_suggestions_are_for_signed_in_callers_only(live_server, db, market):
    reg = await register(db, "barnet", "borough")
    token = await client_token(live_server, reg)

    # signed in first, so that the validation cache holds these documents as validated for a signed-in caller
    signed_in = await post_graphql(live_server, INTROSPECTION, token)
    assert signed_in.status_code == 200 and signed_in.json()["data"]["__schema"]["queryType"] == {"name": "Query"}
    assert "Dpv" in {t["name"] for t in signed_in.json()["data"]["__schema"]["types"]}
    assert (await post_graphql(live_server, TYPE, token)).json()["data"]["__type"]["fields"]
    assert any("Did you mean 'name'?" in m for m in messages(await post_graphql(live_server, TYPO, token)))
    coerced = await post_graphql(live_server, CREATE, token, BAD_ENUM)
    assert any("Did you mean the enum value 'INDEPENDENT_FOSTERING'?" in m for m in messages(coerced)), coerced.text

    for document in (INTROSPECTION, TYPE):
        anonymous = await post_graphql(live_server, document)
        assert anonymous.json().get("data") is None
        assert any("introspection has been disabled" in m for m in messages(anonymous)), anonymous.text
        assert "Dpv" not in anonymous.text and "fields" not in str(anonymous.json().get("data"))
    typo = messages(await post_graphql(live_server, TYPO))
    assert typo == ["Cannot query field 'nam' on type 'Dpv'."]
    coerced = messages(await post_graphql(live_server, CREATE, None, BAD_ENUM))
    assert coerced and not any("Did you mean" in m or "INDEPENDENT_FOSTERING" in m for m in coerced), coerced
    # __typename stays open: clients need it for unions and interfaces
    assert (await post_graphql(live_server, "{ __typename }")).json()["data"] == {"__typename": "Query"}

    # and the other way round: validated anonymously first, then signed in
    fresh = "{ dpvs(first: 2) { nodes { nme } } }"
    assert not any("Did you mean" in m for m in messages(await post_graphql(live_server, fresh)))
    assert any("Did you mean 'name'?" in m for m in messages(await post_graphql(live_server, fresh, token)))
    assert not any("Did you mean" in m for m in messages(await post_graphql(live_server, fresh)))


async def test_public_introspection_can_be_switched_on(db, market, settings):
    public = settings.model_copy(update={"public_introspection": True})
    opened = await schema.execute(INTROSPECTION, context_value=Context(db=db, settings=public, principal=None))
    assert opened.errors is None and opened.data["__schema"]["queryType"] == {"name": "Query"}
    typo = await schema.execute(TYPO, context_value=Context(db=db, settings=public, principal=None))
    assert "Did you mean 'name'?" in typo.errors[0].message
    closed = await schema.execute(INTROSPECTION, context_value=Context(db=db, settings=settings, principal=None))
    assert closed.data is None and "introspection has been disabled" in closed.errors[0].message


# --- headers: the HTML pages and every response -----------------------------------------------------------------


def policy_of(r: httpx.Response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in r.headers["content-security-policy"].split("; ")}


def assert_strict_page(r: httpx.Response) -> dict[str, list[str]]:
    """A page's policy and headers: nothing by default, no inline script at all, inline styles only by a hash or
    this response's nonce, no framing, no <base>, forms only where they must go; not cached, no referrer."""
    assert r.headers["content-type"].startswith("text/html")
    policy = policy_of(r)
    assert policy["default-src"] == ["'none'"], policy
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "form-action" in policy and "*" not in policy["form-action"]
    for directive in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "https:"} & set(policy.get(directive, []))
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"

    # every <script> is a file or a JSON data block; every inline <style> is allowed by its hash or a nonce
    nonces = {s[len("'nonce-") : -1] for s in policy.get("style-src", []) if s.startswith("'nonce-")}
    for tag, body in re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S):
        assert 'src="/static/' in tag or ('type="application/json"' in tag and body.strip().startswith("{")), tag
    for tag, css in re.findall(r"<style([^>]*)>(.*?)</style>", r.text, re.S):
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        assert digest in policy["style-src"] or any(f'nonce="{n}"' in tag for n in nonces), tag
    assert not re.search(r"<[^>]*\sstyle=", r.text) and not re.search(r"<[^>]*\son[a-z]+=", r.text, re.I)
    return policy


async def test_every_html_page_has_a_strict_policy_and_every_response_the_basic_headers(live_server, db, market):
    await person(db, "barnet", "officer@barnet.example", "borough")
    reg = await public_client(db, "barnet", "borough")
    meta = await discover(live_server)
    url, _ = pkce_client(reg).create_authorization_url(meta["authorization_endpoint"], code_verifier=generate_token(48))
    async with Browser(live_server) as browser:
        graphiql = await browser.http.get(f"{live_server}/graphql", headers={"Accept": "text/html"})
        again = await browser.http.get(f"{live_server}/graphql", headers={"Accept": "text/html"})
        signin = await browser.http.get(url)
        error = await browser.http.get(f"{live_server}/oauth/authorize?response_type=code&client_id=nobody")
        refused = await browser.http.post(f"{live_server}/oauth/signout", data={"csrf_token": "forged"})
        signout = await browser.http.get(f"{live_server}/oauth/signout")

    policy = assert_strict_page(graphiql)
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'", live_server]
    assert policy["form-action"] == ["'none'"] and "<script>" not in graphiql.text
    assert policy_of(again)["style-src"] != policy["style-src"], "a nonce is made for each response"
    assert assert_strict_page(signin)["form-action"] == ["'self'", "http://127.0.0.1:5173"]
    assert error.status_code == 400 and refused.status_code == 403
    for page in (error, refused, signout):
        assert assert_strict_page(page)["form-action"] == ["'self'"]
        assert "script-src" not in policy_of(page)  # no script at all: default-src 'none'

    # anything else: nosniff, no referrer, and a policy that allows nothing
    token = await client_token(live_server, await register(db, "barnet", "borough"))
    async with httpx.AsyncClient() as http:
        others = [
            await http.post(f"{live_server}/graphql", json={"query": "{ __typename }"}),
            await http.get(f"{live_server}/oauth/jwks"),
            await http.post(f"{live_server}/oauth/token", data={"grant_type": "client_credentials"}),
            await http.get(f"{live_server}/ipas/nothing.pdf", headers={"Authorization": f"Bearer {token}"}),
            await http.get(f"{live_server}/no-such-page"),
            await http.get(f"{live_server}/static/dpv/graphiql.js"),
        ]
    for r in others:
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        assert policy_of(r) == {
            "default-src": ["'none'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
        }, r.url


async def test_the_signed_out_graphiql_page_hides_the_sign_out_bar(live_server, db, market):
    """The bar is `hidden` until GraphiQL shows; an inline `display:flex` used to override that."""
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"{live_server}/graphql", headers={"Accept": "text/html"})).text
        css = (await http.get(f"{live_server}/static/dpv/graphiql.css")).text
    assert '<div id="app" hidden>' in page and "style=" not in page
    assert "[hidden] { display: none !important; }" in css


# --- client authentication at the token endpoint -----------------------------------------------------------------


def _answer(r: httpx.Response) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    """Everything a client sees of an answer but its date."""
    return r.status_code, r.content, tuple((k, v) for k, v in r.headers.items() if k not in ("date", "x-request-id"))


async def test_an_unknown_client_and_a_wrong_secret_get_one_answer(live_server, db, market):
    token = await client_token(live_server, await register(db, "ealing", "borough"))
    async with httpx.AsyncClient() as http:
        for path, data in (
            ("/oauth/token", {"grant_type": "client_credentials"}),
            ("/oauth/revoke", {"token": token}),
            ("/oauth/introspect", {"token": token}),
        ):
            # fresh clients for each endpoint, each failing fewer times than would lock it
            known = (await register(db, "barnet", "borough")).client.client_id
            public = (await public_client(db, "barnet", "borough")).client.client_id
            unknown = "no-such-client-" + generate_token(8)
            basic = [
                await http.post(live_server + path, data=data, auth=(client_id, "not-the-secret"))
                for client_id in (known, unknown, public)
            ]
            form = [
                await http.post(
                    live_server + path, data={**data, "client_id": client_id, "client_secret": "not-the-secret"}
                )
                for client_id in (known, unknown, public)
            ]
            no_secret = [
                await http.post(live_server + path, data={**data, "client_id": client_id})
                for client_id in (known, unknown)
            ]
            for answers in (basic, form, no_secret):
                assert len({_answer(r) for r in answers}) == 1, (path, [r.text for r in answers])
            assert _answer(basic[0]) == _answer(form[0]) == _answer(no_secret[0]), path
            assert basic[0].status_code == 401
            assert basic[0].json() == {"error": "invalid_client", "error_description": "Client authentication failed"}
            assert basic[0].headers["www-authenticate"].startswith("Basic ")
        # an unreadable Basic header is the same failure, not an internal error
        garbled = await http.post(
            f"{live_server}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
        )
    assert _answer(garbled) == _answer(basic[0])


async def test_wrong_secrets_lock_the_client_on_every_worker_until_the_lock_passes(live_server, db, market, settings):
    reg = await register(db, "barnet", "borough")
    client_id, secret = reg.client.client_id, reg.client_secret
    unknown = "no-such-client-" + generate_token(8)
    token_form = {"grant_type": "client_credentials"}
    async with another_worker(quiet(settings)) as second, httpx.AsyncClient() as http:
        workers = [live_server, second]
        for i in range(CLIENT_POLICY.max_failures):  # alternately on each worker: one count in PostgreSQL
            for name in (client_id, unknown):
                r = await http.post(f"{workers[i % 2]}/oauth/token", data=token_form, auth=(name, f"wrong-{i}"))
                assert r.status_code == 401, r.text

        locked = {}
        for base in workers:  # the right secret, by either method, at either worker: refused while locked
            for name in (client_id, unknown):
                basic = await http.post(f"{base}/oauth/token", data=token_form, auth=(name, secret))
                form = await http.post(
                    f"{base}/oauth/token", data={**token_form, "client_id": name, "client_secret": secret}
                )
                revoke = await http.post(f"{base}/oauth/revoke", data={"token": "x"}, auth=(name, secret))
                for r in (basic, form, revoke):
                    assert r.status_code == 429 and r.json()["error"] == "invalid_client", r.text
                    assert 0 < int(r.headers["retry-after"]) <= 60
                locked[name] = basic
        assert locked[client_id].content == locked[unknown].content  # locked alike, known or not

        async with db.transaction() as s:  # a minute later (the first lock's length)
            await s.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key.startswith("client:"))
                .values(locked_until=clock.now() - timedelta(seconds=1))
            )
        r = await http.post(f"{second}/oauth/token", data=token_form, auth=(client_id, secret))
        assert r.status_code == 200 and r.json()["access_token"]
        wrong_again = await http.post(f"{live_server}/oauth/token", data=token_form, auth=(unknown, "wrong"))
        assert wrong_again.status_code == 401  # a lock once passed: the next failure locks again, for longer
        assert (
            await http.post(f"{live_server}/oauth/token", data=token_form, auth=(unknown, secret))
        ).status_code == 429

    async with db.session() as s:
        keys = {r.key: r for r in (await s.execute(select(LoginThrottle))).scalars()}
    assert f"client:{client_id}" not in keys, "a success clears the client's record"
    assert keys[f"client:{unknown}"].lockouts == 2
    assert keys["client-ip:127.0.0.1"].failures == 2 * CLIENT_POLICY.max_failures + 1
    lockouts = await actions(db, "oauth_client.lockout")
    assert [(e[1], e[2], e[3]["key"]) for e in lockouts] == [
        ("SYSTEM", "dpv-client-auth", f"client:{client_id}"),
        ("SYSTEM", "dpv-client-auth", f"client:{unknown}"),
        ("SYSTEM", "dpv-client-auth", f"client:{unknown}"),
    ]
    async with db.session() as s:
        orgs = [
            e.organisation_id
            for e in (
                await s.execute(
                    select(AuditEvent).where(AuditEvent.action == "oauth_client.lockout").order_by(AuditEvent.id)
                )
            ).scalars()
        ]
    assert orgs == [market.barnet.id, None, None], "the client's organisation sees its own lockout"


async def test_wrong_secrets_from_one_address_lock_the_address(live_server, db, market):
    reg = await register(db, "barnet", "borough")
    async with httpx.AsyncClient() as http:
        for i in range(CLIENT_IP_POLICY.max_failures):  # a different guessed client id each time
            r = await http.post(
                f"{live_server}/oauth/token", data={"grant_type": "client_credentials"}, auth=(f"guess-{i}", "wrong")
            )
            assert r.status_code == 401
        r = await http.post(
            f"{live_server}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(reg.client.client_id, reg.client_secret),
        )
    assert r.status_code == 429 and r.json()["error"] == "invalid_client" and int(r.headers["retry-after"]) > 0
    assert [e[3]["key"] for e in await actions(db, "oauth_client.lockout")] == ["client-ip:127.0.0.1"]


# --- no personal data in redirect URLs ------------------------------------------------------------------------------


async def test_redirects_carry_no_personal_data(live_server, db, market):
    provider_client = await public_client(db, "acorn-fostering", "provider provider:sign")
    await person(db, "barnet", "officer@barnet.example", "borough")  # a borough's officer at a provider's portal
    meta = await discover(live_server)
    client = pkce_client(provider_client)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=generate_token(48))
    async with Browser(live_server) as browser:
        denied = await browser.sign_in(url, "officer@barnet.example")
        again = await browser.http.get(url)  # signed in now: straight back, denied again
    for r in (denied, again):
        assert r.status_code == 302 and query(r.headers["location"])["error"] == "access_denied"
        location = r.headers["location"]
        assert urlsplit(location).netloc == "127.0.0.1:5173" and query(location)["state"] == state
        for personal in ("officer@barnet.example", quote("officer@barnet.example"), "officer", "barnet.example"):
            assert personal not in location, location
        assert set(query(location)) <= {"error", "error_description", "state", "iss"}


# --- CORS -------------------------------------------------------------------------------------------------------------

PORTAL = "https://portal.dpv.example"
ELSEWHERE = "https://elsewhere.example"
CORS_PATHS = [
    "/graphql",
    "/oauth/token",
    "/oauth/revoke",
    "/.well-known/oauth-authorization-server",
    "/oauth/jwks",
    "/ipas/SXBhOjE=.pdf",
]


def cors_headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.startswith("access-control-")}


async def test_cors_for_the_configured_origins_only(live_server, db, market, settings):
    reg = await register(db, "barnet", "borough")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with another_worker(quiet(settings, cors_origins=[PORTAL])) as portal_api, httpx.AsyncClient() as http:
        for path in CORS_PATHS:
            allowed = await http.options(portal_api + path, headers={"Origin": PORTAL, **preflight})
            assert allowed.status_code == 204 and allowed.content == b"", path
            assert allowed.headers["access-control-allow-origin"] == PORTAL
            assert allowed.headers["access-control-allow-methods"] == "GET, POST"
            assert {"authorization", "content-type", "accept"} <= {
                h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")
            }
            assert int(allowed.headers["access-control-max-age"]) > 0
            assert "access-control-allow-credentials" not in allowed.headers
            assert "Origin" in allowed.headers["vary"]
            other = await http.options(portal_api + path, headers={"Origin": ELSEWHERE, **preflight})
            assert other.status_code != 204 and cors_headers(other) == {}, path
        # not the pages a browser navigates to
        page = await http.options(f"{portal_api}/oauth/authorize", headers={"Origin": PORTAL, **preflight})
        assert cors_headers(page) == {}

        # actual requests: a token from the token endpoint, then GraphQL, as a portal's script would
        token_r = await http.post(
            f"{portal_api}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(reg.client.client_id, reg.client_secret),
            headers={"Origin": PORTAL},
        )
        assert token_r.status_code == 200 and token_r.headers["access-control-allow-origin"] == PORTAL
        token = token_r.json()["access_token"]
        ok = await post_graphql(portal_api, "{ viewer { organisation { slug } } }", token, Origin=PORTAL)
        assert ok.json()["data"]["viewer"]["organisation"]["slug"] == "barnet"
        assert ok.headers["access-control-allow-origin"] == PORTAL and "Origin" in ok.headers["vary"]
        assert "access-control-allow-credentials" not in ok.headers
        assert "Retry-After" in ok.headers["access-control-expose-headers"]
        refused = await post_graphql(portal_api, "{ viewer { scopes } }", "not-a-token", Origin=PORTAL)
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == PORTAL
        foreign = await post_graphql(portal_api, "{ viewer { scopes } }", token, Origin=ELSEWHERE)
        assert foreign.status_code == 200 and cors_headers(foreign) == {} and "Origin" in foreign.headers["vary"]

    async with httpx.AsyncClient() as http:  # the default: no origin at all
        default = await http.options(f"{live_server}/graphql", headers={"Origin": PORTAL, **preflight})
        actual = await post_graphql(live_server, "{ __typename }", None, Origin=PORTAL)
    assert default.status_code != 204 and cors_headers(default) == {} and cors_headers(actual) == {}


def test_cors_origins_must_be_origins():
    assert Settings(DPV_CORS_ORIGINS=["https://Portal.DPV.example/", "http://127.0.0.1:5173"]).cors_origins == [
        "https://portal.dpv.example",
        "http://127.0.0.1:5173",
    ]
    for bad in ("*", "null", "https://portal.example/app", "portal.example"):
        with pytest.raises(ValueError):
            Settings(DPV_CORS_ORIGINS=[bad])
