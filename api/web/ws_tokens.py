"""The tokens of a worker's open WebSockets, checked again while the sockets stay open.

A WebSocket authenticates once, at `connection_init` (api/web/app.py `on_ws_connect`); its subscriptions then stream
for as long as it stays open. So that a token's end also ends its sockets, each worker keeps the sockets that
authenticated with a token and closes one (4403, with the reason as the close reason) when:

- its token **expires** (at its `exp`): the client reconnects with a new token and resumes each subscription
  from the last cursor it received;
- its token is **no longer accepted**, by the rules HTTP applies to every request (auth/tokens.py `refusal`, on
  the same state): it was revoked (POST /oauth/revoke of the access token, or of a refresh token, which revokes
  its family's access tokens; a replayed refresh token or authorization code revokes the family too), its
  signing key was retired more than a token lifetime ago or removed, or its organisation no longer exists as
  the kind the token names. That is what "the end of an organisation's access" is in this service: access is
  held by tokens, and it ends when they are refused. A provider that is suspended or barred keeps its access
  (it still sees its own objects; what it may see of others' follows the market's rules per event).

How: every `DPV_WS_TOKEN_CHECK_SECONDS` (2 s by default), while the worker has such sockets, one statement reads
the state of all their tokens at once (auth/tokens.py `token_states`) and `refusal` judges each. Workers share
nothing but PostgreSQL, and each checks its own sockets against it, so a revocation made through any worker
closes the sockets of every worker within about that long. No notification is needed, and none can be missed.

A trusted external issuer's token (a borough's own identity provider, auth/external.py) cannot be revoked here:
its socket closes when it expires. If the check itself fails (the database is unreachable), it is logged and
tried again at the next interval; the sockets stay open meanwhile, as their subscriptions read nothing new then
either.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from starlette.websockets import WebSocketState

from api.core.config import Settings
from api.core.db import Database
from auth import tokens

log = logging.getLogger("dpv.ws_tokens")

CLOSE_CODE = 4403  # graphql-transport-ws: Forbidden
CLOSE_SECONDS = 5.0  # the longest one close may take before the next socket's


@dataclass(eq=False)
class Watched:
    websocket: Any
    expires_at: float | None
    claims: dict[str, Any] | None  # this server's token: its claims (org_kind among them); None: an external one
    ref: tokens.TokenRef | None  # (jti, kid, org) of this server's token
    # The connection's context (its request id, api/core/logs.py): what is logged about the socket is logged in it.
    context: contextvars.Context

    @property
    def gone(self) -> bool:
        return WebSocketState.DISCONNECTED in (self.websocket.client_state, self.websocket.application_state)


def _watched(websocket: Any, token: str, settings: Settings) -> Watched:
    """What to check of a token `principal_from_token` has just accepted (so its parts are known to decode)."""
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        header, claims = compact.headers(), json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError):
        return Watched(websocket, None, None, None, contextvars.copy_context())
    exp = claims.get("exp")
    expires_at = float(exp) if isinstance(exp, (int, float)) else None
    if claims.get("iss") != settings.issuer_url:
        return Watched(websocket, expires_at, None, None, contextvars.copy_context())
    return Watched(
        websocket, expires_at, claims, (claims["jti"], header["kid"], claims["org"]), contextvars.copy_context()
    )


class SocketWatch:
    """One per worker (the app's lifespan): the open WebSockets that authenticated with a token."""

    def __init__(self, db: Database, settings: Settings, every: float | None = None):
        self.db = db
        self.settings = settings
        self.every = every if every is not None else settings.ws_token_check_seconds
        self.sockets: set[Watched] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.checks = 0  # passes made (tests and benches read it)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dpv-ws-tokens")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def watch(self, websocket: Any, token: str) -> None:
        """Keep checking the token a socket has just authenticated with (`principal_from_token` accepted it)."""
        self.sockets.add(_watched(websocket, token, self.settings))
        self._wake.set()  # its expiry may come before the next check

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._timeout())
            self._wake.clear()
            if not self.sockets:
                continue
            try:
                await self.check()
            except Exception:
                log.exception("checking the tokens of open WebSockets failed; trying again")

    def _timeout(self) -> float | None:
        if not self.sockets:
            return None  # nothing to check until a socket is watched
        expiries = [w.expires_at for w in self.sockets if w.expires_at is not None]
        soonest = min(expiries, default=float("inf")) - time.time()
        return max(0.0, min(self.every, soonest))

    async def check(self) -> None:
        """One pass: forget the sockets that closed, close those whose token expired or is refused now."""
        self.checks += 1
        self.sockets = {w for w in self.sockets if not w.gone}
        now = time.time()
        expired = [w for w in self.sockets if w.expires_at is not None and w.expires_at <= now]
        for w in expired:
            await self._close(w, "Token expired")
        own = [w for w in self.sockets if w.ref is not None]
        if not own:
            return
        async with self.db.reading() as conn:
            states = await tokens.token_states(conn, sorted({w.ref for w in own if w.ref is not None}))
        for w in own:
            assert w.ref is not None and w.claims is not None
            why = tokens.refusal(states.get(w.ref), w.claims, self.settings)
            if why is not None:
                await self._close(w, str(why))

    async def _close(self, watched: Watched, reason: str) -> None:
        self.sockets.discard(watched)
        if watched.gone:
            return
        watched.context.run(log.info, "Closing a WebSocket (%d): %s", CLOSE_CODE, reason)
        with contextlib.suppress(Exception):  # it may have left meanwhile
            await asyncio.wait_for(watched.websocket.close(code=CLOSE_CODE, reason=reason[:120]), CLOSE_SECONDS)
