"""The market's root fields: its queries and one mutation per file under `mutations/`."""

from __future__ import annotations

import strawberry

from schema.market.mutations.access_agreement_create import access_agreement_create
from schema.market.mutations.access_agreement_give_notice import access_agreement_give_notice
from schema.market.mutations.document_record import document_record
from schema.market.mutations.dpv_create import dpv_create
from schema.market.mutations.dpv_exercise_extension import dpv_exercise_extension
from schema.market.mutations.dpv_set_evaluation_weights import dpv_set_evaluation_weights
from schema.market.mutations.lot_create import lot_create
from schema.market.mutations.lot_rate_cap_set import lot_rate_cap_set
from schema.market.mutations.membership_apply import membership_apply
from schema.market.mutations.membership_decide import membership_decide
from schema.market.mutations.membership_withdraw import membership_withdraw
from schema.market.mutations.ofsted_judgement_record import ofsted_judgement_record
from schema.market.mutations.organisation_create import organisation_create
from schema.market.mutations.setting_create import setting_create
from schema.market.mutations.setting_update import setting_update
from schema.market.queries import MarketQuery


@strawberry.type
class MarketMutation:
    organisation_create = organisation_create
    dpv_create = dpv_create
    dpv_exercise_extension = dpv_exercise_extension
    dpv_set_evaluation_weights = dpv_set_evaluation_weights
    lot_create = lot_create
    lot_rate_cap_set = lot_rate_cap_set
    access_agreement_create = access_agreement_create
    access_agreement_give_notice = access_agreement_give_notice
    membership_apply = membership_apply
    membership_decide = membership_decide
    membership_withdraw = membership_withdraw
    document_record = document_record
    setting_create = setting_create
    setting_update = setting_update
    ofsted_judgement_record = ofsted_judgement_record


__all__ = ["MarketMutation", "MarketQuery"]
