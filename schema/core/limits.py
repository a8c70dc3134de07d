"""What an operation passes before it runs, as one schema extension: its document parsed and validated through
caches that cannot be filled to hold memory, its cost worked out (schema/core/cost.py) and held to
`DPV_MAX_QUERY_COST`, and its cost taken from the client's budget (api/core/budget.py).

- **The document caches.** Strawberry's ParserCache and ValidationCache keep whatever documents they are given, up
  to a count: unique 10 MB queries held about 28 MB each and never gave it back. Here a query text longer than
  `CACHED_QUERY_CHARS` is parsed, validated and planned for its own request and then forgotten; shorter ones are
  kept, the least recently used leaving first, up to `MAX_DOCUMENTS` of them and `MAX_CACHED_CHARS` of query
  text in all. An entry is keyed by the query text and the parser's options (a string keeps its hash, so a hit
  walks nothing, where the ValidationCache hashed the whole parsed document on every request). It holds the
  parsed document, its validation errors for each schema and set of rules (the limit rules are classes made
  once, see `build_schema`, so the key is the same on every request), and its cost plan for each operation.
- **Persisted documents** (schema/core/persisted.py) are kept by their id for as long as the process runs, with
  their validation and plans, outside the bounded cache; a client registered as persisted-only is refused any
  other text before it is parsed.
- **The shape.** A document with more fields or fragments than schema/core/cost.py allows is refused before it is
  validated (QUERY_TOO_COSTLY): validating it would take longer than running most operations.
- **The cost.** A valid operation's cost comes from its plan and the request's variables (so `first: $n` costs
  what `$n` says); every operation costs at least 1. Above the limit the operation is refused before it runs:
  `extensions.code` QUERY_TOO_COSTLY with the figures. A list longer than allowed in what it sends is refused
  the same way, with BAD_USER_INPUT. With the budget on, the limit is at most the budget's burst (a bucket can
  never hold more).
- **The budget**, for callers over the network (the request or WebSocket is in the context): the cost is taken
  from the client's bucket, or the operation is refused before it runs: HTTP 429 with `Retry-After`, and
  `extensions.code` RATE_LIMITED with the figures. A WebSocket's operations share its caller's budget.
- **Every answer** to a valid query or mutation, refusals included, carries `extensions.cost { requested limit
  remaining }` (`remaining`: the points left in the client's bucket; only when a budget applies). A
  subscription's events do not: its cost is charged once, when it starts, and a refusal carries the figures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from api.core import budget
from api.core.config import Settings, get_settings
from schema.core import cost as costs, persisted

# A parsed document, with its tokens and locations, holds many times its text: the cache is bounded by the text
# it keeps as well as by the number of documents, so that what it can be made to hold stays small.
MAX_DOCUMENTS = 1000
CACHED_QUERY_CHARS = 8192  # a portal's largest queries are a few kilobytes; GraphiQL's introspection, 2
MAX_CACHED_CHARS = 256 * 1024
MAX_RULE_SETS = 8  # validation results kept per document (one set of rules per kind of caller, at most a few)

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RATE_LIMITED = "RATE_LIMITED"


class Document:
    """A parsed query text with what was worked out from it once."""

    __slots__ = ("node", "refused", "validated", "plans")

    def __init__(self, node: DocumentNode):
        self.node = node
        self.refused = costs.shape_error(node)  # too many fields or fragments to validate
        self.validated: dict[tuple, list[GraphQLError]] = {}
        self.plans: dict[tuple, costs.CostPlan | None] = {}

    def errors(self, schema: GraphQLSchema, rules: tuple) -> list[GraphQLError]:
        key = (schema, rules)
        errors = self.validated.get(key)
        if errors is None:
            errors = validate_document(schema, self.node, rules)
            if len(self.validated) >= MAX_RULE_SETS:
                self.validated.clear()
            self.validated[key] = errors
        return errors

    def plan(self, schema: GraphQLSchema, operation_name: str | None) -> costs.CostPlan | None:
        key = (schema, operation_name)
        if key not in self.plans:
            if len(self.plans) >= MAX_RULE_SETS:
                self.plans.clear()
            self.plans[key] = costs.plan(schema, self.node, operation_name)
        return self.plans[key]


class DocumentCache:
    """Parsed documents by query text: bounded in count and in characters; long texts are never kept."""

    def __init__(
        self,
        max_documents: int = MAX_DOCUMENTS,
        cached_query_chars: int = CACHED_QUERY_CHARS,
        max_cached_chars: int = MAX_CACHED_CHARS,
    ):
        self.max_documents = max_documents
        self.cached_query_chars = cached_query_chars
        self.max_cached_chars = max_cached_chars
        self._documents: OrderedDict[tuple, Document] = OrderedDict()
        self._chars = 0
        self.evictions = 0  # documents let go so far (the subfield memo follows it: schema/core/execution.py)
        self._lock = threading.Lock()  # the tests serve HTTP from a thread while running operations in process

    def __len__(self) -> int:
        return len(self._documents)

    @property
    def chars(self) -> int:
        return self._chars

    def cached(self, query: str) -> Document | None:
        """The kept document of this query text, whatever the parser's options (for tests and diagnostics)."""
        with self._lock:
            return next((d for (text, _), d in self._documents.items() if text == query), None)

    def document(self, query: str, options: dict[str, Any]) -> Document:
        """The parsed document (raises the parser's GraphQLError for a syntax error, which is not kept)."""
        if len(query) > self.cached_query_chars:
            return Document(parse(query, **options))
        key = (query, _options(options))
        with self._lock:
            found = self._documents.get(key)
            if found is not None:
                self._documents.move_to_end(key)
                return found
        document = Document(parse(query, **options))
        with self._lock:
            if key not in self._documents:
                self._documents[key] = document
                self._chars += len(query)
                while len(self._documents) > self.max_documents or self._chars > self.max_cached_chars:
                    (old, _), _ = self._documents.popitem(last=False)
                    self._chars -= len(old)
                    self.evictions += 1
        return document

    def clear(self) -> None:
        with self._lock:
            self._documents.clear()
            self._chars = 0
            self.evictions += 1


