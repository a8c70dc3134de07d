"""Strawberry's schema-extension runner, with what it works out from the extensions' classes worked out once per
operation instead of once per streamed result.

For each result a subscription streams, Strawberry's runner looks up every extension's `on_stream_result` hook
anew (and wraps it in a fresh context-manager function) and awaits every extension's `get_results`, though
only MaskErrors has a hook there and none has results. With 1,000 subscribers that is done 1,000 times per
event (bench/fanout.py). Here the hooks are looked up once per operation, by Strawberry's own code, and entered
per result exactly as before (the same context managers, in the same order, around the same result); extensions
whose `get_results` is the base class's (always `{}`) are not asked. What a client receives does not change.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe


class _StreamResult(StreamResultContextManager):
    """Strawberry's context manager around one streamed result, given the hooks instead of finding them."""

    def __init__(self, hooks: list[WrappedHook], result: Any) -> None:
        self.hooks = hooks
        self.result = result


class ExtensionsRunner(SchemaExtensionsRunner):
    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self._stream_hooks: list[WrappedHook] | None = None
        self._with_results = [e for e in self.extensions if type(e).get_results is not SchemaExtension.get_results]

    def on_stream_result(self, result: Any) -> StreamResultContextManager:
        if self._stream_hooks is None:
            self._stream_hooks = StreamResultContextManager(self.extensions, result).hooks
        return _StreamResult(self._stream_hooks, result)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self._with_results:
            data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data
