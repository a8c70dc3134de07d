from __future__ import annotations

import strawberry
from strawberry import relay

from api.market import dpvs, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.dpv_create import DpvError
from schema.market.types import Dpv


@strawberry.input
class DpvExerciseExtensionInput:
    dpv_id: relay.GlobalID


@strawberry.type
class DpvExerciseExtensionPayload:
    dpv: Dpv | None
    user_errors: list[DpvError]  # type: ignore[valid-type]


@mutation(
    permissions.EXERCISE_EXTENSION,
    description="Exercise the vehicle's next one-year option: its end date moves a year.",
)
async def dpv_exercise_extension(info: Info, input: DpvExerciseExtensionInput) -> DpvExerciseExtensionPayload:
    dpv, errors = await run(info, DpvError, lambda s, p: dpvs.exercise_extension(s, p, decode_id(input.dpv_id, "Dpv")))
    return DpvExerciseExtensionPayload(dpv=Dpv.from_row(dpv) if dpv else None, user_errors=errors)
