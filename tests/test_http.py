"""The running application over real HTTP: health, readiness, GraphQL transport rules, anonymous access."""

from __future__ import annotations

import httpx


async def test_healthz_and_readyz(live_server, db):
    async with httpx.AsyncClient(base_url=live_server) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_readyz_is_503_when_the_schema_is_behind(live_server, db):
    from sqlalchemy import text

    async with db.transaction() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        async with httpx.AsyncClient(base_url=live_server) as client:
            r = await client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "migrating"
    finally:
        from api.core.migrate import head_revision

        async with db.transaction() as s:
            await s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})


async def test_anonymous_reads_public_vehicles_over_http(live_server, db, market):
    from tests.factories import dpv_with_lots

    await dpv_with_lots(db, market, lots=2)
    query = "{ dpvs(first: 10) { totalCount nodes { name lots(first: 20) { nodes { code weeklyRateCap } } } } }"
    async with httpx.AsyncClient(base_url=live_server) as client:
        r = await client.post(
            "/graphql", json={"query": query}, headers={"Accept": "application/graphql-response+json"}
        )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    body = r.json()
    assert "errors" not in body
    dpv = body["data"]["dpvs"]["nodes"][0]
    assert [lot["code"] for lot in dpv["lots"]["nodes"]] == ["L1", "L2"]
    assert dpv["lots"]["nodes"][0]["weeklyRateCap"] == "1000.00"


async def test_anonymous_cannot_change_or_read_private_data(live_server, db, market):
    async with httpx.AsyncClient(base_url=live_server) as client:
        r = await client.post(
            "/graphql",
            json={
                "query": "mutation { organisationCreate(input: {kind: PROVIDER, "
                'slug: "x", name: "X"}) { userErrors { code } } }'
            },
        )
        body = r.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert body["data"] is None
        r = await client.post("/graphql", json={"query": "{ providers(first: 5) { totalCount } }"})
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with db.session() as s:
        from sqlalchemy import func, select

        from api.market.models import Organisation

        assert (await s.execute(select(func.count()).select_from(Organisation))).scalar_one() == 5


async def test_mutations_are_refused_over_get_and_graphiql_is_served(live_server, db):
    async with httpx.AsyncClient(base_url=live_server) as client:
        r = await client.get("/graphql", params={"query": "mutation { __typename }"})
        assert r.status_code in (400, 405)
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_validation_errors_are_shown_and_internal_ones_masked(live_server, db):
    async with httpx.AsyncClient(base_url=live_server) as client:
        r = await client.post("/graphql", json={"query": "{ dpvs { nope } }"})
        assert "nope" in r.json()["errors"][0]["message"]
        r = await client.post("/graphql", json={"query": "{ dpvs(first: 500) { totalCount } }"})
        error = r.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "100" in error["message"]


async def test_request_errors_are_400_without_data_for_graphql_response_json(live_server, db):
    headers = {"Accept": "application/graphql-response+json"}
    variables = {"query": "query($first: Int!) { dpvs(first: $first) { totalCount } }", "variables": {"first": "x"}}
    async with httpx.AsyncClient(base_url=live_server) as client:
        for body in ({"query": "{ dpvs {"}, {"query": "{ nope }"}, variables):  # parse, validation, coercion
            r = await client.post("/graphql", json=body, headers=headers)
            assert r.status_code == 400 and "data" not in r.json() and r.json()["errors"], r.text
            assert r.headers["content-length"] == str(len(r.content))
        executed = await client.post("/graphql", json={"query": "{ dpvs(first: 500) { totalCount } }"}, headers=headers)
        assert executed.status_code == 200 and executed.json()["data"] is None  # a field error: execution ran
        classic = await client.post("/graphql", json={"query": "{ nope }"})
        assert classic.status_code == 200 and classic.headers["content-type"].startswith("application/json")
        assert classic.json()["data"] is None


async def test_deep_and_alias_heavy_queries_are_refused(live_server, db):
    deep = "{ dpvs { nodes { " + "lots { nodes { dpv { " * 5 + "name" + " } } }" * 5 + " } } }"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ scopes }}" for i in range(40)) + " }"
    async with httpx.AsyncClient(base_url=live_server) as client:
        for query, words in [(deep, "depth"), (aliases, "alias")]:
            errors = (await client.post("/graphql", json={"query": query})).json()["errors"]
            assert words in errors[0]["message"].lower()
