"""Global IDs: every entity implements `Node`; `node(id:)` resolves through the viewer's DataLoaders, so an
object the viewer may not see answers null, exactly like one that does not exist."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from strawberry import relay

from api.errors import Forbidden


class ModelNode(relay.Node):
    """A Node backed by one table. Subclasses set `_model` and implement `from_row`."""

    _model: ClassVar[type]

    @classmethod
    def accepts(cls, row: Any) -> bool:
        return True

    @classmethod
    def from_row(cls, row: Any) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(cls, *, info: Any, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        ids = [_as_int(i) for i in node_ids]
        rows = await info.context.loaders.by_id(cls._model).load_many([i for i in ids if i is not None])
        by_id = {r.id: r for r in rows if r is not None and cls.accepts(r)}
        return [cls.from_row(by_id[i]) if i in by_id else None for i in ids]


def _as_int(node_id: str) -> int | None:
    try:
        return int(node_id)
    except ValueError:
        return None


def decode_id(gid: relay.GlobalID, *type_names: str) -> int:
    """The database id behind a global ID of one of the expected types; any other is FORBIDDEN
    (it cannot name an object the caller may act on)."""
    if gid.type_name not in type_names:
        raise Forbidden()
    node_id = _as_int(gid.node_id)
    if node_id is None:
        raise Forbidden()
    return node_id
