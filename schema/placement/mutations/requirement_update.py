from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET, relay

from api.placements import permissions, requirements
from api.placements.enums import Urgency
from schema.core.context import Info
from schema.core.mutations import mutation, run, sent_fields
from schema.core.nodes import decode_id
from schema.placement.inputs import ChildInput
from schema.placement.mutations.requirement_create import RequirementError
from schema.placement.types import Requirement, requirement_or_none


@strawberry.input(
    description="Send only what changes. `responseDeadline` and `maxWeeklyBudget` may be null (none); "
    "`child`, when sent, replaces the child."
)
class RequirementUpdateInput:
    requirement_id: relay.GlobalID
    lot_id: relay.GlobalID | None = UNSET
    urgency: Urgency | None = UNSET
    planned_start: date | None = UNSET
    expected_duration_weeks: int | None = UNSET
    response_deadline: datetime | None = UNSET
    max_weekly_budget: Decimal | None = UNSET
    child: ChildInput | None = UNSET


@strawberry.type
class RequirementUpdatePayload:
    requirement: Requirement | None
    user_errors: list[RequirementError]  # type: ignore[valid-type]


def _changes(input: RequirementUpdateInput) -> dict:
    changes = sent_fields(
        input,
        ("urgency", "planned_start", "expected_duration_weeks", "response_deadline", "max_weekly_budget"),
        nullable=frozenset({"response_deadline", "max_weekly_budget"}),
    )
    if input.lot_id:
        changes["lot_id"] = decode_id(input.lot_id, "Lot")
    return changes


@mutation(permissions.UPDATE_REQUIREMENT, description="Change a DRAFT requirement of the borough's own.")
async def requirement_update(info: Info, input: RequirementUpdateInput) -> RequirementUpdatePayload:
    child = input.child.to_details() if input.child else None
    row, errors = await run(
        info,
        RequirementError,
        lambda s, p: requirements.update_requirement(
            s, p, decode_id(input.requirement_id, "Requirement"), _changes(input), child=child
        ),
    )
    return RequirementUpdatePayload(requirement=requirement_or_none(row), user_errors=errors)
