"""What every resolver sees: the database, who is asking, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as _Info

from api.core.config import Settings
from api.core.db import Database
from api.core.permissions import Permission
from api.core.principal import Principal
from schema.core.loaders import Loaders


@dataclass
class Context:
    db: Database
    settings: Settings
    principal: Principal | None
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None  # a WebSocket's connection_init payload
    hub: Any = None  # the worker's event hub (api/core/realtime.py): subscriptions follow the stream through it
    # The permissions the request's mutations decided, in order (schema/core/mutations.py Decides): one each.
    decided: list[Permission] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Fresh per request (and, for subscriptions, per event): cached rows never outlive one answer.
        self.loaders = Loaders(self.db, self.principal)

    def authenticate(self, principal: Principal) -> None:
        """Who a WebSocket connection acts for, known only once `connection_init` has arrived."""
        self.principal = principal
        self.loaders = Loaders(self.db, principal)


Info = _Info[Context, None]
