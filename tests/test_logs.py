"""Issue 15's log findings over real HTTP with real tokens: no child data, token, secret, password or
authorization code in any log line, at any level, on the failure paths that carry them (a child's insert the
database refuses, every malformed and refused request to the token endpoint); an expected refusal is one line, an
unexpected error one traceback; and every line of a request carries the id its response carries.

The records are captured in this process, where `live_server` runs, from every logger at DEBUG (uvicorn's access
and error logs, SQLAlchemy, Authlib, Strawberry, websockets' frames, ours), each formatted with a plain
`logging.Formatter` (the traceback included): what any handler a deployment attaches would write. The test's own
clients (httpx, the websockets client) are left out: they are not the service.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import pytest
import websockets
from sqlalchemy import text
from starlette.responses import Response
from starlette.routing import Route

from api.placements.models import RequirementChild
from api.web.request_id import RequestIdStarlette
from tests.conftest import count
from tests.placement_factories import scene
from tests.test_oauth import register, token_for
from tests.test_oauth_code import PASSWORD, REDIRECT, code_for, person, public_client, query
from tests.test_placement_api import CREATE, create_input
from tests.ws_client import PROTOCOL, WsClient, ws_url

CLIENT_SIDE = ("httpx", "httpcore", "websockets.client")
LIBRARY_LOGGERS = (
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "authlib",
    "strawberry",
    "strawberry.execution",
    "strawberry.ws",
    "graphql",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "websockets",
    "websockets.server",
    "asyncio",
    "asyncpg",
    "dpv",
    "starlette",
    "anyio",
    "joserfc",
    "argon2",
)
PLAIN = logging.Formatter("%(levelname)s %(name)s %(message)s")

UPDATE = """mutation($input: RequirementUpdateInput!) { requirementUpdate(input: $input) {
  requirement { id } userErrors { field code message } } }"""


class Capture(logging.Handler):
    """Every record the service's loggers make, as a plain formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[tuple[logging.LogRecord, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_SIDE):
            return
        self.records.append((record, PLAIN.format(record)))

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.records)

    def since(self, mark: int) -> list[tuple[logging.LogRecord, str]]:
        return self.records[mark:]


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every logger at DEBUG, every record to one handler (once each: also on the loggers that do not
    propagate, where propagation stops)."""
    handler = Capture()
    root = logging.getLogger()
    saved = [(root, root.level, root.disabled)]
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    with_handler = []
    for name in sorted(set(logging.root.manager.loggerDict) | set(LIBRARY_LOGGERS)):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(handler)
            with_handler.append(logger)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger in with_handler:
            logger.removeHandler(handler)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


@dataclass
class Secrets:
    """Everything that must never be in a log line."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        if name in self.values:
            name = f"{name} ({len(self.values)})"
        self.values[name] = value
        if value.count(".") == 2 and value.startswith("eyJ"):  # a JWT: its claims and signature alone too
            _, claims, signature = value.split(".")
            self.values[f"{name} (claims)"] = claims
            self.values[f"{name} (signature)"] = signature

    def found_in(self, text: str) -> list[str]:
        return [name for name, value in self.values.items() if value and value in text]


def marker(field_name: str) -> str:
    return f"{field_name}-{uuid.uuid4().hex[:12]}"


def child_values() -> dict:
    return {
        "caseReference": marker("case"),
        "ethnicity": marker("ethnicity"),
        "religion": marker("religion"),
        "languages": [marker("language")],
        "educationNeeds": marker("education"),
        "childViews": marker("views"),
        "courtDirections": marker("court"),
        "homeLocation": {"latitude": 51.5371234, "longitude": -0.2471234},
    }


def child_secrets(child: dict, secrets: Secrets) -> None:
    for name, value in child.items():
        if name == "languages":
            secrets.add(name, value[0])
        elif name == "homeLocation":
            secrets.add("latitude", "51.5371234")
            secrets.add("longitude", "0.2471234")
        else:
            secrets.add(name, value)


