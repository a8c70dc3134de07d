"""The GraphQL schema: root types composed from the domain packages (like Saleor's `graphql/api.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api import domains
from api.core.config import get_settings
from schema.core.error_log import log_errors
from schema.core.errors import mask_errors
from schema.core.execution import ExecutionContext
from schema.core.introspection import SchemaVisibility
from schema.core.limits import OperationLimits
from schema.core.scalars import SCALARS
from schema.core.text import ControlCharactersRule
from schema.events.queries import EventQuery
from schema.events.subscriptions import EventSubscription
from schema.market.schema import MarketMutation, MarketQuery
from schema.market.types import Alliance, LocalAuthority, Provider
from schema.placement.schema import PlacementMutation, PlacementQuery
from schema.quality.schema import QualityMutation, QualityQuery
from schema.safeguarding.schema import SafeguardingMutation, SafeguardingQuery


@strawberry.type
class Query(MarketQuery, PlacementQuery, SafeguardingQuery, QualityQuery, EventQuery):
    pass


@strawberry.type
class Mutation(MarketMutation, PlacementMutation, SafeguardingMutation, QualityMutation):
    pass


@strawberry.type
class Subscription(EventSubscription):
    pass


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        log_errors(errors, execution_context)  # a refusal is one line; only the unexpected has a traceback

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        root_value: Any = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Queries and mutations. A subscription runs through `subscribe`, over WebSocket: sent over HTTP, it is
        refused before it runs (HTTP 400, with the reason)."""
        allowed = set(DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types)
        try:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed - {OperationType.SUBSCRIPTION},
                operation_extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise SubscriptionOverHTTP() from None
            raise


class SubscriptionOverHTTP(InvalidOperationTypeError):
    def __init__(self) -> None:
        super().__init__(OperationType.SUBSCRIPTION)

    def as_http_error_reason(self, method: str) -> str:
        return (
            f"Subscriptions are not served over HTTP {method}: subscribe over a WebSocket at the same URL, "
            "with the graphql-transport-ws protocol"
        )


def build_schema() -> strawberry.Schema:
    domains.check()  # the mutations set off the domains' hooks and timers: every one has its handler
    settings = get_settings()
    # The limits' validation rules are classes made once: the validation cache is keyed by the rules, so rules
    # made afresh per request (as each QueryDepthLimiter instance does) would never hit it.
    limit_rules: list[type[ASTValidationRule]] = [
        ControlCharactersRule,
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=30).validation_rules,
    ]
    built = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Alliance, LocalAuthority, Provider],
        extensions=[
            mask_errors,
            SchemaVisibility,  # introspection and suggestions for signed-in callers only
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=5000),
            # Last: parsing and validation through size-bounded caches, then the cost and the budget.
            OperationLimits,
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
        execution_context_class=ExecutionContext,
    )
    return built


schema = build_schema()
