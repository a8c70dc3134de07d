from __future__ import annotations

from typing import TypedDict, cast

import strawberry
from strawberry import relay

from api.quality import complaints, permissions
from api.quality.enums import ComplaintKind
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.types import NO_CHILD_NAMES, Complaint, complaint_or_none

ComplaintError = user_error_type("ComplaintError", complaints.ComplaintErrorCode)

RELATED = {"Requirement": "requirement_id", "Bid": "bid_id", "Placement": "placement_id"}


class _Related(TypedDict, total=False):
    requirement_id: int
    bid_id: int
    placement_id: int


@strawberry.input
class ComplaintRaiseInput:
    kind: ComplaintKind
    about_id: relay.GlobalID = strawberry.field(
        description="The other party: a provider when a borough raises it, a borough when a provider does."
    )
    subject: str = strawberry.field(description="At most 200 characters. " + NO_CHILD_NAMES)
    description: str = strawberry.field(description=NO_CHILD_NAMES)
    related_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A requirement, bid or placement between the two parties that it is about."
    )
    idempotency_key: str | None = None


@strawberry.type
class ComplaintRaisePayload:
    complaint: Complaint | None
    user_errors: list[ComplaintError]  # type: ignore[valid-type]


def _related(related_id: relay.GlobalID | None) -> _Related:
    if related_id is None:
        return {}
    id_ = decode_id(related_id, *RELATED)  # anything else cannot be what a complaint is about: FORBIDDEN
    return cast(_Related, {RELATED[related_id.type_name]: id_})


@mutation(
    permissions.RAISE_COMPLAINT,
    description="Raise a complaint or dispute, for the caller's "
    "organisation, about the other party: a borough about a provider, a provider about a borough.",
)
async def complaint_raise(info: Info, input: ComplaintRaiseInput) -> ComplaintRaisePayload:
    row, errors = await run(
        info,
        ComplaintError,
        lambda s, p: complaints.raise_complaint(
            s,
            p,
            kind=input.kind,
            about_id=decode_id(input.about_id, "Provider", "LocalAuthority", "Alliance"),
            subject=input.subject,
            description=input.description,
            idempotency_key=input.idempotency_key,
            **_related(input.related_id),
        ),
    )
    return ComplaintRaisePayload(complaint=complaint_or_none(row), user_errors=errors)
