"""The GraphQL schema: root types composed from the domain packages (like Saleor's `graphql/api.py`)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from api.config import get_settings
from schema.core.errors import mask_errors
from schema.market.schema import MarketMutation, MarketQuery
from schema.market.types import Alliance, LocalAuthority, Provider
from schema.placement.schema import PlacementMutation, PlacementQuery


@strawberry.type
class Query(MarketQuery, PlacementQuery):
    pass


@strawberry.type
class Mutation(MarketMutation, PlacementMutation):
    pass


def build_schema() -> strawberry.Schema:
    settings = get_settings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Alliance, LocalAuthority, Provider],
        extensions=[
            mask_errors,
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
        ],
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema()
