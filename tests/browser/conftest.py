"""Browser tests: real headless Chromium (Debian's, through Playwright) against a live server.

Playwright's own browser download is not used: `.ci/run` installs Debian's
`chromium` when it is missing, and the tests launch it from CHROMIUM_PATH
(default /usr/bin/chromium). A failing test leaves a full-page screenshot in
`test-artifacts/` for whoever reads the CI log.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _sync_django_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in the test's thread; the live server and
    the test's database work are ordinary synchronous Django: allowed for these tests only
    (never in a deployment — `check --deploy` refuses the variable)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(_sync_django_beside_playwright):
    # One Chromium per test: started after the database is set up, and gone with the
    # test, so no event loop outlives it.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def login(page, live_server):
    """Log in through the login page, as a person would."""

    def _login(username: str, password: str = "pw"):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        return page

    return _login
