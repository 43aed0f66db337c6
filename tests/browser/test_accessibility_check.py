"""The axe check itself: it must fail on a page with violations, or it proves nothing."""

import pytest

from tests.browser.conftest import assert_accessible

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
