"""Queries of the market: vehicles (public), providers, the viewer."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry import relay

from api.core.principal import OrganisationKind
from api.market import models as m
from api.visibility import visible
from schema.core.connection import Connection, apply_keyset, build_connection, page_args, to_page
from schema.core.context import Info
from schema.core.nodes import decode_id
from schema.core.permissions import public, public_description, scoped
from schema.market.types import READ_MARKET, Dpv, Organisation, Provider, organisation_from_row


async def top_level(
    info: Info,
    model: type[Any],
    to_node: Any,
    where: list[Any],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Any]:
    """A keyset page of a top-level list; the total is counted only when asked for."""
    args = page_args(first, after, last, before)
    where = [*where, visible(info.context.principal, model)]
    async with info.context.db.session() as s:
        rows = list((await s.execute(apply_keyset(select(model).where(*where), model.id, args))).scalars())

    async def total() -> int:
        async with info.context.db.session() as s:
            return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()

    return build_connection(to_page(rows, args), to_node, total)


@strawberry.type(description="Who is asking.")
class Viewer:
    scopes: list[str]
    organisation_id: strawberry.Private[int | None]

    @strawberry.field(description="The organisation the token acts for; null when anonymous.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_id is None:
            return None
        row = await info.context.loaders.by_id(m.Organisation).load(self.organisation_id)
        return organisation_from_row(row) if row else None


@strawberry.type
class MarketQuery:
    node: relay.Node | None = relay.node(
        description=public_description(
            "Any object by its global ID; null if it does not exist or the viewer may not see it."
        )
    )
    nodes: list[relay.Node | None] = relay.node(
        description=public_description("Objects by global IDs, in order; null for each the viewer may not see.")
    )

    @public(description="The caller: its organisation and scopes.")
    def viewer(self, info: Info) -> Viewer:
        p = info.context.principal
        return Viewer(
            scopes=sorted(s.value for s in p.scopes) if p else [], organisation_id=p.organisation_id if p else None
        )

    @public(description="The vehicles, oldest first.")
    async def dpvs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Dpv]:
        return await top_level(info, m.Dpv, Dpv.from_row, [], first, after, last, before)

    @public(description="One vehicle.")
    async def dpv(self, info: Info, id: relay.GlobalID) -> Dpv | None:
        row = await info.context.loaders.by_id(m.Dpv).load(decode_id(id, "Dpv"))
        return Dpv.from_row(row) if row else None

    @scoped(*READ_MARKET, description="Providers: all of them for the alliance and boroughs, itself for a provider.")
    async def providers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Provider]:
        return await top_level(
            info,
            m.Organisation,
            organisation_from_row,
            [m.Organisation.kind == OrganisationKind.PROVIDER],
            first,
            after,
            last,
            before,
        )
