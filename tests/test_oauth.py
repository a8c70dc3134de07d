"""Identity over real HTTP: a real uvicorn server, real clients registered through the domain (or the real CLI),
real tokens from the real token endpoint, fetched with Authlib's own OAuth 2.0 client."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from sqlalchemy import func, select, text, update

from api.core.audit import AuditEvent
from api.core.db import Database
from api.core.errors import Forbidden, UserErrors
from api.core.principal import ActorKind, OrganisationKind, Scope
from auth import keys, tokens
from auth.clients import (
    ClientErrorCode,
    ClientGrant,
    RegisteredClient,
    ensure_demo_clients,
    register_client,
    register_client_as_system,
)
from auth.models import SECRET_HASHER, OAuthClient, RevokedToken, SigningKey
from auth.tokens import InvalidToken, principal_from_token

ROOT = Path(__file__).resolve().parent.parent
VIEWER = "{ viewer { organisation { slug } scopes } }"
METADATA_FIELDS = {
    "issuer",
    "token_endpoint",
    "authorization_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "introspection_endpoint",
    "scopes_supported",
    "grant_types_supported",
    "code_challenge_methods_supported",
}


# --- helpers ----------------------------------------------------------------------------------------------------


async def register(db: Database, slug: str, scope: str, **kw) -> RegisteredClient:
    async with db.transaction() as s:
        return await register_client_as_system(s, "test", organisation_slug=slug, scopes=scope, **kw)


async def discover(live_server: str) -> dict:
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{live_server}/.well-known/oauth-authorization-server")
    assert r.status_code == 200
    return r.json()


def oauth(reg: RegisteredClient, **kw) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(client_id=reg.client.client_id, client_secret=reg.client_secret, **kw)


async def token_for(live_server: str, reg: RegisteredClient, **kw) -> str:
    meta = await discover(live_server)
    async with oauth(reg) as client:
        return (await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials", **kw))["access_token"]


async def graphql(live_server: str, token: str | None, query: str = VIEWER, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient() as http:
        return await http.post(f"{live_server}/graphql", json={"query": query}, headers=headers)


def assert_unauthenticated(r: httpx.Response, words: str = "") -> None:
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer ")
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    assert "data" not in r.json()
    assert words.lower() in error["message"].lower(), error["message"]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(header))), json.loads(base64.urlsafe_b64decode(pad(payload)))


async def active_private_key(db: Database) -> tuple[str, ECKey]:
    async with db.session() as s:
        row = await keys.active_key(s)
    assert row is not None
    return row.kid, keys.private_key(row)


def forge(key, claims: dict, **header) -> str:
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", **header}, claims, key, default_type=None)


async def audit_actions(db: Database, entity_type: str) -> list[AuditEvent]:
    async with db.session() as s:
        return list(
            (
                await s.execute(select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.id))
            ).scalars()
        )


# --- the newcomer's path --------------------------------------------------------------------------------------


async def test_discover_get_a_token_with_authlib_and_ask_who_i_am(live_server, db, market):
    reg = await register(db, "barnet", "borough borough:award")
    async with oauth(reg) as client:
        meta = (
            await client.request("GET", f"{live_server}/.well-known/oauth-authorization-server", withhold_token=True)
        ).json()
        assert METADATA_FIELDS <= set(meta)  # every field API.md lists (and RFC 8414's response_types_supported)
        assert meta["issuer"] == live_server
        assert meta["token_endpoint"] == f"{live_server}/oauth/token"
        assert meta["grant_types_supported"] == ["authorization_code", "client_credentials", "refresh_token"]
        assert meta["response_types_supported"] == ["code"]
        assert meta["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post", "none"]
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert set(meta["scopes_supported"]) == {s.value for s in Scope}

        token = await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["expires_in"] == 600
        assert "refresh_token" not in token  # refresh tokens come with the authorization-code grant only
        assert token["scope"] == "borough borough:award"
        r = await client.post(f"{live_server}/graphql", json={"query": VIEWER})  # the client sends the bearer token
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"viewer": {"organisation": {"slug": "barnet"}, "scopes": ["borough", "borough:award"]}}

    header, claims = parts(token["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    assert claims["iss"] == live_server and claims["aud"] == "dpv-exchange"
    assert claims["sub"] == claims["client_id"] == reg.client.client_id
    assert claims["org"] == "barnet" and claims["org_kind"] == "LOCAL_AUTHORITY"
    assert claims["exp"] - claims["iat"] == 600 and claims["jti"]

    async with httpx.AsyncClient() as http:
        jwks = (await http.get(meta["jwks_uri"])).json()
    assert [k["kid"] for k in jwks["keys"]] == [header["kid"]]
    assert all("d" not in k for k in jwks["keys"]), "the JWKS must hold public keys only"


async def test_a_narrower_scope_and_client_secret_post(live_server, db, market):
    reg = await register(db, "acorn-fostering", "provider provider:sign")
    meta = await discover(live_server)
    async with oauth(reg, token_endpoint_auth_method="client_secret_post") as client:
        await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials", scope="provider")
        r = await client.post(f"{live_server}/graphql", json={"query": VIEWER})
    assert r.json()["data"]["viewer"] == {"organisation": {"slug": "acorn-fostering"}, "scopes": ["provider"]}


async def test_the_token_endpoint_refuses_scopes_beyond_the_client_and_bad_secrets(live_server, db, market):
    reg = await register(db, "barnet", "borough")
    meta = await discover(live_server)
    async with oauth(reg) as client:
        for scope in ("borough:award", "borough wla", "nonsense"):
            with pytest.raises(OAuthError) as refused:
                await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials", scope=scope)
            assert refused.value.error == "invalid_scope", scope
    async with AsyncOAuth2Client(client_id=reg.client.client_id, client_secret="wrong") as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        assert refused.value.error == "invalid_client"
    async with httpx.AsyncClient() as http:  # no implicit or password grant
        r = await http.post(
            meta["token_endpoint"],
            data={"grant_type": "password", "username": "a", "password": "b"},
            auth=(reg.client.client_id, reg.client_secret),
        )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


# --- tokens that must be refused ------------------------------------------------------------------------------


async def test_no_token_is_anonymous_and_a_bad_header_is_refused(live_server, db, market):
    r = await graphql(live_server, None)
    assert r.status_code == 200 and r.json()["data"]["viewer"] == {"organisation": None, "scopes": []}
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{live_server}/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic eDp5"})
    assert_unauthenticated(r, "Bearer")


async def test_expired_foreign_forged_and_mistyped_tokens_are_refused(live_server, db, market):
    reg = await register(db, "barnet", "borough")
    good = await token_for(live_server, reg)
    assert (await graphql(live_server, good)).status_code == 200
    kid, key = await active_private_key(db)
    header, claims = parts(good)
    now = int(time.time())

    cases = {
        "expired": (forge(key, {**claims, "iat": now - 700, "exp": now - 100}, kid=kid), "expired"),
        "wrong audience": (forge(key, {**claims, "aud": "someone-else"}, kid=kid), "aud"),
        "wrong issuer": (forge(key, {**claims, "iss": "https://elsewhere.example"}, kid=kid), "iss"),
        "alg none": (f"{b64({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{b64(claims)}.", "ES256"),
        "tampered": (".".join([good.split(".")[0], b64({**claims, "org": "ealing"}), good.split(".")[2]]), "signature"),
        "typ JWT": (forge(key, claims, kid=kid, typ="JWT"), "typ"),
        "no typ": (jwt.encode({"alg": "ES256", "kid": kid}, claims, key, default_type=None), "typ"),
        "HS256 confusion": (
            jwt.encode(
                {"alg": "HS256", "typ": "at+jwt", "kid": kid}, claims, OctKey.import_key(b"x" * 32), default_type=None
            ),
            "ES256",
        ),
        "unknown key": (forge(ECKey.generate_key("P-256", private=True), claims, kid="not-a-key"), "unknown key"),
        "scope beyond its kind": (forge(key, {**claims, "scope": "borough wla"}, kid=kid), "scopes"),
        "not a JWT": ("abc.def", "not a signed JWT"),
    }
    for name, (token, words) in cases.items():
        r = await graphql(live_server, token)
        assert r.status_code == 401, name
        assert_unauthenticated(r, words)
    # The same refusal under the GraphQL-over-HTTP media type.
    r = await graphql(live_server, cases["expired"][0], Accept="application/graphql-response+json")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/graphql-response+json")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_a_token_whose_signature_was_checked_before_still_expires(live_server, db, market):
    """A token's signature is checked once per process (auth/tokens.py): its expiry is checked every time."""
    reg = await register(db, "barnet", "borough")
    _, claims = parts(await token_for(live_server, reg))
    kid, key = await active_private_key(db)
    now = int(time.time())
    exp = now + 5  # room for the two requests below on a busy machine
    brief = forge(key, {**claims, "jti": "brief-" + str(now), "iat": now, "exp": exp}, kid=kid)
    assert (await graphql(live_server, brief)).status_code == 200
    assert (await graphql(live_server, brief)).status_code == 200  # its signature remembered
    await asyncio.sleep(exp + 1.05 - time.time())  # past exp: joserfc refuses once now > exp
    r = await graphql(live_server, brief)
    assert r.status_code == 401
    assert_unauthenticated(r, "expired")


