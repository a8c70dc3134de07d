"""Malformed input is the caller's error, never an internal one: text with control characters (every string input
of the schema, found by walking it), ids and cursors beyond 64 bits, global IDs that are not ones, the IPA's PDF
for an id that cannot exist, a subscription sent over HTTP, text longer than the data model holds, and dates and
amounts the service cannot compute with."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    StringValueNode,
    Visitor,
    get_named_type,
    is_composite_type,
    parse,
    print_ast,
    visit,
)
from strawberry.relay import to_base64

from api.core.audit import AuditEvent
from api.core.clock import add_months
from api.core.principal import Scope
from api.market.models import Organisation
from schema import schema
from tests.conftest import count, gid, principal_for
from tests.factories import dpv_with_lots
from tests.test_authorization_matrix import OPS, World, build_world
from tests.test_oauth import register, token_for

SECRET = "Child says: I want to stay near my school"  # never echoed in an error message

# A value of each scalar that passes coercion (the refusal of text must come before any rule of the domain).
SAMPLES: dict[str, Any] = {
    "String": "x",
    "ID": to_base64("Dpv", 1),
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": "2026-05-01",
    "DateTime": "2026-05-01T09:00:00+00:00",
    "Decimal": "1.00",
    "JSON": {},
}


@pytest.fixture
async def world(db, market) -> World:
    """One object of each kind, as the authorization matrix builds them (on this test's empty tables)."""
    return await build_world(db, market)


def sample(type_: GraphQLInputType, depth: int = 0) -> Any:
    """A valid value of `type_`: its required fields filled, its optional ones left out."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return SAMPLES[type_.name]
    assert isinstance(type_, GraphQLInputObjectType) and depth < 6
    return {name: sample(f.type, depth + 1) for name, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}


def text_paths(type_: GraphQLInputType, path: tuple = (), depth: int = 0) -> Iterator[tuple]:
    """Every place of a String or ID in a value of `type_` (optional fields too; a list's first item)."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        yield path
    elif isinstance(named, GraphQLInputObjectType) and depth < 6:
        for name, f in named.fields.items():
            inner = f.type.of_type if isinstance(f.type, GraphQLNonNull) else f.type
            yield from text_paths(
                f.type, (*path, name, 0) if isinstance(inner, GraphQLList) else (*path, name), depth + 1
            )


def put(value: Any, type_: GraphQLInputType, path: tuple, text: str) -> Any:
    """`value` with `text` at `path` (creating the optional fields and list items on the way)."""
    if not path:
        return text
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLList):
        items = list(value or [sample(named.of_type)])
        items[0] = put(items[0], named.of_type, path[1:], text)
        return items
    assert isinstance(named, GraphQLInputObjectType)
    field = named.fields[path[0]]
    current = (value or {}).get(path[0])
    if current is None and path[1:]:
        current = sample(field.type)
    return {**(value or {}), path[0]: put(current, field.type, path[1:], text)}


def string_inputs() -> list[tuple[str, str, str, tuple]]:
    """(operation, root field, argument, path in it) for every String or ID the schema takes."""
    found = []
    gql_schema = schema._schema
    for operation, root in (
        ("query", gql_schema.query_type),
        ("mutation", gql_schema.mutation_type),
        ("subscription", gql_schema.subscription_type),
    ):
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                inner = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
                start = (0,) if isinstance(inner, GraphQLList) else ()
                for path in text_paths(arg.type, start):
                    found.append((operation, field_name, arg_name, path))
    return found


STRING_INPUTS = string_inputs()


def request(operation: str, field_name: str, arg_name: str, path: tuple, text: str) -> tuple[str, dict]:
    """The operation sending `text` at `path` of the argument, every required argument given a valid value."""
    root = getattr(schema._schema, f"{operation}_type")
    field = root.fields[field_name]
    variables, declared, passed = {}, [], []
    for name, arg in field.args.items():
        if name != arg_name and not isinstance(arg.type, GraphQLNonNull):
            continue
        value = sample(arg.type)
        if name == arg_name:
            value = put(None if not isinstance(arg.type, GraphQLNonNull) else value, arg.type, path, text)
        variables[name] = value
        declared.append(f"${name}: {arg.type}")
        passed.append(f"{name}: ${name}")
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    return (f"{operation} Probe({', '.join(declared)}) {{ {field_name}({', '.join(passed)}){selection} }}", variables)


def test_the_schema_takes_many_strings():
    assert len(STRING_INPUTS) > 100
    assert ("mutation", "requirementCreate", "input", ("child", "childViews")) in STRING_INPUTS
    assert ("mutation", "bidSubmit", "input", ("needsStatement",)) in STRING_INPUTS
    assert ("mutation", "settingCreate", "input", ("name",)) in STRING_INPUTS
    assert ("subscription", "events", "after", ()) in STRING_INPUTS


def assert_refused(result: Any, field: str, code_point: str = "U+0000") -> None:
    assert result.data is None and result.errors, result
    (error,) = result.errors
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": field}, error
    assert code_point in error.message and "Unexpected" not in error.message, error.message
    assert "Child says" not in error.message


async def test_nul_in_any_string_input_is_refused_and_nothing_is_written(gql, db, market):
    """Each String and ID of every argument, nested inputs and lists included, sent with a NUL as a variable."""
    before = await count(db, AuditEvent), await count(db, Organisation)
    for operation, field_name, arg_name, path in STRING_INPUTS:
        query, variables = request(operation, field_name, arg_name, path, f"{SECRET}\x00")
        field = ".".join(str(p) for p in (arg_name, *path))
        if operation == "subscription":
            result = await gql.first_event(query, variables, market.admin, hub=None)
        else:
            result = await gql(query, variables, market.admin)
        assert_refused(result, field)
    assert (await count(db, AuditEvent), await count(db, Organisation)) == before


async def test_a_nul_in_a_literal_is_refused_with_its_place(gql, db, market):
    requirement = """mutation { requirementCreate(input: {lotId: "%s", urgency: URGENT, plannedStart: "2026-05-01",
      expectedDurationWeeks: 10, child: {ageYears: 9, sex: FEMALE, homePostcodeDistrict: "NW10", siblingGroupSize: 1,
      homeLocation: {latitude: 51.5, longitude: -0.2}, maxDistanceKm: 20, needs: [], languages: ["English"],
      avoidAreas: [], caseReference: "C-1", childViews: "%s\\u0000"}}) { userErrors { code } } }"""
    result = await gql(requirement % (gid("Lot", 1), SECRET), None, market.barnet_officer)
    assert_refused(result, "input.child.childViews")
    assert "field 'requirementCreate'" in result.errors[0].message
    listed = await gql(
        'mutation { requirementCreate(input: {lotId: "x", urgency: URGENT, plannedStart: "2026-05-01", '
        'expectedDurationWeeks: 1, child: {ageYears: 9, sex: FEMALE, homePostcodeDistrict: "NW10", '
        "siblingGroupSize: 1, homeLocation: {latitude: 51.5, longitude: -0.2}, maxDistanceKm: 20, "
        'needs: [], languages: ["ok", "b\\u0007d"], avoidAreas: [], caseReference: "C"}}) '
        "{ userErrors { code } } }",
        None,
        market.barnet_officer,
    )
    assert_refused(listed, "input.child.languages", "U+0007")
    assert await count(db, AuditEvent) == 0


CONTROLS = {
    "\x01": "U+0001",
    "\x08": "U+0008",
    "\x0b": "U+000B",
    "\x1b": "U+001B",
    "\x1f": "U+001F",
    "\x7f": "U+007F",
    "\x85": "U+0085",
    "\x9f": "U+009F",
    "\ud800": "U+D800",
}


@pytest.mark.parametrize("character", CONTROLS, ids=CONTROLS.values())
async def test_control_characters_are_refused_with_the_stable_code(gql, db, market, character):
    create = "mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) { userErrors { code } } }"
    result = await gql(
        create, {"input": {"kind": "PROVIDER", "slug": "cedar-care", "name": f"Cedar{character}Care"}}, market.admin
    )
    assert_refused(result, "input.name", CONTROLS[character])
    assert await count(db, Organisation) == 5


async def test_tab_line_feed_and_carriage_return_are_text(gql, db, market):
    create = """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
      organisation { name } userErrors { code } } }"""
    name = "Cedar\tCare\r\nfor children"
    data = await gql.ok(create, {"input": {"kind": "PROVIDER", "slug": "cedar-care", "name": name}}, market.admin)
    assert data["organisationCreate"] == {"organisation": {"name": name}, "userErrors": []}
    literal = await gql.ok(
        'mutation { organisationCreate(input: {kind: PROVIDER, slug: "dale-care", '
        'name: "Dale\\tCare\\nLtd"}) { organisation { name } } }',
        None,
        market.admin,
    )
    assert literal["organisationCreate"]["organisation"]["name"] == "Dale\tCare\nLtd"


async def test_control_characters_over_http_are_a_request_error(live_server, db, market):
    token = await token_for(live_server, await register(db, "wla", "wla"))
    body = json.dumps(
        {
            "query": "mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) "
            "{ userErrors { code } } }",
            "variables": {"input": {"kind": "PROVIDER", "slug": "cedar-care", "name": "Cedar\x00\ud800"}},
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=live_server, headers=headers) as http:
        classic = await http.post("/graphql", content=body)
        spec = await http.post("/graphql", content=body, headers={"Accept": "application/graphql-response+json"})
    assert classic.status_code == 200 and classic.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert spec.status_code == 400 and "data" not in spec.json()
    assert spec.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.name"}
    assert await count(db, Organisation) == 5


# --- ids and cursors beyond 64 bits ----------------------------------------------------------------------------

NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
DPV = "query($id: ID!) { dpv(id: $id) { name } }"
CANNOT_EXIST = [str(2**63), str(2**64 + 5), "9" * 40, "-1", "-9223372036854775809", " 1", "1_0", "+1", "١"]


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("node_id", CANNOT_EXIST)
async def test_node_and_nodes_answer_null_for_an_id_that_cannot_exist(gql, db, market, node_id):
    dpv, _ = await dpv_with_lots(db, market, lots=1)
    assert (await gql.ok(NODE, {"id": to_base64("Dpv", node_id)}, market.admin)) == {"node": None}
    data = await gql.ok(NODES, {"ids": [to_base64("Dpv", node_id), gid("Dpv", dpv.id)]}, market.admin)
    assert data == {"nodes": [None, {"id": gid("Dpv", dpv.id)}]}


def assert_bad_input(result: Any, *words: str) -> None:
    assert result.errors, result
    error = result.errors[0]
    assert error.extensions == {"code": "BAD_USER_INPUT"}, (error.message, error.extensions)
    assert all(w in error.message for w in words), error.message


@pytest.mark.parametrize("node_id", CANNOT_EXIST)
async def test_an_argument_refuses_an_id_that_cannot_exist(gql, db, market, node_id):
    dpv, _ = await dpv_with_lots(db, market, lots=1)
    assert_bad_input(await gql(DPV, {"id": to_base64("Dpv", node_id)}, market.admin), "Malformed ID")
    before = await count(db, AuditEvent)
    lot = """mutation($input: LotCreateInput!) { lotCreate(input: $input) { userErrors { code } } }"""
    result = await gql(
        lot,
        {
            "input": {
                "dpvId": to_base64("Dpv", node_id),
                "code": "L9",
                "name": "Lot nine",
                "rateCaps": [{"financialYear": 2026, "weeklyRateCap": "900.00"}],
            }
        },
        market.admin,
    )
    assert_bad_input(result, "Malformed ID")
    assert await count(db, AuditEvent) == before


@pytest.mark.parametrize("raw", [f"k:{2**63}", f"k:{2**64}", "k:-1", "k:1e3", "k:" + "9" * 30])
async def test_a_keyset_cursor_beyond_64_bits_is_bad_input(gql, db, market, raw):
    await dpv_with_lots(db, market, lots=1)
    for query in (
        "query($c: String) { dpvs(after: $c) { totalCount } }",
        "query($c: String) { dpvs(last: 2, before: $c) { totalCount } }",
        "query($c: String) { dpvs(first: 5) { nodes { lots(after: $c) { totalCount } } } }",
    ):
        assert_bad_input(await gql(query, {"c": cursor(raw)}, market.admin), "Invalid cursor")


@pytest.mark.parametrize("raw", [f"e:{2**63}:1", f"e:1:{2**64}", "e:-1:1", "e:1:-1", "e:1:+1"])
async def test_an_event_cursor_beyond_64_bits_is_bad_input(gql, db, market, raw):
    assert_bad_input(
        await gql(
            "query($c: String) { changes(after: $c) { pageInfo { endCursor } } }", {"c": cursor(raw)}, market.admin
        ),
        "Invalid event cursor",
    )
    refused = await gql.first_event(
        "subscription($c: String) { events(after: $c) { cursor } }", {"c": cursor(raw)}, market.admin, hub=None
    )
    assert_bad_input(refused, "Invalid event cursor")


# --- global IDs that are not ones ------------------------------------------------------------------------------

MALFORMED = {
    "not base64": "not*base64!",
    "no colon": base64.b64encode(b"Dpv1").decode(),
    "unknown type": to_base64("Nope", 1),
    "empty": "",
}


@pytest.mark.parametrize("global_id", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_global_id_is_bad_user_input(gql, db, market, global_id):
    for query in (NODE, DPV):
        result = await gql(query, {"id": global_id}, market.admin)
        assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}, result.errors
    listed = await gql(NODES, {"ids": [global_id]}, market.admin)
    assert listed.errors[0].extensions == {"code": "BAD_USER_INPUT"}, listed.errors


async def test_an_id_of_another_type_is_still_forbidden(gql, db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    result = await gql(DPV, {"id": gid("Lot", lots[0].id)}, market.admin)
    assert result.errors[0].extensions == {"code": "FORBIDDEN"}


# --- over HTTP: the IPA's PDF, a subscription --------------------------------------------------------------------


@pytest.mark.parametrize(
    "ipa_id",
    [
        to_base64("Ipa", 2**63),
        to_base64("Ipa", -1),
        to_base64("Ipa", "9" * 30),
        to_base64("Ipa", "1e9"),
        "bm90IGFuIGlk",
        "%00",
    ],
)
async def test_the_pdf_of_an_ipa_that_cannot_exist_is_not_found(live_server, db, market, ipa_id):
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    async with httpx.AsyncClient(base_url=live_server) as http:
        r = await http.get(f"/ipas/{ipa_id}.pdf", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404, r.text


SUBSCRIPTION = "subscription { events { cursor } }"


async def test_a_subscription_over_http_is_a_request_error(live_server, db, market):
    token = await token_for(live_server, await register(db, "wla", "wla"))
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=live_server, headers=auth) as http:
        answers = [
            await http.post("/graphql", json={"query": SUBSCRIPTION}),
            await http.post(
                "/graphql", json={"query": SUBSCRIPTION}, headers={"Accept": "application/graphql-response+json"}
            ),
            await http.get("/graphql", params={"query": SUBSCRIPTION}),
            await http.post(
                "/graphql",
                json={
                    "query": "subscription S { events { cursor } } query Q { viewer { scopes } }",
                    "operationName": "S",
                },
            ),
        ]
        for r in answers:
            assert r.status_code == 400, r.text
            assert "WebSocket" in r.text and "Unexpected" not in r.text
        still = await http.post(
            "/graphql",
            json={"query": "subscription S { events { cursor } } query Q { viewer { scopes } }", "operationName": "Q"},
        )
    assert still.status_code == 200 and still.json()["data"]["viewer"]["scopes"] == ["wla"]


# --- text longer than the data model holds ------------------------------------------------------------------------


class _OneLiteral(Visitor):
    """Replaces the `target`-th string literal of a document with `value`."""

    def __init__(self, target: int, value: str):
        super().__init__()
        self.seen, self.target, self.value = -1, target, value

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> StringValueNode | None:
        self.seen += 1
        return StringValueNode(value=self.value) if self.seen == self.target else None


async def test_text_longer_than_its_column_is_bad_input_in_every_operation(gql, db, market, world):  # noqa: F811
    """Each string literal of each operation of the authorization matrix (valid inputs, run as a caller allowed to),
    replaced by a text of 5,000 characters: kept where the model holds free text, else refused (BAD_USER_INPUT or a
    user error), never an internal error."""
    principals = {
        "wla": market.admin,
        "borough": principal_for(market.barnet, Scope.BOROUGH),
        "provider": principal_for(market.acorn, Scope.PROVIDER),
    }
    tried = 0
    for name, op in OPS.items():
        role = next((r for r in ("wla", "borough", "provider") if r in op.allowed), None)
        if role is None or op.document.startswith("subscription"):
            continue
        document = parse(op.document)
        literals = len(_string_literals(document))
        for target in range(literals):
            tried += 1
            query = print_ast(visit(document, _OneLiteral(target, "x" * 5000)))
            result = await gql(query, op.variables(world), principals[role])
            assert not any("Unexpected" in e.message for e in result.errors or []), (name, target, result.errors)
    assert tried > 30


def _string_literals(document: Any) -> list[StringValueNode]:
    found: list[StringValueNode] = []

    class Collect(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            found.append(node)

    visit(document, Collect())
    return found


@pytest.mark.parametrize(
    "mutation, field",
    [
        ('organisationCreate(input: {kind: PROVIDER, slug: "cedar-care", name: "%s"})', "name"),
        (
            'dpvCreate(input: {name: "%s", category: SEN_SCHOOLS, leadAuthorityId: "LA", '
            'legalBasis: PA_2023_DYNAMIC_MARKET, startsOn: "2025-04-01"})',
            "name",
        ),
    ],
)
async def test_a_name_over_200_characters_is_bad_input_and_200_are_kept(gql, db, market, mutation, field):
    lead = gid("LocalAuthority", market.barnet.id)
    document = "mutation { " + mutation.replace('"LA"', f'"{lead}"') + " { userErrors { code } } }"
    refused = await gql(document % ("n" * 201), None, market.admin)
    assert refused.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": field}, refused.errors
    assert "200" in refused.errors[0].message and "n" * 20 not in refused.errors[0].message
    assert await count(db, AuditEvent) == 0
    assert (await gql.ok(document % ("n" * 200), None, market.admin)) is not None
    assert await count(db, AuditEvent) == 1


# --- dates, instants and amounts the service can compute with --------------------------------------------------

KPIS = "query($p: ID!, $from: Date, $to: Date) { providerKpis(providerId: $p, from: $from, to: $to) { invitations } }"


@pytest.mark.parametrize(
    "dates",
    [
        {"to": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"to": "1899-12-31"},
        {"from": "2200-01-01", "to": "2200-01-02"},
    ],
    ids=["to year 1", "to 9999-12-31", "from year 1", "to 1899", "in 2200"],
)
async def test_a_date_out_of_the_services_range_is_bad_input(gql, db, market, dates):
    """A period of KPIs ending on 1 January of year 1 made the worker loop forever (twelve months before it);
    one ending on 31 December 9999 was an internal error."""
    result = await gql(KPIS, {"p": gid("Provider", market.acorn.id), **dates}, market.admin)
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}, result.errors
    assert "1900-01-01" in result.errors[0].message and "2199-12-31" in result.errors[0].message


async def test_the_ends_of_the_services_range_are_dates(gql, db, market):
    for dates in ({"from": "1900-01-01", "to": "1900-12-31"}, {"from": "2199-01-01", "to": "2199-12-31"}):
        data = await gql.ok(KPIS, {"p": gid("Provider", market.acorn.id), **dates}, market.admin)
        assert data == {"providerKpis": {"invitations": 0}}
    provider = gid("Provider", market.acorn.id)
    literal = await gql.ok(
        f'query {{ providerKpis(providerId: "{provider}", to: "2199-12-31") {{ invitations }} }}',
        None,
        market.admin,
    )
    assert literal == {"providerKpis": {"invitations": 0}}


async def test_a_vehicle_starting_in_year_9999_is_bad_input(gql, db, market):
    create = """mutation($lead: ID!, $on: Date!) { dpvCreate(input: {name: "X", category: SEN_SCHOOLS,
      leadAuthorityId: $lead, legalBasis: PA_2023_DYNAMIC_MARKET, startsOn: $on}) { userErrors { code } } }"""
    result = await gql(create, {"lead": gid("LocalAuthority", market.barnet.id), "on": "9999-01-01"}, market.admin)
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}, result.errors
    assert await count(db, AuditEvent) == 0


@pytest.mark.parametrize(
    "amount",
    ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+400", "1E+12", "-1000000000000", "0.00000000001", "12abc", ""],
)
async def test_an_amount_that_is_no_finite_sum_is_bad_input(gql, db, market, amount):
    _, lots = await dpv_with_lots(db, market, lots=1)
    before = await count(db, AuditEvent)
    cap = """mutation($lot: ID!, $cap: Decimal!) { lotRateCapSet(input: {lotId: $lot, financialYear: 2027,
      weeklyRateCap: $cap}) { userErrors { code } } }"""
    result = await gql(cap, {"lot": gid("Lot", lots[0].id), "cap": amount}, market.admin)
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}, result.errors
    assert await count(db, AuditEvent) == before


async def test_amounts_within_range_reach_the_rules(gql, db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    cap = """mutation($lot: ID!, $cap: Decimal!) { lotRateCapSet(input: {lotId: $lot, financialYear: 2027,
      weeklyRateCap: $cap}) { userErrors { code } } }"""
    for amount, errors in (
        ("999999999999.99", ["INVALID_RATE_CAP"]),
        ("1250.50", []),
        ("0.0000000001", ["INVALID_RATE_CAP"]),
    ):
        data = await gql.ok(cap, {"lot": gid("Lot", lots[0].id), "cap": amount}, market.admin)
        assert [e["code"] for e in data["lotRateCapSet"]["userErrors"]] == errors, amount


def test_add_months_refuses_a_year_out_of_range_instead_of_looping():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 5, 15), -12) == date(2025, 5, 15)
    for day, months in ((date(1, 1, 1), -12), (date(9999, 6, 30), 36)):
        with pytest.raises(ValueError):
            add_months(day, months)
