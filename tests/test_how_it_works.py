"""The public "how it works" page: the stages, the roles, the configured decision rule, the
agreement and the process diagram, linked from the start page and every page's footer."""

import re

import pytest
from django.urls import reverse

from organisations.models import ROLE_HINTS
from sharing_requests.choices import Section

pytestmark = pytest.mark.django_db

HOW_IT_WORKS = "/how-it-works/"


def page(client) -> str:
    response = client.get(HOW_IT_WORKS)
    assert response.status_code == 200
    return response.content.decode()


def test_how_it_works_is_public(client):
    html = page(client)
    assert '<h1 class="govuk-heading-xl">How the portal works</h1>' in html


def test_it_lists_the_seven_stages_with_links_to_their_guidance(client):
    html = page(client)
    for number, section in enumerate(Section, start=1):
        assert f'href="{reverse("guidance:stage", args=[section])}"' in html
        assert f"{number}. {section.label}" in html


def test_it_lists_every_role_in_the_words_the_role_form_uses(client):
    html = page(client)
    for role, hint in ROLE_HINTS.items():
        assert f'<th scope="row" class="govuk-table__header">{role.label}</th>' in html
        assert str(hint).replace("'", "&#x27;") in html


def rule_lines(html: str) -> list[str]:
    block = re.search(
        r'<ul class="govuk-list govuk-list--bullet" id="decision-rule">(.*?)</ul>', html, re.S
    )
    assert block, "no decision rule on the page"
    return re.findall(r"<li>(.*?)</li>", block.group(1), re.S)


def test_the_decision_rule_is_the_configured_one(client, settings):
    lines = rule_lines(page(client))
    assert "A decline by any organisation ends the review at once." in lines
    assert any("once at least 3 have" in line for line in lines)

    settings.REVIEW_RULE = {
        **settings.REVIEW_RULE,
        "decline_ends_round": False,
        "steering_quorum": 5,
    }
    lines = rule_lines(page(client))
    assert "A decline counts once every organisation has decided." in lines
    assert "A decline by any organisation ends the review at once." not in lines
    assert any("once at least 5 have" in line for line in lines)


def test_it_explains_the_agreement_and_links_the_verify_page(client):
    html = page(client)
    assert f'href="{reverse("agreements:verify")}"' in html
    assert "Check an agreement" in html


def test_the_process_diagram_is_an_accessible_image_with_a_text_equivalent(client):
    html = page(client)
    svg = re.search(r"<svg [^>]*role=\"img\"[^>]*>(.*?)</svg>", html, re.S)
    assert svg, "no diagram"
    opening = svg.group(0)[: svg.group(0).index(">") + 1]
    assert 'aria-labelledby="process-title process-desc"' in opening
    assert '<title id="process-title">' in svg.group(1)
    assert '<desc id="process-desc">' in svg.group(1)
    assert "<script" not in svg.group(1)
    steps = re.search(r'<ol class="govuk-list govuk-list--number"[^>]*>(.*?)</ol>', html, re.S)
    assert steps, "no text equivalent"
    for status in (
        "Draft",
        "In review",
        "Approved",
        "Awaiting signatures",
        "Active",
        "Changes requested",
        "Declined",
        "Expired",
        "Terminated",
    ):
        assert f">{status}</text>" in svg.group(1), status
        assert f"<strong>{status}</strong>" in steps.group(1), status
    assert "Withdrawn" in svg.group(1)
    assert "<strong>Withdrawn</strong>" in html


def test_the_start_page_links_how_it_works_and_the_guidance(client):
    html = client.get("/").content.decode()
    assert f'href="{HOW_IT_WORKS}"' in html
    assert f'href="{reverse("guidance:index")}"' in html


def test_every_pages_footer_links_how_it_works(client, member_a, client_for):
    footer = re.compile(r'<footer class="govuk-footer">.*</footer>', re.S)
    for path in ("/", "/privacy/", HOW_IT_WORKS):
        html = footer.search(client.get(path).content.decode()).group(0)
        assert f'href="{HOW_IT_WORKS}"' in html, path
        assert f'href="{reverse("guidance:index")}"' in html, path
    signed_in = client_for(member_a).get("/").content.decode()
    assert f'href="{HOW_IT_WORKS}"' in footer.search(signed_in).group(0)