async def test_principal_from_token_is_the_one_validation_function(live_server, db, market, settings):
    reg = await register(db, "wla", "wla")
    token = await token_for(live_server, reg)
    ring = keys.KeyRing()
    principal = await principal_from_token(token, db=db, keys=ring, settings=settings)
    assert (principal.organisation_id, principal.organisation_kind, principal.organisation_slug) == (
        market.wla.id,
        OrganisationKind.ALLIANCE,
        "wla",
    )
    assert principal.scopes == frozenset({Scope.WLA}) and principal.actor_kind is ActorKind.CLIENT
    assert principal.actor_id == reg.client.client_id
    other = settings.model_copy(update={"audience": "another-api"})
    with pytest.raises(InvalidToken) as refused:
        await principal_from_token(token, db=db, keys=ring, settings=other)
    assert refused.value.extensions == {"code": "UNAUTHENTICATED"}


# --- revocation and introspection -----------------------------------------------------------------------------


async def test_revocation_and_introspection(live_server, db, market):
    barnet = await register(db, "barnet", "borough")
    ealing = await register(db, "ealing", "borough")
    public = await register(
        db, "barnet", "borough", grant=ClientGrant.AUTHORIZATION_CODE, redirect_uris=["http://127.0.0.1:5173/callback"]
    )
    meta = await discover(live_server)
    token = await token_for(live_server, barnet)

    async with oauth(barnet) as client:
        seen = (await client.introspect_token(meta["introspection_endpoint"], token=token)).json()
    assert seen["active"] is True and seen["org"] == "barnet" and seen["client_id"] == barnet.client.client_id
    assert seen["scope"] == "borough" and seen["aud"] == "dpv-exchange"
    async with oauth(ealing) as client:  # another organisation's token: nothing to see
        assert (await client.introspect_token(meta["introspection_endpoint"], token=token)).json() == {"active": False}
        other = await client.revoke_token(meta["revocation_endpoint"], token=token)  # not its token to revoke
        assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    async with httpx.AsyncClient() as http:  # introspection is for confidential clients only
        r = await http.post(meta["introspection_endpoint"], data={"token": token, "client_id": public.client.client_id})
        assert r.status_code in (400, 401) and r.json()["error"] == "invalid_client"
    assert (await graphql(live_server, token)).status_code == 200

    async with oauth(barnet) as client:
        assert (await client.revoke_token(meta["revocation_endpoint"], token=token)).status_code == 200
        assert (await client.revoke_token(meta["revocation_endpoint"], token=token)).status_code == 200  # idempotent
        assert (await client.introspect_token(meta["introspection_endpoint"], token=token)).json() == {"active": False}
        assert (await client.revoke_token(meta["revocation_endpoint"], token="not-a-token")).status_code == 200
    assert_unauthenticated(await graphql(live_server, token), "revoked")

    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(RevokedToken))).scalar_one() == 1
    events = await audit_actions(db, "RevokedToken")
    assert [(e.action, e.actor_kind, e.actor_id, e.organisation_id) for e in events] == [
        ("token.revoke", "CLIENT", barnet.client.client_id, market.barnet.id)
    ]


