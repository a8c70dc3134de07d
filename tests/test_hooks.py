"""Hooks (api/core/hooks.py): what a lower domain's change sets off in a higher one is never skipped."""

from __future__ import annotations

import pytest

import schema  # noqa: F401  (the schema's own hooks: a Provider's reviews and KPIs)
from api import domains
from api.core import hooks
from api.core.hooks import Hook


def test_every_hook_of_the_domains_and_the_schema_has_its_handler():
    domains.check()
    assert {h.name for h in hooks.HOOKS} >= {
        "membership admitted",
        "stage-1 document recorded",
        "Ofsted judgement recorded",
        "provider suspended or barred",
        "Provider.reviews",
        "Provider.kpis",
    }


async def test_a_hook_without_its_handler_refuses_to_run_and_fails_the_check():
    hook: Hook[[], None] = Hook("test: nobody handles this")
    try:
        with pytest.raises(RuntimeError, match="has no handler"):
            await hook()
        with pytest.raises(RuntimeError, match="nobody handles this"):
            domains.check()
    finally:
        hooks.HOOKS.remove(hook)


async def test_a_hook_has_one_handler_and_returns_what_it_returns():
    hook: Hook[[int], int] = Hook("test: doubled")
    try:

        @hook.handler
        async def doubled(n: int) -> int:
            return 2 * n

        assert await hook(21) == 42

        async def other(n: int) -> int:
            return n

        with pytest.raises(RuntimeError, match="already has a handler"):
            hook.handler(other)
    finally:
        hooks.HOOKS.remove(hook)
