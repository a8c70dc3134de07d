"""Granting scopes to a client or a person: only known scopes, and only those of the organisation's kind."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from api.core.errors import UserError
from api.core.principal import SCOPES_BY_KIND, Scope
from api.market.models import Organisation


def parse_scopes(scopes: str | Iterable[str]) -> list[str]:
    """Scopes as OAuth writes them (space-separated); commas are tolerated."""
    words = re.split(r"[\s,]+", scopes) if isinstance(scopes, str) else [w for s in scopes for w in parse_scopes(s)]
    return sorted({w for w in words if w})


def scope_errors(requested: list[str], org: Organisation, codes: type[Enum]) -> list[UserError]:
    """What is wrong with granting `requested` to someone of `org`, as user errors with the caller's codes
    (SCOPE_REQUIRED, UNKNOWN_SCOPE, SCOPE_NOT_FOR_ORGANISATION)."""
    known = {s.value for s in Scope}
    allowed = {s.value for s in SCOPES_BY_KIND[org.kind]}
    if not requested:
        return [UserError("scope", codes["SCOPE_REQUIRED"], "At least one scope is required")]
    if unknown := [s for s in requested if s not in known]:
        return [
            UserError(
                "scope",
                codes["UNKNOWN_SCOPE"],
                f"Unknown scope {', '.join(unknown)}; the scopes are {', '.join(sorted(known))}",
            )
        ]
    if beyond := [s for s in requested if s not in allowed]:
        return [
            UserError(
                "scope",
                codes["SCOPE_NOT_FOR_ORGANISATION"],
                f"{org.slug} is a {org.kind.value} organisation: it may hold only {', '.join(sorted(allowed))}, "
                f"not {', '.join(beyond)}",
            )
        ]
    return []
