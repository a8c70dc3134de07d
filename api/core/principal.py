"""Who is asking: one organisation and the scopes granted for it.

The identity layer builds a Principal from a validated token; tests may build one directly.
`None` stands for an anonymous caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class OrganisationKind(str, Enum):
    ALLIANCE = "ALLIANCE"
    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"
    PROVIDER = "PROVIDER"


class Scope(str, Enum):
    BOROUGH = "borough"
    BOROUGH_AWARD = "borough:award"
    PROVIDER = "provider"
    PROVIDER_SIGN = "provider:sign"
    WLA = "wla"
    WLA_SAFEGUARDING = "wla:safeguarding"


# A scope is granted only to a client or user of the matching kind of organisation (API.md).
SCOPES_BY_KIND: dict[OrganisationKind, frozenset[Scope]] = {
    OrganisationKind.LOCAL_AUTHORITY: frozenset({Scope.BOROUGH, Scope.BOROUGH_AWARD}),
    OrganisationKind.PROVIDER: frozenset({Scope.PROVIDER, Scope.PROVIDER_SIGN}),
    OrganisationKind.ALLIANCE: frozenset({Scope.WLA, Scope.WLA_SAFEGUARDING}),
}


class ActorKind(str, Enum):
    USER = "USER"
    CLIENT = "CLIENT"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True)
class Principal:
    organisation_id: int
    organisation_kind: OrganisationKind
    organisation_slug: str
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    actor_kind: ActorKind = ActorKind.CLIENT
    actor_id: str = ""
    # Its client was registered as persisted-only: it may run persisted documents only (schema/core/persisted.py).
    persisted_only: bool = False

    def __post_init__(self) -> None:
        allowed = SCOPES_BY_KIND[self.organisation_kind]
        if not self.scopes <= allowed:
            extra = ", ".join(sorted(s.value for s in self.scopes - allowed))
            raise ValueError(f"scopes {extra} are not for a {self.organisation_kind.value} organisation")

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def is_alliance(self) -> bool:
        return self.organisation_kind is OrganisationKind.ALLIANCE

    @property
    def is_borough(self) -> bool:
        return self.organisation_kind is OrganisationKind.LOCAL_AUTHORITY

    @property
    def is_provider(self) -> bool:
        return self.organisation_kind is OrganisationKind.PROVIDER


def system_principal(organisation_id: int, kind: OrganisationKind, slug: str, actor_id: str) -> Principal:
    """The service itself (the command line, the demo loader, key management) acting for one organisation,
    with every scope its kind may hold. Used for audit and for domain checks, never issued as a token."""
    return Principal(
        organisation_id=organisation_id,
        organisation_kind=kind,
        organisation_slug=slug,
        scopes=SCOPES_BY_KIND[kind],
        actor_kind=ActorKind.SYSTEM,
        actor_id=actor_id,
    )
