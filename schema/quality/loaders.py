"""DataLoaders of quality work, on the request's Loaders (schema/core/loaders.py)."""

from __future__ import annotations

from collections import defaultdict

from strawberry.dataloader import DataLoader

from api.quality.kpis import Kpis, Period, provider_kpis
from schema.core.loaders import Loaders


def kpis(loaders: Loaders) -> DataLoader:
    """The KPIs of each (provider id, period): one statement per distinct period in the request, so a list of
    providers with the same period costs one statement whatever its length. A provider the viewer may not see
    (api/market/permissions.py `provider_visible`) loads as None."""
    db, principal = loaders.db, loaders.principal

    async def batch(keys: list[tuple[int, Period]]) -> list[Kpis | None]:
        by_period: dict[Period, list[int]] = defaultdict(list)
        for provider_id, period in keys:
            by_period[period].append(provider_id)
        found: dict[tuple[int, Period], Kpis] = {}
        async with db.session() as s:
            for period, ids in by_period.items():
                for provider_id, k in (await provider_kpis(s, ids, period, principal)).items():
                    found[(provider_id, period)] = k
        return [found.get(key) for key in keys]

    return loaders.custom("kpis", batch)
