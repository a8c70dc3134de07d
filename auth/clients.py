"""OAuth clients: registration (the command line, the demo, later an admin mutation), lookup, demo clients.

A client acts for exactly one organisation and may hold only scopes of that organisation's kind (API.md).

- `client_credentials`: a confidential client for a borough's or provider's integration. It gets a random
  secret, shown once; only its argon2 hash is stored.
- `authorization_code`: a public client (the portal, GraphiQL) with PKCE and exactly registered redirect URIs
  (https, or http on a loopback address, RFC 8252 §7.3); it has no secret. Its tokens act for the person who
  signs in (their organisation), within the client's scopes: the organisation it is registered for is the one
  that owns it, so one portal client serves the staff of every provider (auth/server.py, AuthorizationCode).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from api.core import audit
from api.core.errors import UserError, UserErrors
from api.core.permissions import ensure_alliance_admin
from api.core.principal import SCOPES_BY_KIND, ActorKind, Principal, Scope, system_principal
from api.market.models import Organisation, organisation_by_slug
from auth.models import SECRET_HASHER, OAuthClient
from auth.scopes import parse_scopes, scope_errors

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class ClientGrant(str, Enum):
    CLIENT_CREDENTIALS = "client_credentials"
    AUTHORIZATION_CODE = "authorization_code"


class ClientErrorCode(Enum):
    UNKNOWN_ORGANISATION = "UNKNOWN_ORGANISATION"
    SCOPE_REQUIRED = "SCOPE_REQUIRED"
    UNKNOWN_SCOPE = "UNKNOWN_SCOPE"
    SCOPE_NOT_FOR_ORGANISATION = "SCOPE_NOT_FOR_ORGANISATION"
    REDIRECT_URI_REQUIRED = "REDIRECT_URI_REQUIRED"
    REDIRECT_URI_NOT_ALLOWED = "REDIRECT_URI_NOT_ALLOWED"
    INVALID_REDIRECT_URI = "INVALID_REDIRECT_URI"


@dataclass(frozen=True)
class RegisteredClient:
    client: OAuthClient
    client_secret: str | None  # shown once, never stored

    def credentials(self) -> dict[str, str | None]:
        return {"client_id": self.client.client_id, "client_secret": self.client_secret}


def _redirect_uri_problem(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return "must not have a fragment"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return None
    return "must be an absolute https URI, or http on a loopback address"


def client_principal(client: OAuthClient) -> Principal:
    """The client as an actor (for audit): its organisation and the scopes it may hold."""
    org = client.organisation
    return Principal(
        organisation_id=org.id,
        organisation_kind=org.kind,
        organisation_slug=org.slug,
        scopes=frozenset(Scope(s) for s in client.scopes),
        actor_kind=ActorKind.CLIENT,
        actor_id=client.client_id,
    )


def _unknown_organisation(slug: str) -> UserErrors:
    return UserErrors.one(
        "organisation", ClientErrorCode.UNKNOWN_ORGANISATION, f"No organisation has the slug {slug!r}"
    )


async def register_client(
    session: AsyncSession,
    actor: Principal,
    *,
    organisation_slug: str,
    scopes: str | Iterable[str],
    grant: ClientGrant = ClientGrant.CLIENT_CREDENTIALS,
    redirect_uris: Sequence[str] = (),
    persisted_only: bool = False,
) -> RegisteredClient:
    """Register a client for an organisation. The service itself (system actor) or the alliance may. A
    persisted-only client's tokens may run the persisted documents only (schema/core/persisted.py)."""
    if actor.actor_kind is not ActorKind.SYSTEM:
        ensure_alliance_admin(actor)
    org = await organisation_by_slug(session, organisation_slug)
    if org is None:
        raise _unknown_organisation(organisation_slug)

    errors: list[UserError] = []
    requested = parse_scopes(scopes)
    errors += scope_errors(requested, org, ClientErrorCode)
    uris = list(dict.fromkeys(redirect_uris))
    if grant is ClientGrant.CLIENT_CREDENTIALS and uris:
        errors.append(
            UserError(
                "redirect_uris",
                ClientErrorCode.REDIRECT_URI_NOT_ALLOWED,
                "A client_credentials client has no redirect URIs",
            )
        )
    if grant is ClientGrant.AUTHORIZATION_CODE:
        if not uris:
            errors.append(
                UserError(
                    "redirect_uris",
                    ClientErrorCode.REDIRECT_URI_REQUIRED,
                    "An authorization_code client needs at least one redirect URI",
                )
            )
        for uri in uris:
            if problem := _redirect_uri_problem(uri):
                errors.append(
                    UserError("redirect_uris", ClientErrorCode.INVALID_REDIRECT_URI, f"Redirect URI {uri!r} {problem}")
                )
    if errors:
        raise UserErrors(errors)

    secret: str | None = None
    if grant is ClientGrant.CLIENT_CREDENTIALS:
        secret = secrets.token_urlsafe(32)
        secret_hash = await anyio.to_thread.run_sync(SECRET_HASHER.hash, secret)
        client = OAuthClient(
            client_secret_hash=secret_hash,
            grant_types=["client_credentials"],
            token_endpoint_auth_method="client_secret_basic",
            redirect_uris=[],
        )
    else:
        client = OAuthClient(
            client_secret_hash=None,
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="none",
            redirect_uris=uris,
        )
    client.client_id = secrets.token_urlsafe(18)
    client.organisation_id = org.id
    client.organisation = org
    client.scopes = requested
    client.persisted_only = persisted_only
    session.add(client)
    await session.flush()
    audit.record(
        session,
        actor,
        "oauth_client.create",
        "OAuthClient",
        client.id,
        {
            "client_id": client.client_id,
            "organisation": org.slug,
            "scopes": client.scopes,
            "grant_types": client.grant_types,
            "redirect_uris": client.redirect_uris,
            "persisted_only": client.persisted_only,
        },
    )
    return RegisteredClient(client, secret)


