"""The execution context every operation runs in: Strawberry's, with the subfield collection remembered across
executions, a cheaper test of whether a value is awaitable, a cheaper copy per subscription event, and basic leaf
fields read and completed directly (`execute_field`, below).

graphql-core memoises which subfields a field selects (`collect_subfields`) only within one execution, keyed by
the identity of a list it builds afresh for each execution; a subscription runs one execution per event and
subscriber, so with 1,000 subscribers every event collected the same selections 1,000 times (bench/fanout.py).
What it collects depends only on the document's nodes, the object type, the fragments and, through `@skip` and
`@include`, the variables. Strawberry's ParserCache hands every execution of the same query the same parsed
document, so its nodes are the same objects from one execution to the next: the memo here is keyed by the
object type and the identity of the field nodes (checked on every hit, so a reused id can never match another
node), and used only where the variables cannot change the result (no directive of the operation or its
fragments takes a variable) and no `@defer` or fragment variables are involved. It is bounded. An entry holds its
nodes, and through them the whole document, so it keeps only what the document cache keeps (schema/core/limits.py):
it is used only for documents short enough for that cache, and starts afresh whenever that cache lets a document go
(otherwise unique documents, each used once, would stay held here after the cache had let them go).

It also ends a slow growth: graphql-core's per-execution memo is shared by the copies made for each event of
a subscription and keyed by lists that are new for each event, so every event of a long subscription added
entries that were never read again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import CO_ITERABLE_COROUTINE
from types import CoroutineType, GeneratorType
from typing import Any, TypeGuard, cast

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationDefinitionNode,
    Undefined,
    VariableNode,
    is_leaf_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, collect_subfields
from graphql.language import DirectiveNode, Visitor, visit
from graphql.pyutils import Path, inspect
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.core.introspection import schema_visible
from schema.core.limits import CACHED_QUERY_CHARS, DOCUMENTS
from schema.core.text import variable_errors

MAX_ENTRIES = 4096  # a few entries per object type selected per distinct document


class _VariableDirective(Visitor):
    found = False

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> Any:
        if any(isinstance(arg.value, VariableNode) for arg in node.arguments or ()):
            self.found = True
            return self.BREAK
        return None


class SubfieldMemo:
    """Collected subfields by (object type, field nodes), for documents whose collection cannot depend on the
    variables. Values keep their field nodes (and operations) alive, so an id in a key stays theirs. Bounded: when
    full it starts afresh (it refills from the documents in use within one execution of each)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._collected: dict[tuple, tuple[tuple, CollectedFields]] = {}
        self._variable_free: dict[int, tuple[OperationDefinitionNode, bool]] = {}
        self._evictions = 0

    def __len__(self) -> int:
        return len(self._collected)

    def clear(self) -> None:
        self._collected.clear()
        self._variable_free.clear()

    def follow(self, evictions: int) -> None:
        """Start afresh if the document cache has let a document go since the last call."""
        if evictions != self._evictions:
            self._evictions = evictions
            self.clear()

    def variable_free(self, operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
        """Whether no directive of the operation or of its document's fragments takes a variable."""
        known = self._variable_free.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        visitor = _VariableDirective()
        visit(operation, visitor)
        for details in fragments.values():
            if not visitor.found:
                visit(details.definition, visitor)
        if len(self._variable_free) >= self.max_entries:
            self._variable_free.clear()
        self._variable_free[id(operation)] = (operation, not visitor.found)
        return not visitor.found

    def lookup(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Any:
        """The memoised collection; else the key to `store` it under (None: not to be memoised)."""
        if len(field_details_list) == 1:  # nearly always: a field selected once
            details = field_details_list[0]
            if details.defer_usage is not None or details.fragment_variable_values is not None:
                return None
            node = details.node
            key: tuple[object, ...] = (return_type, id(node))
            hit = self._collected.get(key)
            if hit is not None and hit[0][0] is node:
                return hit[1]
            return key, (node,)
        nodes = []
        for details in field_details_list:
            if details.defer_usage is not None or details.fragment_variable_values is not None:
                return None
            nodes.append(details.node)
        key = (return_type, *map(id, nodes))
        hit = self._collected.get(key)
        if hit is not None:
            kept = hit[0]
            if len(kept) == len(nodes) and all(a is b for a, b in zip(kept, nodes, strict=True)):
                return hit[1]
        return key, tuple(nodes)

    def store(self, key: Any, collected: CollectedFields) -> None:
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return
        if len(self._collected) >= self.max_entries:
            self._collected.clear()
        self._collected[key[0]] = (key[1], collected)


memo = SubfieldMemo()


def _short(operation: OperationDefinitionNode) -> bool:
    location = operation.loc
    return location is None or len(location.source.body) <= CACHED_QUERY_CHARS


_awaitable_types: dict[type, bool] = {CoroutineType: True}
MAX_TYPES = 4096  # the types of values resolvers return: a few hundred


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's test, asked once per type instead of once per value: it asks every field's value (40 times
    per subscriber per event in bench/fanout.py), and for the values that are not awaitable, nearly all of them,
    its `hasattr(value, "__await__")` raises and swallows an AttributeError each time. `await` finds `__await__`
    on the type, so the answer is the type's. A generator is awaitable only when it is a generator-based
    coroutine: that is a property of each generator, so those are still asked one by one."""
    kind = type(value)
    known = _awaitable_types.get(kind)
    if known is None:
        if kind is GeneratorType:
            return bool(value.gi_code.co_flags & CO_ITERABLE_COROUTINE)
        if len(_awaitable_types) >= MAX_TYPES:  # types made on the fly: never let them pile up
            _awaitable_types.clear()
            _awaitable_types[CoroutineType] = True
        known = _awaitable_types[kind] = hasattr(kind, "__await__")
    return known


@dataclass(frozen=True, slots=True)
class _Leaf:
    """How to read a basic leaf field (see `leaf_of`)."""

    field_def: GraphQLField
    get: Callable[[Any, str], Any]  # Strawberry's default resolver (getattr unless configured otherwise)
    python_name: str
    type: GraphQLLeafType  # the field's type without its non-null wrapper
    non_null: bool
    parent_name: str
    field_name: str


# One entry per field asked for, of each schema built in the process (one in the server; a few in the tests).
_leaves: dict[tuple[GraphQLObjectType, str], _Leaf | None] = {}


def leaf_of(parent_type: GraphQLObjectType, field_name: str) -> _Leaf | None:
    """The plan for a field that is a Strawberry basic field (no resolver, no field extension: Strawberry's own
    resolver for it only reads the attribute) of a scalar or enum type, nullable or not; None for any other field.
    Worked out once per field of the schema."""
    key = (parent_type, field_name)
    try:
        return _leaves[key]
    except KeyError:
        pass
    leaf = None
    field_def = parent_type.fields.get(field_name)
    field = field_def.extensions.get("strawberry-definition") if field_def is not None else None
    if (
        field is not None
        and getattr(field_def.resolve, "_is_default", False)
        and field.is_basic_field
        and not field_def.args
    ):
        non_null = isinstance(field_def.type, GraphQLNonNull)
        inner = field_def.type.of_type if non_null else field_def.type
        if is_leaf_type(inner):
            leaf = _Leaf(
                field_def, field.default_resolver, field.python_name, inner, non_null, parent_type.name, field_name
            )
    _leaves[key] = leaf
    return leaf


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable
        # Whether a middleware wraps the resolvers. Strawberry always passes a manager, with the extensions that
        # have a `resolve` hook as its middlewares (none in the API's schema).
        self.wrapped = bool(self.middleware_manager and self.middleware_manager.middlewares)

    @classmethod
    def build(
        cls,
        schema: Any,
        document: Any,
        root_value: Any = None,
        context_value: Any = None,
        *args: Any,
        hide_suggestions: bool = False,
        **kwargs: Any,
    ) -> list[GraphQLError] | ExecutionContext:
        """graphql-core's, with the suggestions of the variables' coercion errors hidden from a caller who may not
        read the schema (schema/core/introspection.py), and the coerced variables then checked for text that may
        not be stored (schema/core/text.py): a refusal there is a request error, like a variable that cannot be
        coerced."""
        hide = hide_suggestions or not schema_visible(context_value)
        # graphql-core passes hide_suggestions by keyword, never among the positional `args`.
        built = super().build(schema, document, root_value, context_value, *args, hide_suggestions=hide, **kwargs)  # type: ignore[misc]
        if isinstance(built, list):
            return built
        built = cast(ExecutionContext, built)  # graphql-core's build makes an instance of `cls`
        return variable_errors(built.operation.variable_definitions, built.variable_values.coerced) or built

    def __copy__(self) -> ExecutionContext:
        """What `copy.copy` makes (a new object sharing the attributes), without its generic reduce protocol:
        graphql-core copies the context for every event of every subscription."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A basic leaf field (nearly every field of a result) read and completed directly: what graphql-core
        does for it (resolve, then complete the value: an error raised or returned, null into a non-null field,
        the type's output coercion), without the resolve info, Strawberry's resolver wrappers and the
        recursion through `complete_value` that it builds for every field. Anything else, and every field when
        a middleware wraps the resolvers, goes graphql-core's way."""
        leaf = None if self.wrapped else leaf_of(parent_type, field_details_list[0].node.name.value)
        if leaf is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        try:
            result = leaf.get(source, leaf.python_name)
            if is_awaitable(result):  # an attribute holding an awaitable: graphql-core awaits it
                info = self.build_resolve_info(leaf.field_def, [d.node for d in field_details_list], parent_type, path)
                return self.complete_awaitable_value(
                    leaf.field_def.type, field_details_list, info, path, result, position_context
                )
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if leaf.non_null:
                    raise TypeError(f"Cannot return null for non-nullable field {leaf.parent_name}.{leaf.field_name}.")
                return None
            coerced = leaf.type.coerce_output_value(result)
            if coerced is Undefined or coerced is None:
                raise TypeError(
                    f"Expected `{inspect(leaf.type)}.coerce_output_value({inspect(result)})` to return "
                    f"non-nullable value, returned: {inspect(coerced)}"
                )
            return coerced
        except Exception as raw_error:
            self.handle_field_error(raw_error, leaf.field_def.type, field_details_list, path)
            return None

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        if not self.memoisable():
            return super().collect_subfields(return_type, field_details_list)
        found = memo.lookup(return_type, field_details_list)
        if isinstance(found, CollectedFields):
            return found
        collected = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            return_type,
            field_details_list,
            self.hide_suggestions,
        )
        if found is not None:
            memo.store(found, collected)
        return collected

    def memoisable(self) -> bool:
        known = self.__dict__.get("_memoisable")
        if known is None:
            memo.follow(DOCUMENTS.evictions)
            known = self._memoisable = _short(self.operation) and memo.variable_free(self.operation, self.fragments)
        return known
