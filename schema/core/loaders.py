"""DataLoaders of one request. Each batch opens its own session (one AsyncSession per task) and applies
the viewer's visibility rule, so an invisible row loads as None, exactly like a missing one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from api.core.db import Database
from api.core.principal import Principal
from api.market.models import Document, LotRateCap, OfstedJudgement
from api.visibility import visible
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

    def custom(self, key: Any, batch: Callable) -> DataLoader:
        """A loader of this request defined by a domain's schema package (e.g. schema/placement/loaders.py),
        cached under `key` like the ones below. Like theirs, `batch` takes what it needs (the database, the
        principal), not the Loaders (see below)."""
        return self._loader(("custom", key), batch)

    # The batch functions below take the database and the principal, never `self`: a loader in `self._cache`
    # whose function held `self` would make a reference cycle, and every request's (and every subscription
    # event's) Loaders would then wait for the garbage collector instead of going when it is dropped.

    def by_id(self, model: type[Any]) -> DataLoader:
        db, principal = self.db, self.principal

        async def batch(ids: list[int]) -> list[Any]:
            async with db.session() as s:
                rows = (await s.execute(select(model).where(model.id.in_(ids), visible(principal, model)))).scalars()
                found = {r.id: r for r in rows}
            return [found.get(i) for i in ids]

        return self._loader(("by_id", model), batch)

    def children(self, model: type[Any], parent_col: Any, args: PageArgs) -> DataLoader:
        """A page of `model` rows under each parent id (visible rows only), with the parent's total."""
        db, principal = self.db, self.principal

        async def batch(parent_ids: list[int]) -> list[Page]:
            stmt = windowed_pages_stmt(model, parent_col, list(set(parent_ids)), args, visible(principal, model))
            grouped: dict[int, list[Any]] = defaultdict(list)
            totals: dict[int, int] = {}
            async with db.session() as s:
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

    def grouped(self, model: type[Any], fk: Any, *order_by: Any, check_visible: bool = True) -> DataLoader:
        """All `model` rows under each foreign key value, in `order_by` order. `check_visible=False` only for
        rows reached through a parent whose own visibility was already checked (a setting's judgements)."""
        db, principal = self.db, self.principal

        async def batch(keys: list[int]) -> list[list[Any]]:
            where = [fk.in_(keys)]
            if check_visible:
                where.append(visible(principal, model))
            groups: dict[int, list[Any]] = defaultdict(list)
            async with db.session() as s:
                for row in (await s.execute(select(model).where(*where).order_by(*order_by))).scalars():
                    groups[getattr(row, fk.key)].append(row)
            return [groups.get(k, []) for k in keys]

        return self._loader(("grouped", model, fk.key), batch)

    def rate_caps(self) -> DataLoader:
        """Each lot's caps, oldest financial year first."""
        return self.grouped(LotRateCap, LotRateCap.lot_id, LotRateCap.financial_year)

    def ofsted_judgements(self) -> DataLoader:
        """Each setting's inspection history, newest first."""
        return self.grouped(
            OfstedJudgement,
            OfstedJudgement.setting_id,
            OfstedJudgement.inspected_on.desc(),
            OfstedJudgement.id.desc(),
            check_visible=False,
        )

    def documents_of(self) -> DataLoader:
        """All stage-1 documents of each provider the viewer may see them for."""
        return self.grouped(Document, Document.provider_id, Document.id)