async def test_client_secrets_are_stored_hashed_and_audited(db, market):
    reg = await register(db, "birch-homes", "provider")
    async with db.session() as s:
        row = await s.get(OAuthClient, reg.client.id)
        dump = json.dumps([str(v) for v in (await s.execute(text("SELECT * FROM oauth_client"))).one()])
    assert reg.client_secret and reg.client_secret not in dump
    assert row.client_secret_hash.startswith("$argon2id$") and SECRET_HASHER.verify(
        row.client_secret_hash, reg.client_secret
    )
    (event,) = await audit_actions(db, "OAuthClient")
    assert event.action == "oauth_client.create" and event.actor_kind == "SYSTEM"
    assert event.organisation_id == market.birch.id and reg.client_secret not in json.dumps(event.data)


# --- signing keys -----------------------------------------------------------------------------------------------


async def test_rotation_keeps_old_tokens_valid_until_their_key_ages_out(live_server, db, market, settings):
    reg = await register(db, "ealing", "borough")
    meta = await discover(live_server)
    old = await token_for(live_server, reg)  # the first token makes the first key
    old_kid = parts(old)[0]["kid"]

    async with db.transaction() as s:
        new_kid = (await keys.rotate_signing_key(s)).kid
    assert new_kid != old_kid
    assert (await graphql(live_server, old)).status_code == 200, "a retired key still verifies its tokens"
    new = await token_for(live_server, reg)
    assert parts(new)[0]["kid"] == new_kid and (await graphql(live_server, new)).status_code == 200
    async with httpx.AsyncClient() as http:
        assert {k["kid"] for k in (await http.get(meta["jwks_uri"])).json()["keys"]} == {old_kid, new_kid}

    # Once every token the old key signed has expired, it verifies nothing and leaves the JWKS.
    async with db.transaction() as s:
        await s.execute(
            update(SigningKey)
            .where(SigningKey.kid == old_kid)
            .values(retired_at=func.now() - text(f"interval '{settings.access_token_ttl + 1} seconds'"))
        )
    assert_unauthenticated(await graphql(live_server, old), "retired")
    async with httpx.AsyncClient() as http:
        assert [k["kid"] for k in (await http.get(meta["jwks_uri"])).json()["keys"]] == [new_kid]

    events = [(e.action, e.actor_kind, e.organisation_id, e.data["kid"]) for e in await audit_actions(db, "SigningKey")]
    assert events == [
        ("signing_key.create", "SYSTEM", market.wla.id, old_kid),
        ("signing_key.retire", "SYSTEM", market.wla.id, old_kid),
        ("signing_key.create", "SYSTEM", market.wla.id, new_kid),
    ]


