"""A request's Loaders (schema/core/loaders.py) go as soon as they are dropped: no reference cycle, so the
garbage collector never has to find them. A subscription makes fresh Loaders for every event and subscriber
(a thousand per published requirement on bench/fanout.py); as cycles they were most of what the collector
walked during a fan-out."""

from __future__ import annotations

import gc
import weakref

from api.core.principal import Scope
from api.placements import models as pm
from schema.core.connection import page_args
from schema.core.loaders import Loaders
from schema.placement.loaders import children_of, evaluations, full_child_reads, histories
from schema.quality.loaders import kpis
from tests.conftest import principal_for


async def test_dropped_loaders_go_without_the_garbage_collector(db, market):
    loaders = Loaders(db, principal_for(market.acorn, Scope.PROVIDER))
    loaders.by_id(pm.Invitation).prime(1, object())
    loaders.by_id(pm.Requirement)
    loaders.children(pm.Invitation, pm.Invitation.requirement_id, page_args(5, None, None, None))
    children_of(loaders)
    full_child_reads(loaders)
    evaluations(loaders)
    histories(loaders, page_args(5, None, None, None))
    kpis(loaders)
    gone = weakref.ref(loaders)
    cached = [weakref.ref(loader) for loader in loaders._cache.values()]
    assert len(cached) == 8
    gc.disable()
    try:
        del loaders
        assert gone() is None and all(ref() is None for ref in cached)
    finally:
        gc.enable()
