"""Hooks: a change in one domain that a domain above it acts on, in the same transaction.

The domains are layered: market, then safeguarding, then placements, then quality; each imports those before it,
never one after it. A few rules run the other way: when the market admits a membership, records a stage-1
document or records an Ofsted judgement, safeguarding has something to do at once (a suspension in force covers
the new membership; the document's expiry is watched; an Inadequate judgement raises an alert); when safeguarding
suspends or bars a provider, the placement search withdraws its invitations and bids. The lower domain declares
the moment as a `Hook` and awaits it where the change happens; the higher domain registers the one handler
(`@hook.handler`), in the module the hook's comment names. api/domains.py imports every module that registers a
handler, and checks that every hook has one. The schema uses the same for a field of a lower domain's type that
a higher domain resolves (a Provider's reviews and KPIs are quality's: schema/market/types.py).

A hook runs its handler in the caller's transaction, with the caller's arguments, and returns what it returns.
A hook whose handler is not registered refuses to run (RuntimeError): a consequence for a child's safety is never
skipped because a module was not loaded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# Every hook declared, for api/domains.py to check that each has its handler.
HOOKS: list[Hook] = []


class Hook(Generic[P, R]):
    """One moment in a lower domain that one handler in a higher domain acts on (module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handler: Callable[P, Awaitable[R]] | None = None
        HOOKS.append(self)

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"

    @property
    def has_handler(self) -> bool:
        return self._handler is not None

    def handler(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Register `fn` as what happens at this moment. A hook has one handler."""
        if self._handler is not None and self._handler is not fn:
            raise RuntimeError(f"the hook {self.name!r} already has a handler: {self._handler.__qualname__}")
        self._handler = fn
        return fn

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._handler is None:
            raise RuntimeError(f"the hook {self.name!r} has no handler: api/domains.py loads them")
        return await self._handler(*args, **kwargs)
