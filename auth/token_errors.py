"""Why a bearer token cannot be used: this server's tokens (auth/tokens.py) and trusted issuers' (auth/external.py)
are refused with the same errors."""

from __future__ import annotations

from api.core.errors import Unauthenticated


class InvalidToken(Unauthenticated):
    """The bearer token cannot be used: say why, without saying more than the caller already has."""

    def __init__(self, message: str = "The access token is invalid"):
        super().__init__(message)


class ExpiredToken(InvalidToken):
    def __init__(self) -> None:
        super().__init__("The access token has expired")
