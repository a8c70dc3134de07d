"""HTTP for people: the authorization endpoint with its sign-in page, and sign-out. Thin handlers: the OAuth rules
are Authlib's (auth/server.py), the sign-in rules auth/signin.py's; this module reads the request, renders
minimal server-side HTML (no JavaScript) and sets the cookies.

`GET /oauth/authorize?response_type=code&client_id=..&redirect_uri=..&scope=..&state=..&code_challenge=..
&code_challenge_method=S256`, in one transaction:

1. Authlib validates the request. A request whose client or redirect URI cannot be trusted (unknown client, a
   redirect URI not registered exactly) is answered here with an error page, and never redirected; any other
   error (no PKCE, `plain`, unknown scope...) goes to the client's redirect URI, as RFC 6749 §4.1.2.1 says.
2. A browser already signed in (session cookie) gets its code at once: a 302 to the redirect URI with `code` and
   `state`. There is no consent screen: these are first-party clients (auth.server.AuthorizationCode).
3. Otherwise the sign-in page. Its form posts the email and password to the same URL (the authorization request
   stays in the query string; the credentials are never given to Authlib), with a CSRF token. On success the
   browser gets a session cookie and the 302 with the code; on failure the same page again, saying only that
   the email or the password is wrong (identical for an unknown email), or, while backing off, when to retry.

`GET /oauth/signout` shows who is signed in and a sign-out button; `POST /oauth/signout` (CSRF-protected) ends
the browser session. The tokens already issued to clients are theirs to revoke (RFC 7009).
"""

from __future__ import annotations

import html
import math

from authlib.oauth2 import OAuth2Error
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.core import clock
from api.core.config import Settings
from api.web.security_headers import origin_of, style_hash
from auth import signin
from auth.server import OAuthServer, authorization_request, read_form

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1b1f24;margin:0}
main{max-width:22rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 1.2rem}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #9aa1ab;border-radius:4px;font-size:1rem}
button{margin-top:1.3rem;width:100%;padding:.65rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;
font-size:1rem;cursor:pointer}p.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}
p.small{font-size:.85rem;color:#555}
"""


STYLE_SOURCE = style_hash(STYLE)  # the page's one inline style, allowed by its hash


def _csp(form_target: str | None) -> str:
    """No script at all, and only the page's own style (by its hash); forms post here only, and (Chrome applies
    form-action to the redirect that follows a form) to the client's redirect URI's origin."""
    targets = " ".join(dict.fromkeys(s for s in ("'self'", origin_of(form_target) if form_target else None) if s))
    return (
        f"default-src 'none'; style-src {STYLE_SOURCE}; form-action {targets}; frame-ancestors 'none'; base-uri 'none'"
    )


def _page(
    title: str, body: str, *, status: int = 200, form_target: str | None = None, headers: dict[str, str] | None = None
) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · DPV Exchange</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(
        document,
        status_code=status,
        headers={**PAGE_HEADERS, "Content-Security-Policy": _csp(form_target), **(headers or {})},
    )


def _secure(settings: Settings) -> bool:
    return settings.issuer_url.startswith("https://")


def _set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=signin.COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(settings)
    )


class _Csrf:
    """The browser's CSRF nonce: the one its cookie carries, or a new one (then set with the response)."""

    def __init__(self, request: Request, key: bytes):
        self.key = key
        now = clock.now()
        self.cookie = request.cookies.get(signin.CSRF_COOKIE)
        self.nonce = signin.csrf_nonce(key, self.cookie, now)
        self.new_cookie: str | None = None
        if self.nonce is None:
            self.new_cookie = signin.new_csrf_cookie(key, now)
            self.nonce = signin.csrf_nonce(key, self.new_cookie, now)

    def token(self, purpose: str) -> str:
        assert self.nonce is not None
        return signin.form_token(self.key, self.nonce, purpose)

    def valid(self, token: str | None, purpose: str) -> bool:
        return signin.form_token_valid(self.key, self.cookie, token, purpose, clock.now())

    def attach(self, response: Response, settings: Settings) -> Response:
        if self.new_cookie is not None:
            _set_cookie(response, settings, signin.CSRF_COOKIE, self.new_cookie, int(signin.CSRF_TTL.total_seconds()))
        return response


