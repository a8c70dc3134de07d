"""The cost of an operation, worked out from its document before anything runs, in points.

The rules (objects cost and scalars do not, as in Shopify's; what is under a list counts once for each item the
list may hold, as in Saleor's and GitHub's):

- A field of a scalar or enum type, or a list of them: 0; `totalCount` 1 (it counts rows).
- A field of an object, interface or union type: 1, plus the cost of what is selected under it.
- A connection (a field with `first`/`last` whose type has `edges` and `pageInfo`): 1 for the page, plus its
  selection, in which `edges` and `nodes` count once for each item the page may hold: `first`, else `last`, else
  the default page of 20, at most 100 (as schema/core/connection.py reads them).
- Any other list of objects: the number of items it may hold, times 1 plus its selection. `nodes(ids:)`: the
  number of ids; the schema's other lists: `LIST_BOUNDS`, else `DEFAULT_LIST_BOUND`.
- A mutation: `MUTATION_COST` (a transaction with its audit event), plus the selection of its payload.
- Introspection: `__schema` 100, `__type` 10 (CPU bounded by the schema's size, not by data); `__typename` 0.
- On an interface or union, the most costly of its possible types: a fragment on one type adds to that type
  only. Fields selected twice under one name are merged, as execution merges them. `@skip` and `@include` are
  not looked at: the cost is what the operation may cost at most.

The dashboard of a provider (its invitations, 20 a page, each with its requirement, the child's summary and its
own bid) costs 142; 100 requirements with 20 invitations each, 28,502; 29 aliases of two nested lists of 100,
about 296,000.

The rules are applied once per document and operation, into a plan (`CostPlan`): a number, unless a page size or
a list of ids comes from a variable (`first: $n`), when it is a small expression worked out with each request's
variables. The plan also holds every list the operation sends to `MAX_LIST_ITEMS`: a literal list once, a list
in a variable for each request (`nodes(ids: $ids)` with 101 ids is refused before anything runs, with
BAD_USER_INPUT, and so is a filter or an input with a list that long).

Before a document is validated, its shape is held to `MAX_FIELDS` fields and `MAX_FRAGMENT_SPREADS` fragments
(named or inline) in all (`shape_error`): validation compares the fields that fragments merge pairwise, so a
document of a few hundred fragment spreads takes a worker a second to validate, whatever it would then cost to
run, and a new document each time is never a cache hit. The largest documents the tests, the benches and GraphiQL
send have under 100 fields and 10 fragments.

The document must be valid (the plan is made after validation: no fragment cycles, known fields, the depth and
alias limits). A plan is made in time proportional to the document: a fragment spread many times is planned once
for each type and page it is met under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    type_from_ast,
    value_from_ast_untyped,
)
from graphql.language import Visitor, visit
from graphql.utilities import get_operation_ast

DEFAULT_PAGE = 20  # schema/core/connection.py
MAX_PAGE = 100
MAX_LIST_ITEMS = 100  # items in any list an operation sends (ids, filters, inputs)
MUTATION_COST = 10
MAX_FIELDS = 500  # in a whole document
MAX_FRAGMENT_SPREADS = 50  # named and inline, in a whole document
DEFAULT_LIST_BOUND = 10
INTROSPECTION_COSTS = {"__schema": 100, "__type": 10}
LEAF_COSTS = {"totalCount": 1}
# The lists of objects that may hold more (or fewer) than DEFAULT_LIST_BOUND items.
LIST_BOUNDS: dict[tuple[str, str], int] = {
    ("Evaluation", "rankedBids"): 50,  # the bids on one requirement
    ("RequirementPublishPayload", "invitations"): 100,  # the members of a lot
    ("Ipa", "signatures"): 2,
}


@dataclass(frozen=True)
class _Page:
    """The page size of a connection when `first` or `last` is a variable (an int, a variable's name, or None)."""

    first: int | str | None
    last: int | str | None

    def value(self, variables: dict[str, Any], defaults: dict[str, Any]) -> int:
        first, last = _int(self.first, variables, defaults), _int(self.last, variables, defaults)
        size = (first if first is not None else last) or DEFAULT_PAGE
        return min(max(size, 0), MAX_PAGE)


@dataclass(frozen=True)
class _Length:
    """How many ids a variable holds (`nodes(ids: $ids)`)."""

    variable: str

    def value(self, variables: dict[str, Any], defaults: dict[str, Any]) -> int:
        given = _given(self.variable, variables, defaults)
        if isinstance(given, list):
            return len(given)
        return 0 if given is None else 1  # one value is taken as a list of one


@dataclass(frozen=True, eq=False)
class _Sum:
    terms: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class _Max:
    terms: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class _Times:
    size: int | _Page | _Length
    term: Term


Term = int | _Sum | _Max | _Times


def _given(name: str, variables: dict[str, Any], defaults: dict[str, Any]) -> Any:
    return variables[name] if name in variables else defaults.get(name)


def _int(source: int | str | None, variables: dict[str, Any], defaults: dict[str, Any]) -> int | None:
    if not isinstance(source, str):
        return source
    given = _given(source, variables, defaults)
    if isinstance(given, float) and given.is_integer():
        given = int(given)
    return given if isinstance(given, int) and not isinstance(given, bool) else None


def _sum(terms: list[Term] | tuple[Term, ...]) -> Term:
    constant = sum(t for t in terms if isinstance(t, int))
    rest = tuple(t for t in terms if not isinstance(t, int))
    if not rest:
        return constant
    if not constant and len(rest) == 1:
        return rest[0]
    return _Sum((constant, *rest) if constant else rest)


def _max(terms: list[Term]) -> Term:
    if all(isinstance(t, int) for t in terms):
        return max(terms, default=0)  # type: ignore[type-var]  # every term is an int (all() does not narrow)
    return _Max(tuple(terms))


def _times(size: int | _Page | _Length, term: Term) -> Term:
    if isinstance(size, int) and isinstance(term, int):
        return size * term
    return _Times(size, term)


def _evaluate(term: Term, variables: dict[str, Any], defaults: dict[str, Any], memo: dict[int, int]) -> int:
    if isinstance(term, int):
        return term
    known = memo.get(id(term))
    if known is not None:
        return known
    if isinstance(term, _Sum):
        value = sum(_evaluate(t, variables, defaults, memo) for t in term.terms)
    elif isinstance(term, _Max):
        value = max(_evaluate(t, variables, defaults, memo) for t in term.terms)
    else:
        size = term.size if isinstance(term.size, int) else term.size.value(variables, defaults)
        value = size * _evaluate(term.term, variables, defaults, memo) if size else 0
    memo[id(term)] = value
    return value


# --- lists sent in arguments ----------------------------------------------------------------------------------


def too_many_items(count: int, where: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(
        f"{where} holds {count} items; at most {MAX_LIST_ITEMS} are accepted.",
        nodes,
        extensions={"code": "BAD_USER_INPUT"},
    )


class _LongLiteralList(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: ListValueNode | None = None

    def enter_list_value(self, node: ListValueNode, *_args: Any) -> Any:
        if len(node.values) > MAX_LIST_ITEMS:
            self.found = node
            return self.BREAK
        return None


class _Shape(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields = 0
        self.fragments = 0

    def enter_field(self, *_args: Any) -> None:
        self.fields += 1

    def enter_fragment_spread(self, *_args: Any) -> None:
        self.fragments += 1

    def enter_inline_fragment(self, *_args: Any) -> None:
        self.fragments += 1


def shape_error(document: Any) -> GraphQLError | None:
    """Why a document is refused before it is validated, if it is: too many fields or fragments."""
    shape = _Shape()
    visit(document, shape)
    for count, limit, what in (
        (shape.fields, MAX_FIELDS, "fields"),
        (shape.fragments, MAX_FRAGMENT_SPREADS, "fragment spreads"),
    ):
        if count > limit:
            return GraphQLError(
                f"This document has {count} {what}; at most {limit} are accepted.",
                extensions={"code": "QUERY_TOO_COSTLY"},
            )
    return None


def _contains_list(type_: Any, seen: set[str]) -> bool:
    type_ = get_nullable_type(type_)
    if is_list_type(type_):
        return True
    if is_input_object_type(type_) and type_.name not in seen:
        seen.add(type_.name)
        return any(_contains_list(field.type, seen) for field in type_.fields.values())
    return False


def _longest_over(value: Any, type_: Any) -> int | None:
    """The length of a list in `value` (of GraphQL input type `type_`) longer than MAX_LIST_ITEMS, if any."""
    type_ = get_nullable_type(type_)
    if is_list_type(type_):
        if not isinstance(value, list):
            return _longest_over(value, type_.of_type)
        if len(value) > MAX_LIST_ITEMS:
            return len(value)
        for item in value:
            if (found := _longest_over(item, type_.of_type)) is not None:
                return found
        return None
    if is_input_object_type(type_) and isinstance(value, dict):
        for name, field in type_.fields.items():
            if name in value and (found := _longest_over(value[name], field.type)) is not None:
                return found
    return None


# --- the plan ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostPlan:
    """What one operation of a document costs, for any variables; and the lists it sends, checked."""

    term: Term
    defaults: dict[str, Any]  # the variables' default values in the document
    list_variables: tuple[tuple[str, GraphQLInputType], ...]  # variables whose type may hold a list
    literal_error: GraphQLError | None  # a literal list in the document holds too many items

    def cost(self, variables: dict[str, Any] | None) -> int:
        if isinstance(self.term, int):
            return self.term
        return _evaluate(self.term, variables or {}, self.defaults, {})

    def list_error(self, variables: dict[str, Any] | None) -> GraphQLError | None:
        if self.literal_error is not None:
            return self.literal_error
        for name, type_ in self.list_variables:
            if variables and name in variables and (count := _longest_over(variables[name], type_)) is not None:
                return too_many_items(count, f"A list in `${name}`")
        return None


def plan(schema: GraphQLSchema, document: Any, operation_name: str | None) -> CostPlan | None:
    """The plan of the operation `operation_name` of a validated document (None: no such operation)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    term = _Planner(schema, fragments).selection(root, (operation.selection_set,), None) if root else 0
    defaults: dict[str, Any] = {}
    list_variables: list[tuple[str, GraphQLInputType]] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if definition.default_value is not None:
            defaults[name] = value_from_ast_untyped(definition.default_value)
        type_ = type_from_ast(schema, definition.type)
        if type_ is not None and _contains_list(type_, set()):
            list_variables.append((name, cast(GraphQLInputType, type_)))  # a variable's (validation checks it)
    finder = _LongLiteralList()
    visit(document, finder)
    literal_error = (
        too_many_items(len(finder.found.values), "A list", finder.found) if finder.found is not None else None
    )
    return CostPlan(term, defaults, tuple(list_variables), literal_error)


class _Planner:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments
        self.mutation_type = schema.mutation_type
        self.planned: dict[tuple, Term] = {}

    def selection(self, type_: Any, selections: tuple[SelectionSetNode, ...], page: int | _Page | None) -> Term:
        """What is selected under a field of type `type_` (a connection's page size in `page`)."""
        if not selections:
            return 0
        key = (type_.name, tuple(map(id, selections)), page)
        planned = self.planned.get(key)
        if planned is None:
            if is_abstract_type(type_):
                planned = _max([self._on_object(t, selections, page) for t in self.schema.get_possible_types(type_)])
            else:
                planned = self._on_object(type_, selections, page)
            self.planned[key] = planned
        return planned

    def _on_object(
        self, type_: GraphQLObjectType, selections: tuple[SelectionSetNode, ...], page: int | _Page | None
    ) -> Term:
        return _sum([self._field(type_, nodes, page) for nodes in self._collect(type_, selections).values()])

    def _collect(self, type_: GraphQLObjectType, selections: tuple[SelectionSetNode, ...]) -> dict[str, list]:
        """The fields selected on an object of type `type_`, by response name (graphql-core's collection)."""
        fields: dict[str, list[FieldNode]] = {}
        spread: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    name = (selection.alias or selection.name).value
                    fields.setdefault(name, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, type_):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name not in spread and fragment is not None:
                        spread.add(name)
                        if self._applies(fragment.type_condition, type_):
                            walk(fragment.selection_set)

        for selection_set in selections:
            walk(selection_set)
        return fields

    def _applies(self, condition: NamedTypeNode | None, type_: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = self.schema.get_type(condition.name.value)
        if conditional is type_:
            return True
        return conditional is not None and is_abstract_type(conditional) and self.schema.is_sub_type(conditional, type_)

    def _field(self, parent: GraphQLObjectType, nodes: list[FieldNode], page: int | _Page | None) -> Term:
        node = nodes[0]
        name = node.name.value
        if name.startswith("__"):
            return INTROSPECTION_COSTS.get(name, 0)
        field = parent.fields.get(name)
        if field is None:
            return 0
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return LEAF_COSTS.get(name, 0)
        inner_page = self._page(node) if _is_connection(named, field) else None
        under = self.selection(named, tuple(n.selection_set for n in nodes if n.selection_set), inner_page)
        own = MUTATION_COST if parent is self.mutation_type else 1
        if not is_list_type(get_nullable_type(field.type)):
            return _sum([own, under])
        if page is not None and name in ("edges", "nodes"):
            size: int | _Page | _Length = page
        elif "ids" in field.args:
            size = self._ids(node)
        else:
            size = LIST_BOUNDS.get((parent.name, name), DEFAULT_LIST_BOUND)
        return _times(size, _sum([own, under]))

    @staticmethod
    def _page(node: FieldNode) -> int | _Page:
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        page = _Page(_source(given.get("first")), _source(given.get("last")))
        if isinstance(page.first, str) or isinstance(page.last, str):
            return page
        return page.value({}, {})

    @staticmethod
    def _ids(node: FieldNode) -> int | _Length:
        value = next((a.value for a in node.arguments or () if a.name.value == "ids"), None)
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            return _Length(value.name.value)
        return 0 if value is None else 1


def _source(value: Any) -> int | str | None:
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, VariableNode):
        return value.name.value
    return None


def _is_connection(type_: Any, field: Any) -> bool:
    return (
        is_object_type(type_)
        and "edges" in type_.fields
        and "pageInfo" in type_.fields
        and ("first" in field.args or "last" in field.args)
    )
