"""GET /ipas/{id}.pdf: the IPA as issued, for its two parties (api/placements/ipas.py `document_for`).

Behind BearerAuthentication like /graphql: a bad token is 401 there; no token is 401 here. Anyone but the two
parties (another borough or provider, the alliance) gets 404, as for an IPA that does not exist or an id that
could not be one's. The body is the
stored PDF, never rendered again; its ETag is its SHA-256, the digest the parties sign.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.relay import from_base64

from api.core.ids import parse_row_id
from api.placements.ipas import document_for
from api.web.oauth import unauthenticated


def _ipa_id(global_id: str) -> int | None:
    """The IPA's row id, or None for anything that is not the global ID of an IPA that could exist."""
    try:
        type_name, raw = from_base64(global_id)
    except ValueError:  # not a global ID at all
        return None
    return parse_row_id(raw) if type_name == "Ipa" else None


async def ipa_pdf(request: Request) -> Response:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return unauthenticated("A bearer token is required", error="invalid_request")
    ipa_id = _ipa_id(request.path_params["id"])
    ipa = None
    if ipa_id is not None:
        async with request.state.db.session() as s:
            ipa = await document_for(s, principal, ipa_id)
    if ipa is None:
        return PlainTextResponse("Not found", status_code=404, headers={"Cache-Control": "no-store"})
    etag = f'"{ipa.document_sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "Content-Disposition": f'attachment; filename="IPA-{ipa.terms["requirementReference"]}.pdf"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(ipa.document, media_type="application/pdf", headers=headers)
