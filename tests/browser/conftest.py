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


# Records every Content-Security-Policy violation from a document's first byte: in the page
# (window.__cspViolations) and, through a binding, in the test, so a violation on a page the
# test has already left is not lost.
_CSP_LISTENER = """(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        const violation = `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}` +
            ` on ${event.documentURI}` + (event.sample ? ` (${event.sample})` : "") +
            (event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : "");
        window.__cspViolations.push(violation);
        if (window.__reportCspViolation) window.__reportCspViolation(violation);
    }, true);
})();"""


def _record_csp_console_message(context, message) -> None:
    # Chromium also writes each violation to the console: the record when scripts are off.
    if "Content Security Policy" in message.text:
        context._csp_violations.append(f"console: {message.text}")


def _fail_on_csp_violations(violations: list[str]) -> None:
    if violations:
        seen = list(dict.fromkeys(violations))
        violations.clear()  # reported once, not again when the test ends
        lines = [f"{len(seen)} Content-Security-Policy violation(s):"] + [f"- {v}" for v in seen]
        pytest.fail("\n".join(lines), pytrace=False)


def assert_no_csp_violations(page: Page) -> None:
    """Fail naming the directive and blocked address of every violation the page's context saw."""
    _fail_on_csp_violations(getattr(page.context, "_csp_violations", []))


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (no shared cookies): new_page(**context_options).

    Every page records Content-Security-Policy violations; one seen during the test fails it.
    """
    contexts = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(locale="en-GB", **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        context._csp_violations = []
        context.expose_binding(
            "__reportCspViolation", lambda source, text: context._csp_violations.append(text)
        )
        context.add_init_script(_CSP_LISTENER)
        context.on("console", lambda message: _record_csp_console_message(context, message))
        contexts.append(context)
        return context.new_page()

    yield open_page
    violations = [v for context in contexts for v in context._csp_violations]
    for context in contexts:
        context.close()
    _fail_on_csp_violations(violations)


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


# WCAG 2.2's reflow criterion (1.4.10): at 320 CSS pixels wide (a 1280-pixel window at 400 %
# zoom) nothing scrolls sideways but a region of its own, such as a wide table's.
REFLOW_WIDTH = 320

# The elements that stick out past the window's right edge, innermost first, skipping those
# inside a region that scrolls (or clips) sideways by itself.
_OVERFLOWING = """() => {
    const width = window.innerWidth;
    const sticksOut = (element) => element.getBoundingClientRect().right > width + 0.5;
    // Clipped by an ancestor that scrolls, as far as offsetParent can tell (an absolutely
    // positioned element escapes a scrolling ancestor that is not positioned). The page
    // itself (html and body) does not count: GOV.UK sets overflow-y on html.
    const clipped = (element) => {
        const start = getComputedStyle(element).position === "absolute"
            ? element.offsetParent : element.parentElement;
        for (let up = start; up && up !== document.body; up = up.parentElement) {
            const overflow = getComputedStyle(up).overflowX;
            if (overflow !== "visible") return true;
        }
        return false;
    };
    const found = [];
    for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 0.5 || clipped(element)) continue;
        if ([...element.children].some(sticksOut)) continue;
        const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
            [...element.classList].map((c) => "." + c).join("");
        found.push(`${name} (right edge ${Math.round(box.right)}px): ` +
            (element.textContent || "").trim().slice(0, 60));
    }
    return {scrollWidth: document.documentElement.scrollWidth, width, found: found.slice(0, 10)};
}"""


def assert_reflows(page: Page) -> None:
    """At a 320-pixel-wide viewport the page does not scroll sideways; the size is restored."""
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"] if size else 720})
    try:
        result = page.evaluate(_OVERFLOWING)
    finally:
        if size:
            page.set_viewport_size(size)
    if result["scrollWidth"] <= result["width"]:
        return
    lines = [
        f"{page.url} scrolls sideways at {REFLOW_WIDTH}px wide: "
        f"{result['scrollWidth']}px of content in a {result['width']}px window. Sticking out:"
    ]
    lines += [f"- {element}" for element in result["found"]]
    pytest.fail("\n".join(lines), pytrace=False)


def assert_accessible(page: Page) -> None:
    """Run axe on the page as it is now; fail listing every WCAG 2.2 AA violation.

    The page is also checked to reflow at a 320-pixel-wide viewport (assert_reflows) and to
    have reported no Content-Security-Policy violation (assert_no_csp_violations).
    """
    assert_no_csp_violations(page)
    # Without its stylesheet a page has no colours to check: make that a failure, not a pass.
    styled = page.evaluate(
        """() => [...document.querySelectorAll('link[rel="stylesheet"]')]
            .every((link) => link.sheet && link.sheet.cssRules.length > 0)"""
    )
    assert styled, f"A stylesheet did not load on {page.url}"
    assert_reflows(page)
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