async def register_client_as_system(
    session: AsyncSession, actor_id: str, *, organisation_slug: str, **kwargs: Any
) -> RegisteredClient:
    """The command line and the demo: the service itself, acting for the organisation concerned."""
    org = await organisation_by_slug(session, organisation_slug)
    if org is None:
        raise _unknown_organisation(organisation_slug)
    actor = system_principal(org.id, org.kind, org.slug, actor_id)
    return await register_client(session, actor, organisation_slug=organisation_slug, **kwargs)


async def client_by_client_id(session: AsyncSession, client_id: str) -> OAuthClient | None:
    """A client with its organisation loaded (the token endpoint reads both off the event loop)."""
    return (
        await session.execute(
            select(OAuthClient).options(joinedload(OAuthClient.organisation)).where(OAuthClient.client_id == client_id)
        )
    ).scalar_one_or_none()


async def ensure_demo_clients(
    session: AsyncSession, slugs: Sequence[str], known: Mapping[str, Any], actor_id: str
) -> tuple[dict[str, dict[str, str]], bool]:
    """A client_credentials client with every scope of its kind for each organisation of `slugs` in the
    database. An entry of `known` (what was written last time) is kept while its client still exists for that
    organisation; the others are registered. Returns the entries by slug, and whether any was registered."""
    orgs = {
        o.slug: o
        for o in (await session.execute(select(Organisation).where(Organisation.slug.in_(list(slugs))))).scalars()
    }
    known_ids = [
        e["client_id"] for e in known.values() if isinstance(e, Mapping) and isinstance(e.get("client_id"), str)
    ]
    existing = {
        c.client_id: c
        for c in (await session.execute(select(OAuthClient).where(OAuthClient.client_id.in_(known_ids)))).scalars()
    }
    entries: dict[str, dict[str, str]] = {}
    created = False
    for slug in slugs:
        org = orgs.get(slug)
        if org is None:
            continue
        scope = " ".join(sorted(s.value for s in SCOPES_BY_KIND[org.kind]))
        entry = known.get(slug)
        client = existing.get(entry.get("client_id")) if isinstance(entry, Mapping) else None
        if (
            client is not None
            and client.organisation_id == org.id
            and client.check_grant_type("client_credentials")
            and isinstance(entry.get("client_secret"), str)
        ):
            entries[slug] = {
                "client_id": client.client_id,
                "client_secret": entry["client_secret"],
                "scope": " ".join(sorted(client.scopes)),
            }
            continue
        registered = await register_client(
            session, system_principal(org.id, org.kind, org.slug, actor_id), organisation_slug=slug, scopes=scope
        )
        entries[slug] = {**registered.credentials(), "scope": scope}  # type: ignore[dict-item]
        created = True
    return entries, created