async def gql(
    http: httpx.AsyncClient, live_server: str, token: str, query_: str, variables: dict, **headers: str
) -> httpx.Response:
    return await http.post(
        f"{live_server}/graphql",
        json={"query": query_, "variables": variables},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


async def refuse_child_rows(db) -> None:
    """A constraint the database holds every new or changed child row to, and that none meets (NOT VALID: the
    rows already there are not checked): the insert fails in the database, whatever the input layer lets
    through. PostgreSQL's error quotes the refused row ("Failing row contains (...)")."""
    async with db.engine.begin() as conn:
        await conn.execute(
            text("ALTER TABLE requirement_child ADD CONSTRAINT test_refuse_every_row CHECK (false) NOT VALID")
        )


async def accept_child_rows(db) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE requirement_child DROP CONSTRAINT IF EXISTS test_refuse_every_row"))


# --- no child data, token, secret or password in any log line ---------------------------------------------------


async def test_no_child_data_token_secret_or_password_in_any_log_line(live_server, db, market, captured):
    sc = await scene(db, market, members=2)
    secrets = Secrets()
    officer = await register(db, "barnet", "borough")
    secrets.add("client secret", officer.client_secret)
    token = await token_for(live_server, officer)
    secrets.add("access token", token)

    async with httpx.AsyncClient(timeout=30) as http:
        # 1. A NUL character in each of the child's text fields: the insert fails in the database (or the input
        #    layer refuses it first); either way none of the child's values is logged.
        for name in (
            "caseReference",
            "ethnicity",
            "religion",
            "languages",
            "educationNeeds",
            "childViews",
            "courtDirections",
            "homePostcodeDistrict",
            "avoidAreas",
        ):
            child = child_values()
            child_secrets(child, secrets)
            poisoned = marker(name) + "\x00"
            secrets.add(f"{name} with NUL", poisoned[:-1])
            child[name] = [poisoned] if name in ("languages", "avoidAreas") else poisoned
            r = await gql(http, live_server, token, CREATE, create_input(sc.lot.id, child=child))
            assert r.status_code < 500, r.text

        # 1b. A child whose input does not coerce (graphql-core's message quotes the whole input value).
        child = child_values()
        child_secrets(child, secrets)
        r = await gql(http, live_server, token, CREATE, create_input(sc.lot.id, child={**child, "ageYears": "12"}))
        assert r.status_code < 500 and r.json()["errors"], r.text

        # 2. The database refuses the child's row (a constraint): on create, and on an update that replaces it.
        draft = await gql(http, live_server, token, CREATE, create_input(sc.lot.id))
        draft_id = draft.json()["data"]["requirementCreate"]["requirement"]["id"]
        await refuse_child_rows(db)
        try:
            before = await count(db, RequirementChild)
            for mutation, variables in (
                (CREATE, lambda c: create_input(sc.lot.id, child=c)),
                (
                    UPDATE,
                    lambda c: {
                        "input": {
                            "requirementId": draft_id,
                            "child": create_input(sc.lot.id, child=c)["input"]["child"],
                        }
                    },
                ),
            ):
                child = child_values()
                child_secrets(child, secrets)
                r = await gql(http, live_server, token, mutation, variables(child))
                assert r.status_code < 500 and r.json()["errors"][0]["message"] == "Unexpected error.", r.text
            assert await count(db, RequirementChild) == before
        finally:
            await accept_child_rows(db)

        # 3. The child's values as variables of a GET (the access log's query string), and in a refused cursor
        #    whose message quotes it.
        child = child_values()
        child_secrets(child, secrets)
        r = await http.get(
            f"{live_server}/graphql?"
            + urlencode(
                {"query": "query($c: String) { __typename }", "variables": json.dumps({"c": child["childViews"]})}
            ),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text

        # 4. The token endpoint: a wrong secret, malformed requests, secrets in the query string.
        wrong = "wrong-" + uuid.uuid4().hex
        secrets.add("wrong client secret", wrong)
        oauth_token = f"{live_server}/oauth/token"
        client_id = officer.client.client_id
        refused = [
            await http.post(oauth_token, data={"grant_type": "client_credentials"}, auth=(client_id, wrong)),
            await http.post(
                oauth_token,
                data={
                    "grant_type": "password",
                    "client_id": client_id,
                    "client_secret": officer.client_secret,
                    "password": PASSWORD,
                },
            ),
            await http.post(
                oauth_token,
                data={"grant_type": "client_credentials", "scope": "wla"},
                auth=(client_id, officer.client_secret),
            ),
            await http.post(
                oauth_token,
                content=b"grant_type=client_credentials",  # the secret as the client id
                headers={
                    "Authorization": "Basic " + base64.b64encode(officer.client_secret.encode()).decode(),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            ),
            await http.post(
                oauth_token,
                json={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": officer.client_secret,
                },
            ),
            await http.post(
                oauth_token,
                content=f"grant_type=client_credentials&client_id={client_id}"
                f"&client_secret={officer.client_secret}%zz%ff\xff".encode("latin-1"),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            await http.post(
                oauth_token
                + "?"
                + urlencode(
                    {
                        "client_secret": officer.client_secret,
                        "code": wrong,
                        "refresh_token": wrong,
                        "access_token": token,
                    }
                ),
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": wrong},
            ),
        ]
        assert all(400 <= r.status_code < 500 for r in refused), [
            (i, r.status_code, r.text[:80]) for i, r in enumerate(refused)
        ]

        # 5. A person's authorization code and refresh token: redeemed, replayed, refreshed, revoked.
        reg = await public_client(db, "acorn-fostering", "provider")
        await person(db, "acorn-fostering", "logs.person@acorn.example", "provider")
        secrets.add("password", PASSWORD)
        _, location, verifier, _ = await code_for(live_server, reg, "logs.person@acorn.example")
        code = query(location)["code"]
        secrets.add("authorization code", code)
        secrets.add("code verifier", verifier)
        redeem = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": reg.client.client_id,
            "code_verifier": verifier,
        }
        bad_verifier = await http.post(oauth_token, data={**redeem, "code_verifier": verifier[::-1]})
        assert bad_verifier.status_code == 400
        _, location, verifier, _ = await code_for(live_server, reg, "logs.person@acorn.example")
        code = query(location)["code"]
        secrets.add("second authorization code", code)
        secrets.add("second code verifier", verifier)
        redeem.update(code=code, code_verifier=verifier)
        issued = (await http.post(oauth_token, data=redeem)).json()
        secrets.add("person's access token", issued["access_token"])
        secrets.add("refresh token", issued["refresh_token"])
        refreshed = (
            await http.post(
                oauth_token,
                data={
                    "grant_type": "refresh_token",
                    "client_id": reg.client.client_id,
                    "refresh_token": issued["refresh_token"],
                },
            )
        ).json()
        secrets.add("refreshed access token", refreshed["access_token"])
        secrets.add("refreshed refresh token", refreshed["refresh_token"])
        replayed = await http.post(
            oauth_token,
            data={
                "grant_type": "refresh_token",
                "client_id": reg.client.client_id,
                "refresh_token": issued["refresh_token"],
            },
        )  # revokes the family
        assert replayed.status_code == 400
        assert (await http.post(oauth_token, data=redeem)).status_code == 400  # the code again
        wrong_password = "not-" + uuid.uuid4().hex
        secrets.add("wrong password", wrong_password)
        await http.post(
            f"{live_server}/oauth/authorize?" + urlencode({"client_id": reg.client.client_id}),
            data={"email": "logs.person@acorn.example", "password": wrong_password},
        )
        for endpoint in ("revoke", "introspect"):
            await http.post(
                f"{live_server}/oauth/{endpoint}",
                data={"token": refreshed["refresh_token"]},
                auth=(client_id, officer.client_secret),
            )
            await http.post(
                f"{live_server}/oauth/{endpoint}", data={"token": token}, auth=(client_id, officer.client_secret)
            )
        assert (
            await http.post(
                f"{live_server}/graphql",
                json={"query": "{ __typename }"},
                headers={"Authorization": f"Bearer {token}x"},
            )
        ).status_code == 401

    # 6. A WebSocket: the token in connection_init, a cursor that quotes the child's values in its error.
    second = await token_for(live_server, officer)
    secrets.add("second access token", second)
    client = await WsClient.connect(live_server, second)
    try:
        await client.subscribe(
            "subscription($a: String) { events(after: $a) { cursor } }", {"a": child["courtDirections"]}
        )
        assert (await client.errors())[0]["extensions"]["code"] == "BAD_USER_INPUT"
    finally:
        await client.close()

    logged = captured.text
    # The capture saw what it should have: the access log, SQLAlchemy's statements, the unexpected errors.
    assert "uvicorn.access" in logged and "INSERT INTO requirement_child" in logged
    assert "Traceback" in logged
    assert secrets.found_in(logged) == [], secrets.found_in(logged)


# --- an expected refusal is one line; an unexpected error one traceback -----------------------------------------


async def test_a_refusal_is_one_line_and_an_unexpected_error_one_traceback(live_server, db, market, captured):
    sc = await scene(db, market, members=2)
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    async with httpx.AsyncClient(timeout=30) as http:
        mark = len(captured.records)
        r = await gql(
            http,
            live_server,
            token,
            "mutation Suspend($p: ID!) { providerBar(input: {providerId: $p, "
            "reason: SAFEGUARDING}) { userErrors { code } } }",
            {"p": "UHJvdmlkZXI6MQ=="},
        )
        assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", r.text
        lines = captured.since(mark)
        graphql_lines = [(rec, line) for rec, line in lines if rec.name in ("dpv.graphql", "strawberry.execution")]
        assert [line for _, line in graphql_lines] == [
            "INFO dpv.graphql GraphQL refusal FORBIDDEN in mutation Suspend at providerBar"
        ]
        assert not any("Traceback" in line for _, line in lines)

        await refuse_child_rows(db)
        try:
            mark = len(captured.records)
            r = await gql(
                http, live_server, token, CREATE.replace("mutation(", "mutation Create("), create_input(sc.lot.id)
            )
            assert r.json()["errors"][0]["message"] == "Unexpected error."
        finally:
            await accept_child_rows(db)
        lines = captured.since(mark)
        errors = [line for rec, line in lines if rec.levelno >= logging.ERROR]
        assert len(errors) == 1, errors
        (error,) = errors
        assert error.startswith(
            "ERROR dpv.graphql Unexpected error in mutation Create at requirementCreate\n"
            "Traceback (most recent call last):"
        )
        assert "CheckViolationError [sqlstate=23514 constraint_name=test_refuse_every_row" in error
        assert "Failing row" not in error and "MOS-424242" not in error


# --- the request id -----------------------------------------------------------------------------------------------


async def test_the_request_id_comes_back_and_is_in_every_line_of_its_request(live_server, db, market, captured):
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    refused = (
        'mutation Bar { providerBar(input: {providerId: "UHJvdmlkZXI6MQ==", '
        "reason: SAFEGUARDING}) { userErrors { code } } }"
    )
    async with httpx.AsyncClient(timeout=30) as http:
        mark = len(captured.records)
        r = await gql(http, live_server, token, refused, {}, **{"X-Request-ID": "portal-7f3a.1:2"})
        assert r.headers["x-request-id"] == "portal-7f3a.1:2"
        mine = [
            (rec, line) for rec, line in captured.since(mark) if getattr(rec, "request_id", None) == "portal-7f3a.1:2"
        ]
        assert {rec.name for rec, _ in mine} >= {"dpv.graphql", "uvicorn.access"}, mine
        others = [
            line
            for rec, line in captured.since(mark)
            if rec.name in ("dpv.graphql", "uvicorn.access") and (rec, line) not in mine
        ]
        assert others == []

        for sent in (None, "x" * 129, "two words", "é".encode(), "<script>"):  # none, or not a sane token: a new one
            mark = len(captured.records)
            r = await http.get(f"{live_server}/healthz", headers={"X-Request-ID": sent} if sent else {})
            rid = r.headers["x-request-id"]
            assert rid != sent and len(rid) == 32
            (access,) = [rec for rec, _ in captured.since(mark) if rec.name == "uvicorn.access"]
            assert access.request_id == rid

        r = await http.post(
            f"{live_server}/oauth/token", data={"grant_type": "nonsense"}, headers={"X-Request-ID": "token-req"}
        )
        assert r.status_code == 400 and r.headers["x-request-id"] == "token-req"
        r = await http.get(f"{live_server}/nowhere", headers={"X-Request-ID": "lost"})
        assert r.status_code == 404 and r.headers["x-request-id"] == "lost"

    # a WebSocket: its handshake answers with the id, and what is logged for the connection carries it
    mark = len(captured.records)
    async with websockets.connect(
        ws_url(live_server), subprotocols=[PROTOCOL], additional_headers={"X-Request-ID": "socket-1"}
    ) as ws:
        assert ws.response.headers["x-request-id"] == "socket-1"
        client = WsClient(ws)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await client.subscribe("subscription Watch { events { cursor } }")
        assert (await client.errors())[0]["extensions"]["code"] == "UNAUTHENTICATED"
    (refusal,) = [rec for rec, _ in captured.since(mark) if rec.name == "dpv.graphql"]
    assert refusal.request_id == "socket-1" and refusal.getMessage() == (
        "GraphQL refusal UNAUTHENTICATED in subscription Watch at -"
    )  # refused before its stream: no path


async def test_a_response_the_error_middleware_makes_carries_the_request_id_too(captured):
    async def fails(request) -> Response:
        raise RuntimeError("about the child: " + secret)

    secret = marker("in-an-exception-message")
    app = RequestIdStarlette(routes=[Route("/fails", fails)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        r = await http.get("/fails", headers={"X-Request-ID": "five-hundred"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "five-hundred"
    assert secret not in captured.text


def test_exception_text_never_reaches_a_line_however_it_is_logged(captured):
    """An exception logged as an argument, as `exc_info`, as a message, or pre-formatted into a traceback's text
    (uvicorn logs a failed start that way): its type is there, its message nowhere."""
    secret = marker("court")
    log = logging.getLogger("dpv.test")
    error = ValueError(f"Failing row contains ({secret}, 12, FEMALE)")
    try:
        raise KeyError(secret) from error
    except KeyError as exc:
        log.exception("failed: %s", exc)
        log.warning(exc)
        log.error("text: %r", [exc, {"password": secret}, b"bytes " + secret.encode()])
        log.error("".join(__import__("traceback").format_exception(exc)))
    log.info("token=%s", secret)
    log.info("GET /graphql?variables=%s HTTP/1.1", secret)
    log.info("Bearer %s", secret)
    assert secret not in captured.text
    assert "ValueError (message withheld)" in captured.text and "KeyError (message withheld)" in captured.text