def _signin_page(
    request: Request,
    csrf: _Csrf,
    redirect_uri: str | None,
    *,
    message: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    body = f"""<h1>Sign in to DPV Exchange</h1>{error}
<form method="post" action="{html.escape(action)}">
<input type="hidden" name="csrf_token" value="{html.escape(csrf.token("signin"))}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>"""
    response = _page("Sign in", body, status=status, form_target=redirect_uri, headers=headers)
    return csrf.attach(response, request.state.settings)


def _error_page(error: OAuth2Error) -> Response:
    description = error.get_error_description() or ""
    body = (
        f'<h1>This sign-in link cannot be used</h1><p class="error">{html.escape(description)}</p>'
        f'<p class="small">Error: <code>{html.escape(error.error or "invalid_request")}</code>. Go back to the '
        f"application and try again; if it keeps happening, tell whoever runs it.</p>"
    )
    return _page("Sign-in error", body, status=400)


def _redirect(status: int, headers: list[tuple[str, str]]) -> Response:
    return Response(status_code=status, headers={**dict(headers), "Cache-Control": "no-store"})


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def authorize(request: Request) -> Response:
    """GET and POST /oauth/authorize (see the module's docstring)."""
    oauth: OAuthServer = request.state.oauth
    settings: Settings = request.state.settings
    csrf = _Csrf(request, signin.secret_key(settings))
    form = dict(await read_form(request)) if request.method == "POST" else {}
    new_session: str | None = None
    try:
        oauth_request = authorization_request(request)
    except OAuth2Error as error:  # Authlib refuses plain http except on loopback (insecure_transport)
        return _error_page(error)
    async with oauth.unit_of_work(request) as work:
        check = await work.run(oauth.check_authorization, oauth_request)
        if check.redirect is not None:
            return _redirect(check.redirect[0], check.redirect[2])
        if check.error is not None or check.grant is None:
            return _error_page(check.error or OAuth2Error("invalid_request"))
        redirect_uri = check.grant.redirect_uri

        user = await signin.session_user(work.session, request.cookies.get(signin.SESSION_COOKIE))
        if user is None:
            if request.method != "POST":
                return _signin_page(request, csrf, redirect_uri)
            if not csrf.valid(form.get("csrf_token"), "signin"):
                return _signin_page(
                    request,
                    csrf,
                    redirect_uri,
                    status=403,
                    message="This form has expired or was not sent from this site. Please sign in again.",
                )
            result = await signin.authenticate(
                work.session, email=form.get("email", ""), password=form.get("password", ""), ip=_client_ip(request)
            )
            if result.failure is signin.SignInFailure.THROTTLED:
                minutes = max(1, math.ceil(result.retry_after / 60))
                return _signin_page(
                    request,
                    csrf,
                    redirect_uri,
                    status=429,
                    headers={"Retry-After": str(result.retry_after)},
                    message=f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                )
            if result.user is None:
                return _signin_page(
                    request, csrf, redirect_uri, message="The email address or the password is not right."
                )
            user = result.user
            new_session = await signin.start_session(work.session, user, _client_ip(request))
        status, _, headers = await work.run(oauth.authorize, check.grant, user)

    response = _redirect(status, headers)
    if new_session is not None:
        _set_cookie(response, settings, signin.SESSION_COOKIE, new_session, int(signin.SESSION_TTL.total_seconds()))
    return response


async def signout(request: Request) -> Response:
    """GET: who is signed in, and a sign-out button. POST (CSRF-protected): sign the browser out."""
    settings: Settings = request.state.settings
    csrf = _Csrf(request, signin.secret_key(settings))
    token = request.cookies.get(signin.SESSION_COOKIE)
    if request.method == "POST":
        form = dict(await read_form(request))
        if not csrf.valid(form.get("csrf_token"), "signout"):
            return csrf.attach(
                _page(
                    "Sign out",
                    '<h1>Sign out</h1><p class="error">This form has expired or was '
                    'not sent from this site.</p><p><a href="signout">Try again</a></p>',
                    status=403,
                ),
                settings,
            )
        async with request.state.db.transaction() as session:
            await signin.end_session(session, token)
        response = _page("Signed out", "<h1>You are signed out</h1><p>You can close this window.</p>")
        response.delete_cookie(
            signin.SESSION_COOKIE, path=signin.COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(settings)
        )
        return response
    async with request.state.db.session() as session:
        user = await signin.session_user(session, token)
    if user is None:
        return _page("Sign out", "<h1>You are not signed in</h1>")
    body = (
        f"<h1>Sign out</h1><p>Signed in as <strong>{html.escape(user.email)}</strong>.</p>"
        f'<form method="post" action="signout"><input type="hidden" name="csrf_token" '
        f'value="{html.escape(csrf.token("signout"))}"><button type="submit">Sign out</button></form>'
    )
    return csrf.attach(_page("Sign out", body), settings)