def _options(options: dict[str, Any]) -> tuple:
    return tuple(sorted(options.items())) if options else ()


DOCUMENTS = DocumentCache()


class OperationLimits(SchemaExtension):
    """Use as the schema's last extension: the others set the parser's options and the validation rules first."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self.document: Document | None = None
        self.requested: int | None = None
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reported = True
        self.refusal: GraphQLError | None = None  # a persisted-documents refusal (schema/core/persisted.py)

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is None and ec.query:
            try:
                self.document = self._persisted(ec) or DOCUMENTS.document(ec.query, ec.parse_options)
            except persisted.Refused as refused:  # answered at validation, as every refusal before running
                self.refusal = refused.error
                ec.graphql_document = persisted.placeholder(ec.operation_name)
                yield
                return
            ec.graphql_document = self.document.node
        yield

    def _persisted(self, ec: Any) -> Document | None:
        """The kept document of a persisted operation (parsed and validated once: schema/core/persisted.py); None
        for any other text. Raises Refused for a `documentId` not found, and for any other text from a client
        registered as persisted-only, before that text is parsed."""
        extensions = ec.operation_extensions or {}
        if persisted.NOT_FOUND in extensions:
            raise persisted.Refused(persisted.not_found(extensions[persisted.NOT_FOUND]))
        context = ec.context
        settings: Settings = getattr(context, "settings", None) or get_settings()
        document = persisted.documents(settings.persisted_documents).document(ec.query, Document)
        principal = getattr(context, "principal", None)
        if document is None and principal is not None and principal.persisted_only:
            raise persisted.Refused(persisted.required())
        return document

    async def on_validate(self) -> AsyncIterator[None]:
        ec = self.execution_context
        if self.refusal is not None:
            ec.pre_execution_errors = [self.refusal]
            yield
            return
        schema = ec.schema._schema
        rules = tuple(ec.validation_rules)
        if self.document is None:  # given parsed (not through on_parse): worked out for this request only
            self.document = Document(ec.graphql_document)
        document = self.document
        errors = [document.refused] if document.refused is not None else document.errors(schema, rules)
        ec.pre_execution_errors = errors
        if not errors:
            refusal = await self._admit(schema)
            if refusal is not None:
                ec.pre_execution_errors = [refusal]
        yield

    async def _admit(self, schema: GraphQLSchema) -> GraphQLError | None:
        """None when the operation may run; else why not. The cost is taken from the budget here."""
        ec = self.execution_context
        context = ec.context
        settings: Settings = getattr(context, "settings", None) or get_settings()
        plan = self.document.plan(schema, ec.operation_name)  # type: ignore[union-attr]
        if plan is None:
            return None  # no such operation: graphql-core answers that
        variables = ec.variables if isinstance(ec.variables, dict) else {}
        if (too_long := plan.list_error(variables)) is not None:
            return too_long
        requested = max(1, plan.cost(variables))
        limit = settings.max_query_cost
        if settings.rate_limit:
            limit = min(limit, settings.rate_limit_burst)
        self.requested, self.limit = requested, limit
        self.reported = ec.operation_type is not OperationType.SUBSCRIPTION
        if requested > limit:
            self.reported = True
            return GraphQLError(
                f"This operation costs {requested} points, more than the limit of {limit}: ask for smaller pages "
                "(`first`/`last`) or fewer nested lists.",
                extensions={"code": QUERY_TOO_COSTLY, "cost": {"requested": requested, "limit": limit}},
            )
        request = getattr(context, "request", None)
        if not settings.rate_limit or request is None:
            return None
        address = request.client.host if getattr(request, "client", None) else None
        charged = await budget.charge(
            context.db,
            budget.client_key(context.principal, address),
            requested,
            points_per_second=settings.rate_limit_points_per_second,
            burst=settings.rate_limit_burst,
        )
        self.remaining = charged.remaining
        if charged.admitted:
            return None
        self.reported = True
        response = getattr(context, "response", None)
        if response is not None:  # HTTP (a WebSocket has no status to give)
            response.status_code = 429
            response.headers["Retry-After"] = str(charged.retry_after)
        return GraphQLError(
            f"Rate limited: this operation costs {requested} points and {charged.remaining} are left in this "
            f"client's budget, which refills at {settings.rate_limit_points_per_second:g} points a second. Retry "
            f"after {charged.retry_after} s.",
            extensions={
                "code": RATE_LIMITED,
                "retryAfter": charged.retry_after,
                "cost": {"requested": requested, "limit": limit, "remaining": charged.remaining},
            },
        )

    def get_results(self) -> dict[str, Any]:
        if self.requested is None or not self.reported:
            return {}
        reported: dict[str, int] = {"requested": self.requested, "limit": self.limit}  # type: ignore[dict-item]
        if self.remaining is not None:
            reported["remaining"] = self.remaining
        return {"cost": reported}
