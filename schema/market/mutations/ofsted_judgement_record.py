from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.market import permissions, settings as setting_rules
from api.market.enums import OfstedGrade
from api.market.models import Setting as SettingRow
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.setting_create import SettingError
from schema.market.types import Setting


@strawberry.input
class OfstedJudgementRecordInput:
    setting_id: relay.GlobalID
    grade: OfstedGrade
    inspected_on: date


@strawberry.type
class OfstedJudgementRecordPayload:
    setting: Setting | None
    user_errors: list[SettingError]  # type: ignore[valid-type]


@mutation(permissions.RECORD_OFSTED_JUDGEMENT, description="Add an inspection outcome to a setting's history.")
async def ofsted_judgement_record(info: Info, input: OfstedJudgementRecordInput) -> OfstedJudgementRecordPayload:
    setting_id = decode_id(input.setting_id, "Setting")

    async def action(s, p):
        await setting_rules.record_ofsted_judgement(
            s, p, setting_id=setting_id, grade=input.grade, inspected_on=input.inspected_on
        )
        return await s.get(SettingRow, setting_id)

    setting, errors = await run(info, SettingError, action)
    return OfstedJudgementRecordPayload(setting=Setting.from_row(setting) if setting else None, user_errors=errors)
