"""The placement search's root fields: its queries and one mutation per file under `mutations/`."""

from __future__ import annotations

import strawberry

from schema.placement.mutations.bid_accept import bid_accept
from schema.placement.mutations.bid_amend import bid_amend
from schema.placement.mutations.bid_score_record import bid_score_record
from schema.placement.mutations.bid_submit import bid_submit
from schema.placement.mutations.bid_withdraw import bid_withdraw
from schema.placement.mutations.ipa_sign import ipa_sign
from schema.placement.mutations.requirement_cancel import requirement_cancel
from schema.placement.mutations.requirement_close import requirement_close
from schema.placement.mutations.requirement_create import requirement_create
from schema.placement.mutations.requirement_publish import requirement_publish
from schema.placement.mutations.requirement_update import requirement_update
from schema.placement.queries import PlacementQuery


@strawberry.type
class PlacementMutation:
    requirement_create = requirement_create
    requirement_update = requirement_update
    requirement_publish = requirement_publish
    requirement_cancel = requirement_cancel
    requirement_close = requirement_close
    bid_submit = bid_submit
    bid_amend = bid_amend
    bid_withdraw = bid_withdraw
    bid_score_record = bid_score_record
    bid_accept = bid_accept
    ipa_sign = ipa_sign


__all__ = ["PlacementMutation", "PlacementQuery"]
