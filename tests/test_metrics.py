"""GET /metrics (issue 21 item 1), from `dpv serve --workers 2`: not for the public (anonymous 401, a borough's token
403), the alliance's token or the scrape secret see every named metric with values, and one scrape adds up what
both workers counted (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid

import httpx
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport
from prometheus_client.parser import text_string_to_metric_families

from api.web.metrics import operation_of
from auth.clients import register_client_as_system
from tests.test_cli import ROOT, _free_port, _stop, _wait_ready

REQUESTS = 24
DPVS = "{ dpvs(first: 5) { nodes { name lots(first: 5) { nodes { code } } } } }"
PUBLISHED = gql("subscription { requirementPublished { cursor } }")


def samples(body: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each sample's name -> its (labels, value)."""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return sum(v for ls, v in found.get(name, []) if all(ls.get(k) == w for k, w in labels.items()))


def test_the_operation_is_a_root_field_of_the_schema():
    roots = frozenset({"dpvs", "node", "requirementPublish"})
    assert operation_of("{ dpvs(first: 1) { nodes { name } } }", None, roots) == "dpvs"
    assert operation_of("query Mine { all: dpvs { nodes { name } } }", "Mine", roots) == "dpvs"
    doc = "query A { node(id: 1) { id } } mutation B($x: ID!) { requirementPublish(input: {}) { x } }"
    assert operation_of(doc, "B", roots) == "requirementPublish"
    assert operation_of("{ whatever { x } }", None, roots) == "other"  # a client's own name never becomes a label
    assert operation_of(None, None, roots) == "other"


async def test_metrics_from_two_workers_for_the_alliance_only(database_url, db, market):
    credentials = {}
    async with db.transaction() as s:
        for slug, scopes in (("wla", "wla"), ("barnet", "borough"), ("acorn-fostering", "provider")):
            reg = await register_client_as_system(s, "metrics", organisation_slug=slug, scopes=scopes)
            credentials[slug] = (reg.client.client_id, reg.client_secret)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    secret = "scrape-" + uuid.uuid4().hex
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DPV_ISSUER": base,
        "DPV_SECRET_KEY": "metrics-" + uuid.uuid4().hex,
        "DPV_METRICS_TOKEN": secret,
    }
    for name in ("TEST_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"):  # dpv serve makes the workers' directory
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    listening = None
    try:
        await asyncio.to_thread(_wait_ready, port, server)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            tokens = {}
            for slug, pair in credentials.items():
                r = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=pair)
                tokens[slug] = r.json()["access_token"]

            # Not public
            assert (await http.get("/metrics")).status_code == 401
            assert (await http.get("/metrics", headers={"Authorization": "Bearer not-a-token"})).status_code == 401
            borough = await http.get("/metrics", headers={"Authorization": f"Bearer {tokens['barnet']}"})
            assert borough.status_code == 403

            async def scrape(token: str) -> dict:
                r = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, r.text
                assert r.headers["content-type"].startswith("text/plain")
                return samples(r.text)

            before = await scrape(secret)

        # A few requests, each on a connection of its own, so that the kernel hands them to both workers
        async def one(i: int) -> None:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                headers = {"Authorization": f"Bearer {tokens['barnet']}"} if i % 2 else {}
                r = await client.post("/graphql", headers=headers, json={"query": DPVS})
                assert r.status_code == 200 and "errors" not in r.json(), r.text

        await asyncio.gather(*(one(i) for i in range(REQUESTS)))

        # A provider's subscription, on one of the workers
        async def subscribe() -> None:
            transport = WebsocketsTransport(
                url=base.replace("http", "ws") + "/graphql",
                init_payload={"authorization": f"Bearer {tokens['acorn-fostering']}"},
                subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            )
            async with Client(transport=transport) as session:
                async for _ in session.subscribe(GraphQLRequest(PUBLISHED)):
                    pass

        listening = asyncio.create_task(subscribe())
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            deadline = time.monotonic() + 60
            while True:  # the gauges of the worker holding it, seen from whichever worker is scraped
                found = await scrape(tokens["wla"])
                if value(found, "dpv_subscriptions") == 1 and len(found.get("dpv_event_stream_lag", [])) == 2:
                    break
                assert not listening.done(), listening
                assert time.monotonic() < deadline, (found.get("dpv_subscriptions"), found.get("dpv_event_stream_lag"))
                await asyncio.sleep(0.1)

        # Every request counted once, whichever worker answered it and whichever answers the scrape
        counted = value(found, "dpv_requests_total", operation="dpvs", outcome="ok") - value(
            before, "dpv_requests_total", operation="dpvs", outcome="ok"
        )
        assert counted == REQUESTS
        assert value(found, "dpv_request_duration_seconds_count", operation="dpvs", outcome="ok") >= REQUESTS
        assert value(found, "dpv_request_duration_seconds_sum", operation="dpvs") > 0
        assert value(found, "dpv_requests_total", operation="/oauth/token", outcome="2xx") >= 3
        assert value(found, "dpv_requests_total", operation="/metrics", outcome="4xx") >= 3
        assert value(found, "dpv_query_cost_count", operation="dpvs") >= REQUESTS
        assert value(found, "dpv_query_cost_sum", operation="dpvs") > 0
        assert value(found, "dpv_statements_per_request_count", operation="dpvs") >= REQUESTS
        assert value(found, "dpv_statements_per_request_sum", operation="dpvs") >= REQUESTS
        assert value(found, "dpv_db_pool_wait_seconds_count") > 0
        assert value(found, "dpv_db_pool_size") >= 2 * 20  # both workers' pools (the default size)
        assert "dpv_db_pool_connections_in_use" in found
        assert value(found, "dpv_websocket_connections") == 1
        # both workers' hubs: the one with the subscriber has read the stream up to its head
        pids = {labels["pid"] for labels, _ in found["dpv_event_stream_lag"]}
        assert len(pids) == 2 and all(v >= 0 for _, v in found["dpv_event_stream_lag"])
        assert "dpv_event_stream_head_id" in found
        for state in ("due", "overdue", "failed"):
            assert [v for ls, v in found["dpv_timers"] if ls["state"] == state] == [0]
    finally:
        if listening is not None:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
        print(_stop(server))  # the server's log, shown when the test fails
