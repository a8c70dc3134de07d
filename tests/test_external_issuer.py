"""Trusted external issuers over real HTTP: a test-only identity provider (`ealing_idp`, conftest: an RSA key made
for this run, its public key configured inline) stands in for Ealing's own Entra ID, and the live server trusts
it for `ealing`. A second, tiny HTTP server serves a JWKS for the `jwks_uri` path."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
import websockets
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from websockets.exceptions import ConnectionClosed

from api.core.config import OrganisationFromClaim, Settings, TrustedIssuer
from api.core.principal import ActorKind, OrganisationKind, Scope
from api.web.app import create_app
from auth import keys
from auth.external import IssuerKeys, TrustedIssuerError, mapped_scopes, trusted_issuer
from auth.token_errors import ExpiredToken, InvalidToken
from auth.tokens import principal_from_token

VIEWER = "{ viewer { organisation { slug } scopes } }"
PROVIDERS = "{ providers { totalCount } }"  # needs `borough` (or `wla`, `provider`)
AUDIENCE = "api://dpv-exchange"
OFFICER = "jo.bloggs@ealing.gov.uk"


# --- helpers ----------------------------------------------------------------------------------------------------


def b64(data: bytes | dict) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_for(idp, **override) -> dict:
    now = int(time.time())
    claims = {
        "iss": idp.config.issuer,
        "aud": AUDIENCE,
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "oid": "00000000-0000-0000-66f3-3332eca7ea81",
        "tid": "5a1e7c2d",
        "preferred_username": OFFICER,
        "roles": ["AuthorisedOfficer"],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "ver": "2.0",
    }
    claims.update(override)
    return {k: v for k, v in claims.items() if v is not None}


def sign(key, claims: dict, **header) -> str:
    """As the identity provider does: Entra ID sends `typ: JWT` on its access tokens."""
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid, **header}
    return jwt.encode({k: v for k, v in header.items() if v is not None}, claims, key, default_type=None)


def idp_token(idp, *, key=None, header: dict | None = None, **claims) -> str:
    return sign(key or idp.key, claims_for(idp, **claims), **{"kid": idp.key.kid, **(header or {})})


async def graphql(live_server: str, token: str, query: str = VIEWER) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{live_server}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )


def assert_unauthenticated(r: httpx.Response, words: str) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith('Bearer realm="dpv-exchange", error="invalid_token"')
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "data" not in r.json()
    assert words.lower() in error["message"].lower(), error["message"]


def issuer(**kw) -> TrustedIssuer:
    defaults = {
        "issuer": "https://idp.example.test",
        "jwks_uri": "https://idp.example.test/keys",
        "audience": AUDIENCE,
        "organisation": "barnet",
    }
    return TrustedIssuer(**{**defaults, **kw})


def ec_key() -> ECKey:
    key = ECKey.generate_key("P-256", parameters={"use": "sig"}, private=True)
    key.ensure_kid()
    return key


# --- a trusted issuer's token, through the live server --------------------------------------------------------


async def test_a_trusted_issuers_token_acts_for_its_borough_with_mapped_scopes(live_server, db, market, ealing_idp):
    r = await graphql(live_server, idp_token(ealing_idp, roles=["AuthorisedOfficer"]))
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"viewer": {"organisation": {"slug": "ealing"}, "scopes": ["borough", "borough:award"]}}

    officer = idp_token(ealing_idp, roles=["PlacementOfficer", "SomethingElse"])
    assert (await graphql(live_server, officer)).json()["data"]["viewer"] == {
        "organisation": {"slug": "ealing"},
        "scopes": ["borough"],
    }
    r = await graphql(live_server, officer, PROVIDERS)  # the scopes authorise, like this server's own tokens
    assert r.json()["data"] == {"providers": {"totalCount": 2}}

    for typ in (None, "at+jwt", "application/at+jwt"):  # `at+jwt` is not required of an external issuer
        r = await graphql(live_server, idp_token(ealing_idp, header={"typ": typ}))
        assert r.status_code == 200 and r.json()["data"]["viewer"]["organisation"] == {"slug": "ealing"}, typ


async def test_the_websocket_accepts_and_refuses_them_alike(live_server, db, market, ealing_idp):
    """`connection_init` is checked by the same function as HTTP bearer tokens (tests/test_websocket_auth.py)."""
    url = live_server.replace("http://", "ws://") + "/graphql"
    for token, expected in ((idp_token(ealing_idp), "connection_ack"), (idp_token(ealing_idp, aud="x"), 4403)):
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
            try:
                got = json.loads(await ws.recv())["type"]
            except ConnectionClosed as closed:
                got = closed.rcvd.code if closed.rcvd else None
        assert got == expected


async def test_the_principal_is_a_user_of_the_mapped_borough(db, market, settings, ealing_idp):
    principal = await principal_from_token(
        idp_token(ealing_idp, aud=[AUDIENCE, "another-api"]), db=db, keys=keys.KeyRing(), settings=settings
    )
    assert (principal.organisation_id, principal.organisation_kind, principal.organisation_slug) == (
        market.ealing.id,
        OrganisationKind.LOCAL_AUTHORITY,
        "ealing",
    )
    assert principal.scopes == {Scope.BOROUGH, Scope.BOROUGH_AWARD}
    assert principal.actor_kind is ActorKind.USER
    assert principal.actor_id == f"login.ealing.test:{OFFICER}"

    verifier = trusted_issuer(settings, ealing_idp.config.issuer)  # `iss` is verified too, not only dispatched on
    with pytest.raises(InvalidToken, match="iss"):
        await verifier.principal(idp_token(ealing_idp, iss="https://login.elsewhere.test/v2.0"), db=db)


async def test_roles_that_map_to_nothing_authenticate_with_no_scopes(live_server, db, market, ealing_idp):
    """Chosen: a person signed in at the borough whose roles map to none of our scopes is who they say, so the
    token is accepted with no scopes; every scoped operation then answers FORBIDDEN (not 401, which would make a
    client sign in again and again)."""
    for roles in (["Visitor"], None):
        token = idp_token(ealing_idp, roles=roles)
        r = await graphql(live_server, token)
        assert r.json()["data"] == {"viewer": {"organisation": {"slug": "ealing"}, "scopes": []}}
        r = await graphql(live_server, token, PROVIDERS)
        assert r.status_code == 200 and r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_tokens_a_trusted_issuer_did_not_issue_for_us_are_refused(live_server, db, market, ealing_idp):
    idp, now = ealing_idp, int(time.time())
    claims = claims_for(idp)
    header = {"alg": "RS256", "typ": "JWT", "kid": idp.key.kid}
    impostor = RSAKey.generate_key(2048, private=True)
    signing_input = f"{b64(header | {'alg': 'HS256'})}.{b64(claims)}".encode()
    public_pem = idp.key.as_pem(private=False)
    hs256 = signing_input.decode() + "." + b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    good = idp_token(idp)
    h, _, s = good.split(".")

    cases = {
        "wrong audience": (idp_token(idp, aud="https://graph.microsoft.com"), "aud"),
        "an ID token (audience: the sign-in app)": (idp_token(idp, aud="6731de76-14a6-49ae-97bc-6eba6914391e"), "aud"),
        "no audience": (idp_token(idp, aud=None), "aud"),
        "expired beyond the leeway": (idp_token(idp, iat=now - 3700, nbf=now - 3700, exp=now - 100), "expired"),
        "no expiry": (idp_token(idp, exp=None), "exp"),
        "not yet valid": (idp_token(idp, nbf=now + 600), "nbf"),
        "signed by a different key": (idp_token(idp, key=impostor), "signature"),
        "a kid the issuer does not have": (idp_token(idp, key=impostor, header={"kid": "not-a-key"}), "unknown key"),
        "no kid": (idp_token(idp, header={"kid": None}), "kid"),
        "tampered roles": (f"{h}.{b64(claims | {'roles': ['AuthorisedOfficer', 'x']})}.{s}", "signature"),
        "issuer not trusted": (idp_token(idp, key=impostor, iss="https://login.elsewhere.test/v2.0"), "not trusted"),
        "issuer differs by a slash": (idp_token(idp, iss=idp.config.issuer + "/"), "not trusted"),
        "alg none": (f"{b64(header | {'alg': 'none'})}.{b64(claims)}.", "RS256"),
        "HS256 with the public key as the secret": (hs256, "RS256"),
        "not an access token (typ)": (idp_token(idp, header={"typ": "logout+jwt"}), "typ"),
        "no actor claim": (idp_token(idp, preferred_username=None), "preferred_username"),
    }
    for name, (token, words) in cases.items():
        r = await graphql(live_server, token)
        assert r.status_code == 401, name
        assert_unauthenticated(r, words)


async def test_the_borough_must_exist_as_a_local_authority(db, settings, ealing_idp):
    """Before `market`: no `ealing` in the database."""
    with pytest.raises(InvalidToken, match="does not exist") as refused:
        await principal_from_token(idp_token(ealing_idp), db=db, keys=keys.KeyRing(), settings=settings)
    assert refused.value.extensions == {"code": "UNAUTHENTICATED"}


async def test_the_organisation_can_come_from_a_claim_through_a_fixed_table(db, market, settings):
    """A shared-service identity provider for two boroughs: its `tid` claim picks the borough, from the table."""
    key = ec_key()
    shared = issuer(
        issuer="https://sso.shared.test",
        jwks={"keys": [key.as_dict(private=False)]},
        jwks_uri=None,
        organisation=OrganisationFromClaim(claim="tid", values={"t-1": "barnet", "t-2": "ealing", "t-3": "hounslow"}),
        scopes={"scp": {"Placements.ReadWrite": ["borough"]}},
        actor_claim="oid",
    )
    configured = settings.model_copy(update={"trusted_issuers": [shared]})

    async def principal(**claims):
        base = {
            "iss": "https://sso.shared.test",
            "aud": AUDIENCE,
            "oid": "u-42",
            "scp": "openid Placements.ReadWrite",
            "exp": int(time.time()) + 300,
        }
        return await principal_from_token(
            sign(key, base | claims, alg="ES256"), db=db, keys=keys.KeyRing(), settings=configured
        )

    barnet = await principal(tid="t-1")
    assert (barnet.organisation_id, barnet.scopes, barnet.actor_id) == (
        market.barnet.id,
        {Scope.BOROUGH},
        "sso.shared.test:u-42",
    )
    assert (await principal(tid="t-2")).organisation_slug == "ealing"
    with pytest.raises(InvalidToken, match="tid"):
        await principal(tid="t-9")
    with pytest.raises(InvalidToken, match="does not exist"):
        await principal(tid="t-3")
    with pytest.raises(ExpiredToken):
        await principal(tid="t-1", exp=int(time.time()) - 61)
    assert (await principal(tid="t-1", exp=int(time.time()) - 30)).organisation_slug == "barnet"  # within leeway


async def test_every_token_is_checked_again_as_if_the_configuration_had_escaped_its_checks(db, market, settings):
    """The start-up check ran before the organisation existed, and the scope table was never validated
    (`model_construct`): the request-time checks still refuse a provider and drop a non-borough scope."""
    key = ec_key()
    config = issuer(
        issuer="https://sso.shared.test",
        jwks={"keys": [key.as_dict(private=False)]},
        jwks_uri=None,
        organisation=OrganisationFromClaim(claim="tid", values={"t-1": "barnet", "t-2": "acorn-fostering"}),
    )
    unchecked = TrustedIssuer.model_construct(**{**dict(config), "scopes": {"roles": {"X": ["wla", "borough"]}}})
    configured = settings.model_copy(update={"trusted_issuers": [unchecked]})
    claims = {
        "iss": "https://sso.shared.test",
        "aud": AUDIENCE,
        "sub": "u-1",
        "roles": ["X"],
        "exp": int(time.time()) + 300,
    }

    barnet = await principal_from_token(
        sign(key, claims | {"tid": "t-1"}, alg="ES256"), db=db, keys=keys.KeyRing(), settings=configured
    )
    assert barnet.organisation_slug == "barnet" and barnet.scopes == {Scope.BOROUGH}
    with pytest.raises(InvalidToken, match="not a local authority"):
        await principal_from_token(
            sign(key, claims | {"tid": "t-2"}, alg="ES256"), db=db, keys=keys.KeyRing(), settings=configured
        )


def test_scopes_map_from_list_and_space_separated_claims():
    config = issuer(
        scopes={
            "roles": {"A": ["borough"]},
            "groups": {"g-award": ["borough:award"]},
            "scp": {"Placements.Award": ["borough:award"]},
        }
    )
    assert mapped_scopes(config, {"roles": ["A"], "groups": ["g-other"]}) == {Scope.BOROUGH}
    assert mapped_scopes(config, {"groups": ["g-award"], "scp": "x Placements.Award"}) == {Scope.BOROUGH_AWARD}
    assert mapped_scopes(config, {"roles": "A B", "groups": [1, None], "scp": ["Placements.Award"]}) == {
        Scope.BOROUGH,
        Scope.BOROUGH_AWARD,
    }
    assert mapped_scopes(config, {"roles": {"A": True}}) == frozenset()


# --- configuration ----------------------------------------------------------------------------------------------


def test_configuration_refuses_what_could_not_be_safe():
    public = ec_key().as_dict(private=False)
    refused = {
        "a provider scope": dict(scopes={"roles": {"Staff": ["provider"]}}),
        "an alliance scope": dict(scopes={"groups": {"admins": ["wla", "borough"]}}),
        "an unknown scope": dict(scopes={"roles": {"A": ["everything"]}}),
        "alg none": dict(algorithms=["none"]),
        "an HMAC algorithm": dict(algorithms=["RS256", "HS256"]),
        "no algorithm": dict(algorithms=[]),
        "both key sources": dict(jwks={"keys": [public]}),
        "no key source": dict(jwks_uri=None),
        "a plain-HTTP key set": dict(jwks_uri="http://idp.example.test/keys"),
        "a private key inline": dict(jwks_uri=None, jwks={"keys": [ec_key().as_dict(private=True)]}),
        "a symmetric key inline": dict(jwks_uri=None, jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
        "no audience": dict(audience=[]),
        "not a slug": dict(organisation="Barnet Council"),
        "an unknown field": dict(organization="barnet"),
    }
    for name, fields in refused.items():
        with pytest.raises(ValidationError):
            issuer(**fields)
            pytest.fail(name)
    assert issuer(jwks_uri="http://127.0.0.1:9/keys").jwks_uri  # plain HTTP on loopback only (tests)


def test_configuration_from_a_file_and_from_the_environment(tmp_path, monkeypatch):
    one = {
        "issuer": "https://login.microsoftonline.com/1111/v2.0",
        "audience": AUDIENCE,
        "organisation": "barnet",
        "jwks_uri": "https://login.microsoftonline.com/1111/discovery/v2.0/keys",
        "actor_claim": "preferred_username",
        "scopes": {"roles": {"AuthorisedOfficer": ["borough", "borough:award"]}},
    }
    two = {**one, "issuer": "https://login.microsoftonline.com/2222/v2.0", "organisation": "ealing"}
    path = tmp_path / "trusted-issuers.json"
    path.write_text(json.dumps([one]))
    monkeypatch.setenv("DPV_TRUSTED_ISSUERS_FILE", str(path))
    monkeypatch.setenv("DPV_TRUSTED_ISSUERS", json.dumps([two]))
    loaded = Settings()
    assert [(t.issuer, t.organisation) for t in loaded.trusted_issuers] == [
        (two["issuer"], "ealing"),
        (one["issuer"], "barnet"),
    ]
    assert loaded.trusted_issuers[1].algorithms == ["RS256", "ES256"] and loaded.trusted_issuers[1].leeway == 60

    monkeypatch.setenv("DPV_TRUSTED_ISSUERS", json.dumps([one]))
    with pytest.raises(ValidationError, match="more than once"):
        Settings()
    monkeypatch.delenv("DPV_TRUSTED_ISSUERS_FILE")
    monkeypatch.setenv("DPV_ISSUER", "https://dpv.example.test/")
    monkeypatch.setenv("DPV_TRUSTED_ISSUERS", json.dumps([{**one, "issuer": "https://dpv.example.test"}]))
    with pytest.raises(ValidationError, match="own issuer"):
        Settings()
    path.write_text(json.dumps([{**one, "scopes": {"roles": {"Admin": ["wla"]}}}]))
    monkeypatch.setenv("DPV_TRUSTED_ISSUERS_FILE", str(path))
    monkeypatch.setenv("DPV_TRUSTED_ISSUERS", "[]")
    with pytest.raises(ValidationError, match="local authorities only"):
        Settings()


async def test_a_mapping_to_a_provider_or_the_alliance_is_refused_at_start(db, market, settings, ealing_idp):
    for slug in ("acorn-fostering", "wla"):
        config = issuer(
            jwks_uri=None,
            jwks=ealing_idp.config.jwks,
            organisation=OrganisationFromClaim(claim="tid", values={"t-1": "barnet", "t-2": slug}),
        )
        app = create_app(settings.model_copy(update={"trusted_issuers": [config]}))
        with pytest.raises(TrustedIssuerError, match=f"not: {slug}"):
            async with app.router.lifespan_context(app):  # the application's start, as uvicorn runs it
                pytest.fail("the server started")
    app = create_app(settings)  # ealing, a local authority: starts
    async with app.router.lifespan_context(app) as state:
        assert state["settings"].trusted_issuers[0].organisation == "ealing"


# --- keys from a jwks_uri -----------------------------------------------------------------------------------------


class KeyServer:
    """A borough identity provider's JWKS endpoint: a Starlette app under uvicorn on 127.0.0.1."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.hits = 0
        self.status = 200

        async def jwks(request: Request) -> JSONResponse:
            self.hits += 1
            return JSONResponse({"keys": self.keys}, status_code=self.status)

        self.app = Starlette(routes=[Route("/discovery/v2.0/keys", jwks)])


