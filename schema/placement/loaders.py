"""DataLoaders of the placement search, on the request's Loaders (schema/core/loaders.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert
from strawberry.dataloader import DataLoader

from api.placements.enums import ChildView
from api.placements.evaluation_queries import Evaluated, RequirementFacts, evaluate_requirements
from api.placements.history import history_page_stmt
from api.placements.models import ChildDataAccess, RequirementChild
from schema.core.connection import Page, PageArgs, to_page
from schema.core.loaders import Loaders


def children_of(loaders: Loaders) -> DataLoader:
    """The child of each requirement (a list of one), visible under the requirement's own rule."""
    return loaders.grouped(RequirementChild, RequirementChild.requirement_id, RequirementChild.requirement_id)


def full_child_reads(loaders: Loaders) -> DataLoader:
    """Records that the viewer read the full details of the children of these requirements: one INSERT for all
    the requirements of a request (the loader batches them, and asks for each requirement once), in its own
    short transaction. Reading is not a change: it is recorded, not audited."""
    db, p = loaders.db, loaders.principal

    async def batch(requirement_ids: list[int]) -> list[None]:
        assert p is not None
        rows: list[dict[str, Any]] = [
            {
                "requirement_id": rid,
                "organisation_id": p.organisation_id,
                "actor_kind": p.actor_kind.value,
                "actor_id": p.actor_id or p.organisation_slug,
                "view": ChildView.FULL,
            }
            for rid in requirement_ids
        ]
        async with db.transaction() as s:
            await s.execute(insert(ChildDataAccess).values(rows))
        return [None] * len(requirement_ids)

    return loaders.custom("full_child_reads", batch)


def evaluations(loaders: Loaders) -> DataLoader:
    """The evaluation of each requirement's live bids (api/placements/evaluation_queries.py): five statements for all
    the requirements of a request. Keys are RequirementFacts; only the borough side asks (the schema's guard)."""
    db = loaders.db

    async def batch(keys: list[RequirementFacts]) -> list[Evaluated]:
        async with db.session() as s:
            found = await evaluate_requirements(s, list(dict.fromkeys(keys)))
        return [found[k.id] for k in keys]

    return loaders.custom("evaluations", batch)


def histories(loaders: Loaders, args: PageArgs) -> DataLoader:
    """A page of each requirement's history (api/placements/history.py), one statement for all of them."""
    db = loaders.db

    async def batch(requirement_ids: list[int]) -> list[Page]:
        stmt = history_page_stmt(
            list(set(requirement_ids)), after=args.after, before=args.before, limit=args.limit, backward=args.backward
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        totals: dict[int, int] = {}
        async with db.session() as s:
            for event, requirement_id, total in (await s.execute(stmt)).all():
                grouped[requirement_id].append(event)
                totals[requirement_id] = total
        pages = []
        for rid in requirement_ids:
            page = to_page(list(grouped.get(rid, [])), args)
            page.total = totals.get(rid, 0)
            pages.append(page)
        return pages

    return loaders.custom(("histories", args), batch)
