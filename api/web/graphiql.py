"""GraphiQL for the alliance's administrators, served by this service with its own copy of the assets.

The page signs in through the authorization-code flow with PKCE (S256) as a public client of the alliance and
sends the bearer token with every request. The client is registered on first use (one per issuer: its
redirect URI is `{issuer}/graphql`, matched exactly); without an alliance organisation there is nobody to sign
in for, and the page says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import any_, select, text
from starlette.responses import HTMLResponse

from api.core.config import Settings
from api.core.db import Database
from api.core.principal import OrganisationKind
from api.market.models import Organisation
from api.web.security_headers import graphiql_policy, new_nonce
from auth.clients import ClientGrant, register_client_as_system
from auth.models import OAuthClient

TEMPLATE = (Path(__file__).resolve().parent / "templates" / "graphiql.html").read_text()
STATIC = Path(__file__).resolve().parent / "static"
SCOPES = "wla wla:safeguarding"


def redirect_uri(settings: Settings) -> str:
    return f"{settings.issuer_url}/graphql"


async def ensure_client(db: Database, settings: Settings) -> str | None:
    """The client_id of GraphiQL's public PKCE client, registering it if need be; None without an alliance."""
    redirect = redirect_uri(settings)
    async with db.transaction() as s:
        await s.execute(text("SELECT pg_advisory_xact_lock(hashtext('dpv:graphiql-client'))"))  # one per issuer
        alliance = (
            (await s.execute(select(Organisation).where(Organisation.kind == OrganisationKind.ALLIANCE)))
            .scalars()
            .first()
        )
        if alliance is None:
            return None
        existing = (
            (
                await s.execute(
                    select(OAuthClient.client_id).where(
                        OAuthClient.organisation_id == alliance.id,
                        OAuthClient.token_endpoint_auth_method == "none",
                        any_(OAuthClient.redirect_uris) == redirect,
                    )
                )
            )
            .scalars()
            .first()
        )
        if existing:
            return existing
        registered = await register_client_as_system(
            s,
            "graphiql",
            organisation_slug=alliance.slug,
            scopes=SCOPES,
            grant=ClientGrant.AUTHORIZATION_CODE,
            redirect_uris=[redirect],
        )
        return registered.client.client_id


def page(client_id: str | None, settings: Settings) -> HTMLResponse:
    """The page, with its Content-Security-Policy (api/web/security_headers.py) and a nonce made for this response
    only. Its script is a file (/static/dpv/graphiql.js); its configuration a JSON data block, which no browser
    runs."""
    config = {"clientId": client_id, "redirectUri": redirect_uri(settings), "scope": SCOPES, "endpoint": "/graphql"}
    nonce = new_nonce()
    # JSON inside a <script> element: escape what could close the element
    document = TEMPLATE.replace("__NONCE__", nonce).replace("__CONFIG__", json.dumps(config).replace("<", "\\u003c"))
    return HTMLResponse(
        document,
        headers={
            "Content-Security-Policy": graphiql_policy(nonce, settings.issuer_url),
            "Cache-Control": "no-store",  # the page the tokens live in
            "X-Frame-Options": "DENY",
        },
    )