@contextmanager
def key_server() -> Iterator[tuple[KeyServer, str]]:
    keys = KeyServer()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(keys.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the key server did not start"
        time.sleep(0.02)
    try:
        yield keys, f"http://127.0.0.1:{port}/discovery/v2.0/keys"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_jwks_uri_is_cached_and_refreshed_on_an_unknown_kid_at_most_once_a_minute():
    first, second, third = ec_key(), ec_key(), ec_key()
    with key_server() as (server, uri):
        server.keys = [first.as_dict(private=False)]
        clock = Clock()
        ring = IssuerKeys(issuer(jwks_uri=uri), monotonic=clock)  # cache 3600 s, at most one fetch per 60 s

        assert (await ring.key(first.kid)).as_dict() == first.as_dict(private=False)
        assert server.hits == 1
        clock.now += 10
        assert await ring.key(first.kid) is not None and server.hits == 1  # cached

        server.keys = [first.as_dict(private=False), second.as_dict(private=False)]  # the provider rotates
        assert await ring.key(second.kid) is None and server.hits == 1  # 10 s after the last fetch: not yet
        clock.now += 50
        assert await ring.key(second.kid) is not None and server.hits == 2  # an unknown kid fetches again
        assert await ring.key("made-up") is None and server.hits == 2  # and made-up kids cannot make it fetch

        server.keys.append(third.as_dict(private=False))
        clock.now += 60
        found = await asyncio.gather(*(ring.key(third.kid) for _ in range(5)))
        assert all(k is not None for k in found) and server.hits == 3  # concurrent requests share one fetch

        server.status = 500  # the provider fails: the keys known are kept
        clock.now += 3600
        assert await ring.key(first.kid) is not None and server.hits == 4
        server.status = 200
        server.keys = [third.as_dict(private=False)]  # after the cache lifetime, a fetch drops retired keys
        clock.now += 60
        assert await ring.key(third.kid) is not None and server.hits == 5
        assert await ring.key(first.kid) is None and server.hits == 5


async def test_a_token_verified_with_keys_fetched_from_the_jwks_uri(db, market, settings):
    key = RSAKey.generate_key(2048, parameters={"use": "sig"}, private=True)
    key.ensure_kid()
    with key_server() as (server, uri):
        server.keys = [
            ec_key().as_dict(private=False),
            key.as_dict(private=False),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        ]  # a symmetric key is never used
        config = issuer(
            issuer="https://login.barnet.test/v2.0", jwks_uri=uri, scopes={"roles": {"PlacementOfficer": ["borough"]}}
        )
        configured = settings.model_copy(update={"trusted_issuers": [config]})
        claims = {
            "iss": "https://login.barnet.test/v2.0",
            "aud": AUDIENCE,
            "sub": "s-1",
            "roles": ["PlacementOfficer"],
            "exp": int(time.time()) + 300,
        }
        principal = await principal_from_token(sign(key, claims), db=db, keys=keys.KeyRing(), settings=configured)
        assert (principal.organisation_slug, principal.scopes, principal.actor_id) == (
            "barnet",
            {Scope.BOROUGH},
            "login.barnet.test:s-1",
        )
        assert server.hits == 1
        with pytest.raises(InvalidToken, match="RS256"):
            hs = jwt.encode(
                {"alg": "HS256", "kid": "hmac"}, claims, OctKey.import_key(b"secret" * 6), default_type=None
            )
            await principal_from_token(hs, db=db, keys=keys.KeyRing(), settings=configured)
