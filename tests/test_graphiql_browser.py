"""GraphiQL in a real headless Chromium (Debian's `chromium`): the page, its own assets, and signing in.

CI installs Chromium (.ci/run); on a developer machine without it these tests are skipped, and in CI a
missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium package (see .ci/run)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        await b.close()


async def test_graphiql_page_loads_its_own_assets_and_offers_sign_in(browser, live_server, db, market):
    page = await browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    await page.goto(f"{live_server}/graphql")
    await page.wait_for_selector("#signin-button", state="visible", timeout=15000)
    assert await page.evaluate("typeof GraphiQL") == "function"
    assert failed == []
    requested_hosts = await page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(requested_hosts) <= {live_server.split("//", 1)[1]}, "no third-party assets on an admin page"
    await page.close()
