"""The execution context every operation runs in: Strawberry's, with the suggestions of the variables' coercion
errors hidden from a caller who may not read the schema and the variables' text checked (`build`, below), and the
subfield collection remembered across executions.

The memo overrides graphql-core's `collect_subfields`, which graphql-core marks private: graphql-core is pinned
below its next minor version (pyproject.toml), tests/test_execution_memo.py checks the answers against graphql-core's
own, and bench/internals.py measures what it saves (docs/benchmarks.md, "Speed-ups on library internals").

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

from typing import Any, cast

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    VariableNode,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, collect_subfields
from graphql.language import DirectiveNode, Visitor, visit
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


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
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
