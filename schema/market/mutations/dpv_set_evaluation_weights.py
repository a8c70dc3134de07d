from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay

from api.market import dpvs, permissions
from api.market.weights import Criterion
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.dpv_create import DpvError
from schema.market.types import Dpv, EvaluationCriterion


@strawberry.input
class CriterionWeightInput:
    criterion: EvaluationCriterion  # type: ignore[valid-type]
    weight: Decimal


@strawberry.input
class DpvSetEvaluationWeightsInput:
    dpv_id: relay.GlobalID
    weights: list[CriterionWeightInput] | None = strawberry.field(
        description="Every criterion once, non-negative, adding up to 100; null: back to the defaults."
    )


@strawberry.type
class DpvSetEvaluationWeightsPayload:
    dpv: Dpv | None
    user_errors: list[DpvError]  # type: ignore[valid-type]


@mutation(permissions.SET_EVALUATION_WEIGHTS, description="Publish the vehicle's weight per evaluation criterion.")
async def dpv_set_evaluation_weights(info: Info, input: DpvSetEvaluationWeightsInput) -> DpvSetEvaluationWeightsPayload:
    weights = None if input.weights is None else [(Criterion(w.criterion).value, w.weight) for w in input.weights]
    dpv, errors = await run(
        info, DpvError, lambda s, p: dpvs.set_evaluation_weights(s, p, decode_id(input.dpv_id, "Dpv"), weights)
    )
    return DpvSetEvaluationWeightsPayload(dpv=Dpv.from_row(dpv) if dpv else None, user_errors=errors)
