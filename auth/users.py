"""People: the staff of a borough, a provider or the alliance, who sign in through the authorization-code flow.

A person belongs to exactly one organisation and may hold only scopes of that organisation's kind (API.md), like
a client. The email is normalised (trimmed, lower case) before it is stored or looked up, so it is unique
case-insensitively. The password is stored only as an argon2id hash (argon2-cffi's default parameters, RFC 9106's
low-memory profile); verifying uses the parameters written in the hash, so a cheaper hasher given to
`create_user` (the tests) makes only those users cheaper to verify.

Registration: the command line (`dpv user create`, the service itself acting for the organisation) or an
alliance admin; each creation writes `user.create` to the audit log in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

import anyio.to_thread
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from api.core import audit
from api.core.errors import UserError, UserErrors
from api.core.permissions import Permission
from api.core.principal import ActorKind, Principal, Scope, system_principal
from api.market.models import organisation_by_slug
from auth.models import AppUser
from auth.scopes import parse_scopes, scope_errors

PASSWORD_HASHER = PasswordHasher()  # argon2id, library defaults
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a bound keeps a sign-in request's cost bounded
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Registering a person for an organisation: the alliance (`wla`); the service itself (a system actor) too.
REGISTER_USER = Permission("registerUser", Scope.WLA)


class UserErrorCode(Enum):
    UNKNOWN_ORGANISATION = "UNKNOWN_ORGANISATION"
    INVALID_EMAIL = "INVALID_EMAIL"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    SCOPE_REQUIRED = "SCOPE_REQUIRED"
    UNKNOWN_SCOPE = "UNKNOWN_SCOPE"
    SCOPE_NOT_FOR_ORGANISATION = "SCOPE_NOT_FOR_ORGANISATION"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str) -> UserError | None:
    """Why a new password is refused, if it is: empty, shorter than 12 characters, or absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return UserError(
            "password",
            UserErrorCode.PASSWORD_TOO_SHORT,
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return UserError(
            "password",
            UserErrorCode.PASSWORD_TOO_LONG,
            f"The password must have at most {MAX_PASSWORD_LENGTH} characters",
        )
    return None


def user_principal(user: AppUser) -> Principal:
    """The person as an actor (audit, and the same identity their access tokens carry: `sub` user:<id>)."""
    org = user.organisation
    return Principal(
        organisation_id=org.id,
        organisation_kind=org.kind,
        organisation_slug=org.slug,
        scopes=frozenset(Scope(s) for s in user.scopes),
        actor_kind=ActorKind.USER,
        actor_id=user.subject,
    )


async def create_user(
    session: AsyncSession,
    actor: Principal,
    *,
    organisation_slug: str,
    email: str,
    scopes: str | Iterable[str],
    password: str,
    hasher: PasswordHasher = PASSWORD_HASHER,
) -> AppUser:
    """Register a person of an organisation. The service itself (system actor) or the alliance may."""
    if actor.actor_kind is not ActorKind.SYSTEM:
        REGISTER_USER.decide(actor)
    org = await organisation_by_slug(session, organisation_slug)
    if org is None:
        raise UserErrors.one(
            "organisation", UserErrorCode.UNKNOWN_ORGANISATION, f"No organisation has the slug {organisation_slug!r}"
        )

    errors: list[UserError] = []
    address = normalise_email(email)
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.match(address):
        errors.append(UserError("email", UserErrorCode.INVALID_EMAIL, f"{email!r} is not an email address"))
    elif await user_by_email(session, address) is not None:
        errors.append(UserError("email", UserErrorCode.EMAIL_TAKEN, f"Someone already signs in as {address}"))
    requested = parse_scopes(scopes)
    errors += scope_errors(requested, org, UserErrorCode)
    if problem := password_problem(password):
        errors.append(problem)
    if errors:
        raise UserErrors(errors)

    password_hash = await anyio.to_thread.run_sync(hasher.hash, password)
    user = AppUser(email=address, organisation_id=org.id, scopes=requested, password_hash=password_hash)
    user.organisation = org
    session.add(user)
    await session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "AppUser",
        user.id,
        {"email": address, "organisation": org.slug, "scopes": requested},
    )
    return user


async def create_user_as_system(session: AsyncSession, actor_id: str, *, organisation_slug: str, **kwargs) -> AppUser:
    """The command line: the service itself, acting for the organisation concerned."""
    org = await organisation_by_slug(session, organisation_slug)
    if org is None:
        raise UserErrors.one(
            "organisation", UserErrorCode.UNKNOWN_ORGANISATION, f"No organisation has the slug {organisation_slug!r}"
        )
    actor = system_principal(org.id, org.kind, org.slug, actor_id)
    return await create_user(session, actor, organisation_slug=organisation_slug, **kwargs)


async def user_by_email(session: AsyncSession, email: str) -> AppUser | None:
    """The person signing in as `email` (any case), with their organisation loaded."""
    return (
        await session.execute(
            select(AppUser)
            .options(joinedload(AppUser.organisation))
            .where(AppUser.email == func.lower(normalise_email(email)))
        )
    ).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: int) -> AppUser | None:
    return (
        await session.execute(select(AppUser).options(joinedload(AppUser.organisation)).where(AppUser.id == user_id))
    ).scalar_one_or_none()