# --- clients for the demo and from the command line ------------------------------------------------------------


async def test_demo_clients_are_kept_across_restarts(db, market):
    slugs = ["wla", "barnet", "acorn-fostering", "not-in-this-database"]
    async with db.transaction() as s:
        first, created = await ensure_demo_clients(s, slugs, {}, "demo-data")
    assert created and set(first) == {"wla", "barnet", "acorn-fostering"}
    assert first["wla"]["scope"] == "wla wla:safeguarding" and first["barnet"]["scope"] == "borough borough:award"
    async with db.transaction() as s:
        again, created = await ensure_demo_clients(s, slugs, first, "demo-data")
    assert again == first and not created
    async with db.transaction() as s:  # a file naming a client that no longer exists: that one is replaced
        third, created = await ensure_demo_clients(
            s, slugs, {**first, "barnet": {"client_id": "gone", "client_secret": "x"}}, "demo-data"
        )
    assert (
        created
        and third["wla"] == first["wla"]
        and third["barnet"]["client_id"] not in ("gone", first["barnet"]["client_id"])
    )
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(OAuthClient))).scalar_one() == 4


async def test_registration_rules(db, market):
    cases = [
        (dict(organisation_slug="hounslow", scopes="borough"), ClientErrorCode.UNKNOWN_ORGANISATION),
        (dict(organisation_slug="barnet", scopes=""), ClientErrorCode.SCOPE_REQUIRED),
        (dict(organisation_slug="barnet", scopes="borough admin"), ClientErrorCode.UNKNOWN_SCOPE),
        (
            dict(organisation_slug="acorn-fostering", scopes="provider borough"),
            ClientErrorCode.SCOPE_NOT_FOR_ORGANISATION,
        ),
        (
            dict(organisation_slug="barnet", scopes="borough", redirect_uris=["https://x.example/cb"]),
            ClientErrorCode.REDIRECT_URI_NOT_ALLOWED,
        ),
        (
            dict(organisation_slug="wla", scopes="wla", grant=ClientGrant.AUTHORIZATION_CODE),
            ClientErrorCode.REDIRECT_URI_REQUIRED,
        ),
        (
            dict(
                organisation_slug="wla",
                scopes="wla",
                grant=ClientGrant.AUTHORIZATION_CODE,
                redirect_uris=["http://portal.example/cb"],
            ),
            ClientErrorCode.INVALID_REDIRECT_URI,
        ),
        (
            dict(
                organisation_slug="wla",
                scopes="wla",
                grant=ClientGrant.AUTHORIZATION_CODE,
                redirect_uris=["https://portal.example/cb#x"],
            ),
            ClientErrorCode.INVALID_REDIRECT_URI,
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(UserErrors) as refused:
            await _register(db, **kwargs)
        assert [e.code for e in refused.value.errors] == [code], kwargs
    async with db.transaction() as s:  # a borough cannot register clients; the alliance can
        with pytest.raises(Forbidden):
            await register_client(s, market.barnet_officer, organisation_slug="barnet", scopes="borough")
        made = await register_client(s, market.admin, organisation_slug="barnet", scopes="borough")
    assert made.client_secret
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(OAuthClient))).scalar_one() == 1


