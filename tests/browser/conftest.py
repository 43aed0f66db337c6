"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
would refuse the ORM calls the tests make next to it (the live server runs in another thread
and is not affected). Hence DJANGO_ALLOW_ASYNC_UNSAFE, set before Django is used.
"""

import os
import re

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from pytest_django.live_server_helper import LiveServer  # noqa: E402

from organisations.demo import DEMO_PASSWORD  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",  # Debian's Chromium running as root
    "--disable-gpu",
    # A closed network: no update checks, field trials or sync for Chromium to wait on.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# WCAG 2.2 AA (every A and AA rule up to 2.2) plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

# How long a page or an element gets to appear before the test fails (a loaded machine is slow).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

_axe = Axe()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with a MEDIA_URL it can parse.

    The portal sets MEDIA_URL = None (documents are served only through permission-checked
    views), but Django's LiveServerThread wraps every request in a media-files handler that
    calls urlparse(MEDIA_URL): with None, every page that is not a static file answers 500.
    The handler reads the setting once, when the server thread starts, so it is overridden
    only for that moment. Nothing is ever stored under this URL.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="/live-server-media-unused/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _browser_launcher():
    """One Chromium for the whole run, started the first time a test needs it."""
    state: dict = {}

    def launch(executable_path: str) -> Browser:
        if "browser" not in state:
            state["playwright"] = sync_playwright().start()
            state["browser"] = state["playwright"].chromium.launch(
                executable_path=executable_path, args=CHROMIUM_ARGS
            )
        return state["browser"]

    yield launch
    if "browser" in state:
        state["browser"].close()
        state["playwright"].stop()


@pytest.fixture
def browser(_browser_launcher, chromium_path) -> Browser:
    """The session's Chromium; skipped (failed in CI) where Chromium is not installed."""
    return _browser_launcher(chromium_path)


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (no shared cookies): new_page(**context_options)."""
    contexts = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(locale="en-GB", **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def demo_data(transactional_db):
    """The Greater Manchester demo data, in the database the live server reads."""
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD


def assert_accessible(page: Page) -> None:
    """Run axe on the page as it is now; fail listing every WCAG 2.2 AA violation."""
    # Without its stylesheet a page has no colours to check: make that a failure, not a pass.
    styled = page.evaluate(
        """() => [...document.querySelectorAll('link[rel="stylesheet"]')]
            .every((link) => link.sheet && link.sheet.cssRules.length > 0)"""
    )
    assert styled, f"A stylesheet did not load on {page.url}"
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    pytest.fail("\n".join(lines), pytrace=False)


def assert_accessible_without_javascript(page: Page, checker: Page) -> None:
    """Run axe on what a browser without JavaScript shows: `page` has JavaScript switched off.

    axe itself needs JavaScript (its promises never settle in such a page), so the page's HTML
    is served, with every script taken out, at the same address to `checker`, a page that
    has JavaScript: it gets the same stylesheet and the same no-JavaScript markup.
    """
    html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.DOTALL | re.IGNORECASE)
    url = page.url
    checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    try:
        checker.goto(url)
        # The page's inline script would have marked the body if any script had run.
        assert not checker.evaluate("document.body.classList.contains('js-enabled')")
        assert_accessible(checker)
    finally:
        checker.unroute(url)


def sign_in(page: Page, live_server, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real sign-in form and wait for the page it leads to."""
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
