"""A bounded schemathesis run (its GraphQL support) against the live server: every query and mutation of the schema,
with generated arguments (text with control characters, numbers and dates at their extremes, real and forged IDs),
sent with a real `wla` token and a real `provider` token from /oauth/token. No answer may be a server error: no 5xx,
and no error masked as "Unexpected error." or coded INTERNAL. Refusals (BAD_USER_INPUT, FORBIDDEN, user errors)
are what bad input should get.

Deterministic: Hypothesis is derandomized (a fixed seed per strategy), without its example database, and bounded
to a few examples per operation, token and mode. The IDs it sends are drawn from the objects of
tests/test_authorization_matrix.py's world (one of each kind), so that generated operations reach the rules behind
the IDs, mixed with IDs of no object and strings that are no ID."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from dataclasses import astuple, dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from graphql import StringValueNode, Visitor, parse, print_ast, visit
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes
from strawberry.relay import to_base64

from tests.test_authorization_matrix import World, build_world
from tests.test_oauth import register, token_for

# Examples per operation: positive ones (arguments of the right types) for each token, with their text sent as
# generated and once more without its control characters (so that they pass the API's refusal of such text and
# reach the rules behind it); negative ones (arguments of the wrong types, refused by validation) once.
POSITIVE, NEGATIVE = 4, 1
TIMEOUT = 30  # seconds for one answer
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.fixture
async def world(db, market) -> World:
    """One object of each kind, as the authorization matrix builds them (on this test's empty tables)."""
    return await build_world(db, market)


class Unanswered(Exception):
    pass


@dataclass
class Findings:
    requests: int = 0
    seconds_in_requests: float = 0.0
    sent: Any = field(default_factory=hashlib.sha256)  # what was sent, to see that runs are alike
    server_errors: list[str] = field(default_factory=list)


class _PlainText(Visitor):
    def enter_string_value(self, node: StringValueNode, *_args: object) -> StringValueNode | None:
        plain = CONTROL.sub("", node.value)
        return None if plain == node.value else StringValueNode(value=plain, block=False)


def without_control_characters(query: str) -> str:
    return print_ast(visit(parse(query), _PlainText()))


def server_error(response: httpx.Response) -> str | None:
    """Why `response` is a server error, or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        payload = response.json()
    except ValueError:  # a refusal in plain text (a subscription over HTTP...)
        return None
    for error in (payload.get("errors") or []) if isinstance(payload, dict) else []:
        code = (error.get("extensions") or {}).get("code", "")
        if error.get("message") == "Unexpected error." or "INTERNAL" in str(code):
            return f"HTTP {response.status_code}: {error}"
    return None


# Text just over the lengths the data model's columns and the domain's rules allow, and much longer.
long_text = st.builds(
    lambda char, length: char * length,
    st.characters(codec="utf-8"),
    st.sampled_from([5, 11, 21, 41, 61, 81, 101, 121, 201, 1001, 4001, 20_000]),
)


def register_scalars(objects: World) -> None:
    """Strategies for text (any, and long), IDs (of real objects, of none, and strings that are no ID) and
    decimals of any size."""
    real = list(astuple(objects))
    forged = [to_base64("Dpv", 2**63), to_base64("Provider", -1), to_base64("Nope", 1), to_base64("Bid", "x")]
    schemathesis.graphql.scalar(
        "ID", st.one_of(st.sampled_from(real), st.sampled_from(forged), st.text()).map(nodes.String)
    )
    schemathesis.graphql.scalar("String", st.one_of(st.text(), long_text).map(nodes.String))
    schemathesis.graphql.scalar(
        "Decimal",
        st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False).map(str),
            st.decimals(min_value=0, max_value=100_000, places=2).map(str),
            st.text(),
        ).map(nodes.String),
    )


def run(url: str, tokens: dict[str, str]) -> Findings:
    gql_schema = schemathesis.graphql.from_url(url, headers={"Authorization": f"Bearer {tokens['wla']}"})
    operations = [result.ok() for result in gql_schema.get_all_operations()]
    assert len(operations) > 40, [o.label for o in operations]
    findings = Findings()
    with httpx.Client(timeout=TIMEOUT) as http:

        def send(operation: Any, who: str, query: str) -> None:
            started = time.monotonic()
            findings.requests += 1
            findings.sent.update(query.encode())
            try:
                response = http.post(url, json={"query": query}, headers={"Authorization": f"Bearer {tokens[who]}"})
            except httpx.TimeoutException:  # a worker that never answers: the worst server error, and the last
                findings.server_errors.append(f"{operation.label} as {who}: no answer in {TIMEOUT} s\n{query}")
                raise Unanswered() from None
            finally:
                findings.seconds_in_requests += time.monotonic() - started
            why = server_error(response)
            if why is not None:
                findings.server_errors.append(f"{operation.label} as {who}: {why}\n{query}")

        def examples_of(operation: Any, mode: GenerationMode, examples: int, who: str) -> Any:
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def each(case: Any) -> None:
                send(operation, who, case.body)
                plain = without_control_characters(case.body)
                if mode is GenerationMode.POSITIVE and plain != case.body:
                    send(operation, who, plain)

            return each

        for operation in operations:
            for mode, examples, who in [
                (GenerationMode.POSITIVE, POSITIVE, "wla"),
                (GenerationMode.POSITIVE, POSITIVE, "provider"),
                (GenerationMode.NEGATIVE, NEGATIVE, "wla"),
            ]:
                try:
                    examples_of(operation, mode, examples, who)()
                except Unanswered:
                    return findings
    return findings


async def test_schemathesis_finds_no_server_error(live_server, db, market, world):  # noqa: F811
    register_scalars(world)
    tokens = {
        "wla": await token_for(live_server, await register(db, "wla", "wla wla:safeguarding")),
        "provider": await token_for(live_server, await register(db, "acorn-fostering", "provider provider:sign")),
    }
    started = time.monotonic()
    findings = await asyncio.to_thread(run, f"{live_server}/graphql", tokens)
    print(
        f"schemathesis: {findings.requests} requests in {time.monotonic() - started:.1f} s "
        f"({findings.seconds_in_requests:.1f} s waiting for answers); sent {findings.sent.hexdigest()[:16]}"
    )
    assert findings.requests > 400
    assert findings.server_errors == [], "\n\n".join(findings.server_errors[:20])
