"""Configuration from the environment (pydantic-settings). One object, read once per process."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    # PostgreSQL. Unset: `dpv serve` runs an embedded server under DPV_DATA_DIR.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path(".dpv"), alias="DPV_DATA_DIR")
    db_pool_size: int = Field(default=10, alias="DPV_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=10, alias="DPV_DB_MAX_OVERFLOW")

    # GraphQL
    graphiql: bool = Field(default=True, alias="DPV_GRAPHIQL")
    max_query_depth: int = Field(default=12, alias="DPV_MAX_QUERY_DEPTH")

    # OAuth 2.0: this server is the authorization server and the resource server. The issuer is the public base
    # URL (`dpv serve` derives it from --host/--port when unset); tokens name it in `iss` and this API in `aud`.
    issuer: str = Field(default="http://127.0.0.1:8000", alias="DPV_ISSUER")
    audience: str = Field(default="dpv-exchange", alias="DPV_AUDIENCE")
    access_token_ttl: int = Field(default=600, alias="DPV_ACCESS_TOKEN_TTL", gt=0)  # seconds

    @property
    def issuer_url(self) -> str:
        """The issuer without a trailing slash: endpoint URLs are built on it."""
        return self.issuer.rstrip("/")

    # Stage-1 thresholds: minimum insurance cover in pounds (DOMAIN.md defaults).
    min_employers_liability: Decimal = Field(default=Decimal("5000000"), alias="DPV_MIN_EMPLOYERS_LIABILITY")
    min_public_liability: Decimal = Field(default=Decimal("5000000"), alias="DPV_MIN_PUBLIC_LIABILITY")
    min_professional_indemnity: Decimal = Field(
        default=Decimal("2000000"), alias="DPV_MIN_PROFESSIONAL_INDEMNITY"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def async_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and select the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://…")