async def _register(db: Database, **kwargs) -> RegisteredClient:
    async with db.transaction() as s:
        return await register_client_as_system(s, "test", **kwargs)


def _dpv(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


async def test_dpv_client_create_then_get_a_token(live_server, db, market, database_url):
    done = _dpv(database_url, "client", "create", "--org", "barnet", "--scope", "borough wla")
    assert done.returncode != 0 and "may hold only borough, borough:award" in done.stderr and not done.stdout

    done = _dpv(database_url, "client", "create", "--org", "barnet", "--scope", "borough borough:award")
    assert done.returncode == 0, done.stderr
    credentials = json.loads(done.stdout)  # exactly one JSON object, nothing else
    assert set(credentials) == {"client_id", "client_secret"} and credentials["client_secret"]
    meta = await discover(live_server)
    async with AsyncOAuth2Client(**credentials) as client:
        await client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        r = await client.post(f"{live_server}/graphql", json={"query": VIEWER})
    assert r.json()["data"]["viewer"] == {"organisation": {"slug": "barnet"}, "scopes": ["borough", "borough:award"]}

    done = _dpv(
        database_url,
        "client",
        "create",
        "--org",
        "barnet",
        "--scope",
        "borough",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        "http://127.0.0.1:5173/callback",
    )
    assert done.returncode == 0, done.stderr
    public = json.loads(done.stdout)
    assert public["client_secret"] is None
    async with db.session() as s:
        row = (await s.execute(select(OAuthClient).where(OAuthClient.client_id == public["client_id"]))).scalar_one()
    assert row.token_endpoint_auth_method == "none" and row.redirect_uris == ["http://127.0.0.1:5173/callback"]


# --- the token's state, as every request reads it ----------------------------------------------------------------


async def test_the_token_state_read_on_the_driver_is_what_sqlalchemy_reads(db, market):
    """`token_state` runs its statement on the driver (api/core/db.py DriverStatement): for every state a token can be
    in, it answers what the same statement answers through SQLAlchemy, on a connection and in a session alike."""
    async with db.transaction() as s:
        retired = (await keys.rotate_signing_key(s)).kid
        active = (await keys.rotate_signing_key(s)).kid  # retires the first
        s.add(RevokedToken(jti="revoked-jti", expires_at=func.now() + text("interval '1 hour'")))
    cases = [
        (slug, jti, kid)
        for slug in ("wla", "barnet", "acorn-fostering", "no-such-organisation")
        for jti in ("revoked-jti", "live-jti")
        for kid in (active, retired, "no-such-key")
    ]
    seen = {}
    for slug, jti, kid in cases:
        claims = {"org": slug, "jti": jti}
        async with db.session() as s:
            row = (await s.execute(tokens._TOKEN_STATE, {"jti": jti, "kid": kid, "org": slug})).one_or_none()
            in_session = await tokens.token_state(s, claims, kid)
        through_sqlalchemy = tokens.TokenState(*row) if row is not None else None
        async with db.reading() as conn:
            on_connection = await tokens.token_state(conn, claims, kid)
        assert on_connection == in_session == through_sqlalchemy, (slug, jti, kid)
        seen[slug, jti, kid] = on_connection
    assert seen["no-such-organisation", "live-jti", active] is None
    state = seen["acorn-fostering", "revoked-jti", retired]
    assert state.organisation_kind is OrganisationKind.PROVIDER and state.revoked and state.key_known
    assert state.key_retired_at is not None and state.key_retired_at.tzinfo is not None
    state = seen["barnet", "live-jti", "no-such-key"]
    assert state.organisation_kind is OrganisationKind.LOCAL_AUTHORITY and not state.revoked
    assert not state.key_known and state.key_retired_at is None
    assert seen["wla", "live-jti", active].organisation_id == market.wla.id
