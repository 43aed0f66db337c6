"""Guidance on the seven ISF stages: public pages, one per stage, linked from where people
answer the stage's questions."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from sharing_requests.choices import Section
from sharing_requests.views.guidance import ICO_GUIDANCE

from .conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(member_a) -> Client:
    client = Client()
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    return client


def stage_url(section) -> str:
    return reverse("guidance:stage", args=[section])


def test_guidance_index_is_public_and_links_every_stage(client):
    response = client.get(reverse("guidance:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for section in Section:
        assert f'href="{stage_url(section)}"' in html
        assert str(section.label) in html


@pytest.mark.parametrize("section", list(Section))
def test_each_stage_page_is_public_with_its_four_parts(client, section):
    response = client.get(stage_url(section))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{list(Section).index(section) + 1}. {section.label}</h1>" in html
    for heading in (
        "What this stage is for",
        "What a good answer looks like",
        "The law in plain English",
        "Common mistakes",
        "Read more from the ICO",
    ):
        assert f">{heading}</h2>" in html, heading


@pytest.mark.parametrize("section", list(Section))
def test_each_stage_page_links_its_ico_guidance(client, section):
    html = client.get(stage_url(section)).content.decode()
    links = ICO_GUIDANCE[section]
    assert links, f"{section} has no ICO guidance"
    for title, href in links:
        assert href.startswith("https://ico.org.uk/")
        assert f'href="{href}"' in html
        assert str(title) in html


def test_stage_pages_link_their_neighbours_and_mark_the_current_stage(client):
    html = client.get(stage_url(Section.WHO)).content.decode()
    assert re.search(rf'href="{stage_url(Section.NEEDS)}" rel="prev"', html)
    assert re.search(rf'href="{stage_url(Section.PRACTICAL)}" rel="next"', html)
    assert '<strong aria-current="page">3. Who</strong>' in html
    first = client.get(stage_url(Section.PURPOSE)).content.decode()
    assert 'rel="prev"' not in first
    last = client.get(stage_url(Section.EXIT)).content.decode()
    assert 'rel="next"' not in last


def test_an_unknown_stage_is_404(client):
    assert client.get(reverse("guidance:stage", args=["nonsense"])).status_code == 404
    # A template of the guidance folder that is not a stage is not served as one.
    assert client.get(reverse("guidance:stage", args=["layout"])).status_code == 404


def test_the_task_list_links_the_guidance(proposal, lead):
    html = lead.get(url("detail", proposal)).content.decode()
    assert f'href="{reverse("guidance:index")}"' in html


def test_a_partner_reading_the_proposal_finds_how_the_portal_works(proposal, client_for, partner_b):
    html = client_for(partner_b).get(url("detail", proposal)).content.decode()
    assert f'href="{reverse("how-it-works")}"' in html


@pytest.mark.parametrize("section", list(Section))
def test_each_section_page_links_its_stage_guidance(proposal, lead, section):
    html = lead.get(url("section", proposal, section)).content.decode()
    assert f'href="{stage_url(section)}"' in html
    assert "Guidance on this stage (opens in new tab)" in html


@pytest.mark.parametrize(
    ("page", "section"),
    [
        (url_name, section)
        for url_name, section in (
            ("purpose-edit", Section.PURPOSE),
            ("outcome-add", Section.PURPOSE),
            ("vision", Section.PURPOSE),
            ("needs-edit", Section.NEEDS),
            ("dataitem-add", Section.NEEDS),
            ("participant-add", Section.WHO),
            ("screening", Section.PRACTICAL),
            ("action-add", Section.PRACTICAL),
            ("how-edit", Section.HOW),
            ("review-edit", Section.REVIEW),
            ("exit-edit", Section.EXIT),
        )
    ],
)
def test_each_question_page_links_its_stage_guidance(proposal, lead, page, section):
    response = lead.get(url(page, proposal))
    assert response.status_code == 200
    assert f'href="{stage_url(section)}"' in response.content.decode()
