from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.placements import child as child_rules, requirements
from api.placements.enums import Urgency
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.placement.inputs import ChildInput
from schema.placement.types import Requirement, requirement_or_none

RequirementError = user_error_type("RequirementError", requirements.RequirementErrorCode, child_rules.ChildErrorCode)


@strawberry.input
class RequirementCreateInput:
    lot_id: relay.GlobalID
    urgency: Urgency
    planned_start: date
    expected_duration_weeks: int
    child: ChildInput
    response_deadline: datetime | None = strawberry.field(
        default=None, description="In the future. Unset: set at publication from the urgency."
    )
    max_weekly_budget: Decimal | None = None
    idempotency_key: str | None = None


@strawberry.type
class RequirementCreatePayload:
    requirement: Requirement | None
    user_errors: list[RequirementError]  # type: ignore[valid-type]


@scoped_mutation(
    Scope.BOROUGH,
    description="Write a placement search (a DRAFT) on a lot of a vehicle the borough "
    "leads or has an access agreement with, for itself.",
)
async def requirement_create(info: Info, input: RequirementCreateInput) -> RequirementCreatePayload:
    fields = requirements.RequirementFields(
        lot_id=decode_id(input.lot_id, "Lot"),
        urgency=input.urgency,
        planned_start=input.planned_start,
        expected_duration_weeks=input.expected_duration_weeks,
        response_deadline=input.response_deadline,
        max_weekly_budget=input.max_weekly_budget,
    )
    row, errors = await run(
        info,
        RequirementError,
        lambda s, p: requirements.create_requirement(
            s, p, fields_=fields, child=input.child.to_details(), idempotency_key=input.idempotency_key
        ),
    )
    return RequirementCreatePayload(requirement=requirement_or_none(row), user_errors=errors)
