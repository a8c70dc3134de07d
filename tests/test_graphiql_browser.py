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


async def test_an_admin_signs_in_runs_a_query_and_sees_data(browser, live_server, db, market):
    from tests.factories import dpv_with_lots

    await dpv_with_lots(db, market, lots=2, name="WLA Independent Fostering Agency DPV")
    async with db.transaction() as s:
        from auth.users import create_user_as_system

        await create_user_as_system(s, "test", organisation_slug="wla", email="admin@wla.test",
                                    scopes="wla wla:safeguarding", password="correct horse battery staple")
    page = await browser.new_page()
    await page.goto(f"{live_server}/graphql")
    await page.click("#signin-button")
    await page.wait_for_selector("input[name=email]", timeout=15000)  # the service's own sign-in page
    await page.fill("input[name=email]", "admin@wla.test")
    await page.fill("input[name=password]", "correct horse battery staple")
    await page.click("button[type=submit]")

    await page.wait_for_selector(".graphiql-container", timeout=20000)
    await page.wait_for_function("document.querySelector('#who').textContent.includes('wla')", timeout=15000)
    assert "wla:safeguarding" in await page.text_content("#who")
    assert "code=" not in page.url  # the code was exchanged and dropped from the address bar
    assert await page.evaluate("sessionStorage.getItem('access_token')")

    # run the default query with the toolbar's run button and read the answer pane
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "document.querySelector('.graphiql-response') && "
        "document.querySelector('.graphiql-response').innerText.includes('WLA Independent Fostering Agency DPV')",
        timeout=20000)
    response = await page.inner_text(".graphiql-response")
    assert '"slug": "wla"' in response and '"weeklyRateCap": "1000.00"' in response
    await page.screenshot(path=str(__import__("pathlib").Path(__import__("tempfile").gettempdir()) / "graphiql.png"))
    await page.close()
