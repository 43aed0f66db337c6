"""The axe check itself: it must fail on a page with violations, or it proves nothing."""

import pytest

from tests.browser.conftest import assert_accessible, assert_no_csp_violations

pytestmark = [pytest.mark.browser]


@pytest.mark.browser
def test_assert_accessible_fails_listing_rule_impact_and_target(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en-GB"><head><title>Broken</title></head>'
        '<body><main><h1>Broken</h1><img src="data:," class="no-alt">'
        '<p style="color:#999;background:#fff">Faint text</p></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "\n    img\n" in message  # the target selector
    assert "color-contrast (serious)" in message


@pytest.mark.browser
def test_assert_accessible_passes_a_clean_page(page):
    page.set_content(
        '<!DOCTYPE html><html lang="en-GB"><head><title>Fine</title></head>'
        "<body><main><h1>Fine</h1><p>Plain text.</p></main></body></html>"
    )
    assert_accessible(page)


@pytest.mark.browser
def test_csp_violations_fail_naming_directive_and_blocked_uri_even_after_leaving_the_page(page):
    policy = "default-src 'self'; img-src 'self'"
    page.route(
        "http://csp.test/**",
        lambda route: route.fulfill(
            content_type="text/html",
            headers={"Content-Security-Policy": policy},
            body='<!DOCTYPE html><html lang="en-GB"><head><title>Strict</title></head><body>'
            '<p style="color: red">Styled</p><script>document.title = "ran";</script>'
            '<img src="https://elsewhere.test/pixel.png" alt=""></body></html>',
        ),
    )
    page.goto("http://csp.test/page")
    assert page.title() == "Strict"  # the inline script was refused
    page.goto("about:blank")
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_csp_violations(page)
    message = str(failure.value)
    assert "style-src-attr blocked inline on http://csp.test/page" in message
    assert "script-src-elem blocked inline on http://csp.test/page" in message
    assert "img-src blocked https://elsewhere.test/pixel.png" in message
    assert_no_csp_violations(page)  # each violation is reported once
