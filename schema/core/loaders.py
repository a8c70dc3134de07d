"""DataLoaders of one request. Each batch opens its own session (one AsyncSession per task) and applies
the viewer's visibility rule, so an invisible row loads as None, exactly like a missing one."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from api.db import Database
from api.market.models import LotRateCap, OfstedJudgement
from auth.policy import visible
from auth.principal import Principal
from schema.core.connection import Page, PageArgs, to_page, windowed_pages_stmt


class Loaders:
    def __init__(self, db: Database, principal: Principal | None):
        self.db = db
        self.principal = principal
        self._cache: dict[Any, DataLoader] = {}

    def _loader(self, key: Any, batch: Callable) -> DataLoader:
        loader = self._cache.get(key)
        if loader is None:
            loader = self._cache[key] = DataLoader(load_fn=batch)
        return loader

    def by_id(self, model: type) -> DataLoader:
        async def batch(ids: list[int]) -> list[Any]:
            async with self.db.session() as s:
                rows = (await s.execute(
                    select(model).where(model.id.in_(ids), visible(self.principal, model))
                )).scalars()
                found = {r.id: r for r in rows}
            return [found.get(i) for i in ids]

        return self._loader(("by_id", model), batch)

    def children(self, model: type, parent_col: Any, args: PageArgs) -> DataLoader:
        """A page of `model` rows under each parent id (visible rows only), with the parent's total."""

        async def batch(parent_ids: list[int]) -> list[Page]:
            stmt = windowed_pages_stmt(model, parent_col, list(set(parent_ids)), args, visible(self.principal, model))
            grouped: dict[int, list[Any]] = defaultdict(list)
            totals: dict[int, int] = {}
            async with self.db.session() as s:
                for entity, total in (await s.execute(stmt)).all():
                    parent = getattr(entity, parent_col.key)
                    grouped[parent].append(entity)
                    totals[parent] = total
            pages = []
            for pid in parent_ids:
                page = to_page(list(grouped.get(pid, [])), args)
                page.total = totals.get(pid, 0)
                pages.append(page)
            return pages

        return self._loader(("children", model, parent_col.key, args), batch)

    def rate_caps(self) -> DataLoader:
        async def batch(lot_ids: list[int]) -> list[list[LotRateCap]]:
            grouped: dict[int, list[LotRateCap]] = defaultdict(list)
            async with self.db.session() as s:
                rows = (await s.execute(
                    select(LotRateCap).where(LotRateCap.lot_id.in_(lot_ids)).order_by(LotRateCap.financial_year)
                )).scalars()
                for r in rows:
                    grouped[r.lot_id].append(r)
            return [grouped.get(i, []) for i in lot_ids]

        return self._loader("rate_caps", batch)

    def ofsted_judgements(self) -> DataLoader:
        """The history of each setting, newest first. Reached only through a visible setting."""

        async def batch(setting_ids: list[int]) -> list[list[OfstedJudgement]]:
            grouped: dict[int, list[OfstedJudgement]] = defaultdict(list)
            async with self.db.session() as s:
                rows = (await s.execute(
                    select(OfstedJudgement).where(OfstedJudgement.setting_id.in_(setting_ids))
                    .order_by(OfstedJudgement.inspected_on.desc(), OfstedJudgement.id.desc())
                )).scalars()
                for r in rows:
                    grouped[r.setting_id].append(r)
            return [grouped.get(i, []) for i in setting_ids]

        return self._loader("ofsted_judgements", batch)

    def documents_of(self) -> DataLoader:
        """All stage-1 documents of each provider (for the compliance summary), visible ones only."""
        from api.market.models import Document

        async def batch(provider_ids: list[int]) -> list[list[Document]]:
            grouped: dict[int, list[Document]] = defaultdict(list)
            async with self.db.session() as s:
                rows = (await s.execute(
                    select(Document).where(Document.provider_id.in_(provider_ids), visible(self.principal, Document))
                )).scalars()
                for r in rows:
                    grouped[r.provider_id].append(r)
            return [grouped.get(i, []) for i in provider_ids]

        return self._loader("documents_of", batch)
