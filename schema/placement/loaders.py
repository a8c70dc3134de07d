"""DataLoaders of the placement search, on the request's Loaders (schema/core/loaders.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from strawberry.dataloader import DataLoader

from api.placements.enums import ChildView
from api.placements.models import ChildDataAccess, RequirementChild
from schema.core.loaders import Loaders


def children_of(loaders: Loaders) -> DataLoader:
    """The child of each requirement (a list of one), visible under the requirement's own rule."""
    return loaders.grouped(RequirementChild, RequirementChild.requirement_id, RequirementChild.requirement_id)


def full_child_reads(loaders: Loaders) -> DataLoader:
    """Records that the viewer read the full details of the children of these requirements: one INSERT for all
    the requirements of a request (the loader batches them, and asks for each requirement once), in its own
    short transaction. Reading is not a change: it is recorded, not audited."""

    async def batch(requirement_ids: list[int]) -> list[None]:
        p = loaders.principal
        assert p is not None
        rows: list[dict[str, Any]] = [
            {"requirement_id": rid, "organisation_id": p.organisation_id, "actor_kind": p.actor_kind.value,
             "actor_id": p.actor_id or p.organisation_slug, "view": ChildView.FULL}
            for rid in requirement_ids
        ]
        async with loaders.db.transaction() as s:
            await s.execute(insert(ChildDataAccess).values(rows))
        return [None] * len(requirement_ids)

    return loaders.custom("full_child_reads", batch)
