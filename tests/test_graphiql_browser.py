"""GraphiQL in a real headless Chromium (Debian's `chromium`): the page, its own assets, and signing in.

CI installs Chromium (.ci/run); on a developer machine without it these tests are skipped, and in CI a
missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

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


# Every Content-Security-Policy violation on the page (a blocked script, style, font, image or connection) is sent
# to the test by the browser itself, across navigations. Playwright's string predicates (`wait_for_function`) are
# evaluated with eval, which the page's policy refuses: waits here go through selectors and `expect`.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  window.reportCspViolation(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));"""


async def watched_page(browser) -> tuple[Any, list[str]]:
    """A new page whose CSP violations, refused requests and console errors are collected."""
    page = await browser.new_page()
    problems: list[str] = []
    await page.expose_function("reportCspViolation", lambda text: problems.append(f"CSP violation: {text}"))
    await page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    return page, problems


def assert_strict_policy(headers: dict[str, str]) -> None:
    policy = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and "form-action" in policy
    assert "'unsafe-inline'" not in policy.get("script-src", []) + policy.get("style-src", [])
    assert "'unsafe-eval'" not in policy.get("script-src", [])
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


async def test_graphiql_page_loads_its_own_assets_and_offers_sign_in(browser, live_server, db, market):
    page, problems = await watched_page(browser)
    response = await page.goto(f"{live_server}/graphql")
    assert_strict_policy(await response.all_headers())
    await page.wait_for_selector("#signin-button", state="visible", timeout=15000)
    assert await page.evaluate("typeof GraphiQL") == "function"
    assert await page.is_hidden("#signout"), "signed out: no Sign out bar"
    requested_hosts = await page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(requested_hosts) <= {live_server.split("//", 1)[1]}, "no third-party assets on an admin page"
    assert problems == []
    await page.close()


async def test_an_admin_signs_in_runs_a_query_and_sees_data(browser, live_server, db, market):
    from playwright.async_api import expect

    from tests.factories import dpv_with_lots

    await dpv_with_lots(db, market, lots=2, name="WLA Independent Fostering Agency DPV")
    async with db.transaction() as s:
        from auth.users import create_user_as_system

        await create_user_as_system(
            s,
            "test",
            organisation_slug="wla",
            email="admin@wla.test",
            scopes="wla wla:safeguarding",
            password="correct horse battery staple",
        )
    page, problems = await watched_page(browser)
    await page.goto(f"{live_server}/graphql")
    await page.click("#signin-button")
    await page.wait_for_selector("input[name=email]", timeout=15000)  # the service's own sign-in page
    await page.fill("input[name=email]", "admin@wla.test")
    await page.fill("input[name=password]", "correct horse battery staple")
    await page.click("button[type=submit]")

    await page.wait_for_selector(".graphiql-container", timeout=20000)
    await expect(page.locator("#who")).to_contain_text("wla", timeout=15000)
    assert "wla:safeguarding" in await page.text_content("#who")
    assert "code=" not in page.url  # the code was exchanged and dropped from the address bar
    assert await page.evaluate("sessionStorage.getItem('access_token')")

    # run the default query with the toolbar's run button and read the answer pane
    await page.click(".graphiql-execute-button")
    await expect(page.locator(".graphiql-response")).to_contain_text(
        "WLA Independent Fostering Agency DPV", timeout=20000
    )
    response = await page.inner_text(".graphiql-response")
    assert '"slug": "wla"' in response and '"weeklyRateCap": "1000.00"' in response

    # signed in, GraphiQL may introspect, so it autocompletes: a new line in the editor, "dp", and `dpvs` is offered
    await page.click(".graphiql-query-editor .CodeMirror-line >> nth=1")
    await page.keyboard.press("End")
    await page.keyboard.press("Enter")
    await page.keyboard.type("dp")
    await page.keyboard.press("Control+Space")
    await expect(page.locator(".CodeMirror-hints").first).to_contain_text("dpvs", timeout=15000)
    await page.keyboard.press("Escape")
    # ... and its documentation explorer shows the schema's root types
    await page.click("button[aria-label='Show Documentation Explorer']")
    await expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query", timeout=15000)
    await page.click(".graphiql-doc-explorer a:has-text('Query')")
    await expect(page.locator(".graphiql-doc-explorer")).to_contain_text("dpvs", timeout=15000)
    # a dialog adds a <style> element at run time (react-style-singleton): it takes the page's nonce
    await page.click("button[aria-label='Open settings dialog']")
    await page.wait_for_selector(".graphiql-dialog", timeout=15000)
    styles = await page.evaluate("[...document.querySelectorAll('head style')].map(s => Boolean(s.nonce))")
    assert styles and all(styles)
    await page.keyboard.press("Escape")
    await page.screenshot(path=str(__import__("pathlib").Path(__import__("tempfile").gettempdir()) / "graphiql.png"))
    assert problems == []
    await page.close()
