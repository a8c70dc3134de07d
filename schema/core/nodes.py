"""Global IDs: every entity implements `Node`; `node(id:)` resolves through the viewer's DataLoaders, so an
object the viewer may not see answers null, exactly like one that does not exist.

The id inside a global ID is a row id (api/core/ids.py): one that cannot be (not a number, negative, beyond 64 bits)
names nothing, so `node`/`nodes` answer null for it, and an argument that must name an object refuses it as
BAD_USER_INPUT, as it does an ID of a type the API does not have. A well-formed ID of another type than the
argument expects is FORBIDDEN: it cannot name an object the caller may act on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from strawberry import relay

from api.core.errors import Forbidden
from api.core.ids import parse_row_id
from schema.core.errors import BadUserInput

# The names of the Node types, as global IDs carry them (each subclass of ModelNode adds its own).
NODE_TYPES: set[str] = set()


class ModelNode(relay.Node):
    """A Node backed by one table. Subclasses set `_model` and implement `from_row`."""

    _model: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        NODE_TYPES.add(cls.__name__)

    @classmethod
    def accepts(cls, row: Any) -> bool:
        return True

    @classmethod
    def from_row(cls, row: Any) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(cls, *, info: Any, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        ids = [parse_row_id(i) for i in node_ids]
        rows = await info.context.loaders.by_id(cls._model).load_many([i for i in ids if i is not None])
        by_id = {r.id: r for r in rows if r is not None and cls.accepts(r)}
        return [cls.from_row(by_id[i]) if i in by_id else None for i in ids]


def decode_id(gid: relay.GlobalID, *type_names: str) -> int:
    """The database id behind a global ID of one of the expected types. A well-formed ID of another of the API's
    types is FORBIDDEN; an ID of no type of the API, or whose id could not be a row's, is BAD_USER_INPUT."""
    if gid.type_name not in type_names:
        if gid.type_name not in NODE_TYPES:
            raise BadUserInput(f"Malformed ID: the API has no type {gid.type_name[:40]!r}")
        raise Forbidden()
    node_id = parse_row_id(gid.node_id)
    if node_id is None:
        raise BadUserInput(f"Malformed ID: a {gid.type_name} ID holds a number from 0 to 2^63-1")
    return node_id
