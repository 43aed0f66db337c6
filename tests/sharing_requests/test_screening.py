"""The DPIA screening outcome, and the warning when a public authority picks Art 6(1)(f)."""

import pytest
from django.test import Client

from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.completeness import dpia_outcome, section_problems
from sharing_requests.models import LawfulBasis, Participant, Proposal

from .conftest import fresh, invite, url

pytestmark = pytest.mark.django_db

PUBLIC_AUTHORITY_WARNING = "is a public authority: legitimate interests (f) is not available"


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def screened(*indicators, screened=True) -> Proposal:
    return Proposal(dpia_screened=screened, dpia_indicators=list(indicators))


# --- The outcome ----------------------------------------------------------------------------
def test_not_screened_has_no_outcome():
    assert dpia_outcome(screened("matching", screened=False)) == {
        "screened": False,
        "required": None,
        "reasons": [],
    }


@pytest.mark.parametrize(
    "indicator, label",
    [
        ("automated_decisions", "Automated decisions or profiling"),
        ("large_scale_sensitive", "Special category or criminal offence data on a large scale"),
        ("matching", "Matching, combining or comparing data sets"),
        ("denial_of_service", "helps decide whether someone gets a service"),
    ],
)
def test_a_decisive_indicator_alone_requires_a_dpia(indicator, label):
    outcome = dpia_outcome(screened(indicator))
    assert outcome["required"] is True
    assert len(outcome["reasons"]) == 1 and label in outcome["reasons"][0]
    assert outcome["explanation"].startswith("A DPIA is required because of:")
    assert label in outcome["explanation"]


def test_two_non_decisive_indicators_require_a_dpia():
    outcome = dpia_outcome(screened("vulnerable", "large_scale"))
    assert outcome["required"] is True
    assert "two or more high-risk indicators apply" in outcome["explanation"]
    assert "Children or other vulnerable people" in outcome["explanation"]
    assert "Large scale" in outcome["explanation"]


def test_one_non_decisive_indicator_does_not_require_a_dpia_and_names_it():
    outcome = dpia_outcome(screened("vulnerable"))
    assert outcome["required"] is False
    assert outcome["explanation"] == (
        "A DPIA is not required: only one high-risk indicator applies "
        "(Children or other vulnerable people)."
    )


def test_no_indicator_does_not_require_a_dpia():
    outcome = dpia_outcome(screened())
    assert outcome["required"] is False
    assert (
        outcome["explanation"] == "A DPIA is not required: none of the high-risk indicators apply."
    )


def test_screening_through_the_pages_shows_the_outcome_and_why(proposal, member_a, partner_b):
    client = browser(member_a)
    response = client.post(
        url("screening", proposal), {"indicators": ["vulnerable", "tracking"], "revision": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == url("screening-outcome", proposal)
    p = fresh(proposal)
    assert p.dpia_screened is True
    assert sorted(p.dpia_indicators) == ["tracking", "vulnerable"]

    for person in (member_a, partner_b):
        html = browser(person).get(url("screening-outcome", proposal)).content.decode()
        assert "A DPIA is required because two or more high-risk indicators apply" in html
        assert "Tracking people&#x27;s location or behaviour" in html


def test_none_of_these_screens_with_no_indicators(proposal, member_a):
    response = browser(member_a).post(
        url("screening", proposal), {"indicators": ["none"], "revision": ""}
    )
    assert response.status_code == 302
    p = fresh(proposal)
    assert p.dpia_screened is True and p.dpia_indicators == []
    html = browser(member_a).get(url("screening-outcome", proposal)).content.decode()
    assert "none of the high-risk indicators apply" in html


# --- Art 6(1)(f) for a public authority -----------------------------------------------------
def lead_basis_url(proposal):
    lead = Participant.objects.get(proposal=proposal, is_lead=True)
    return url("lawful-basis", proposal, lead.pk, "disclosing")


def test_a_public_authority_choosing_legitimate_interests_is_warned_but_not_blocked(
    complete_proposal, member_a, org_a
):
    p = complete_proposal
    client = browser(member_a)

    response = client.post(lead_basis_url(p), {"article6": "f"}, follow=True)

    assert response.status_code == 200
    assert PUBLIC_AUTHORITY_WARNING in response.content.decode()  # the message after saving
    basis = LawfulBasis.objects.get(participant__proposal=p, participant__is_lead=True)
    assert basis.article6 == "f"
    assert PUBLIC_AUTHORITY_WARNING in client.get(lead_basis_url(p)).content.decode()
    check = client.get(url("check", p)).content.decode()
    assert f"{org_a.name} {PUBLIC_AUTHORITY_WARNING}" in check
    assert "govuk-warning-text" in check
    assert section_problems(fresh(p), Section.PRACTICAL) == []

    assert client.post(url("submit", p)).url == url("submitted", p)
    assert fresh(p).status == ProposalStatus.IN_REVIEW


def test_a_body_that_is_not_a_public_authority_is_not_warned(complete_proposal, member_a, org_c):
    p = complete_proposal
    party = invite(p, org_c, by=member_a, role="provider", email="contact@ch.example")
    services.lawful_basis_save(
        proposal=p,
        instance=LawfulBasis(participant=party, direction="disclosing"),
        data={"article6": "f"},
        by=member_a,
    )
    html = browser(member_a).get(url("check", p)).content.decode()
    assert PUBLIC_AUTHORITY_WARNING not in html


# --- What the data items already show (issue #12 item 8) ------------------------------------
SENSITIVE = "Special category, criminal offence or other highly personal data"


def with_item(proposal, by, **fields):
    from sharing_requests.examples import DATA_ITEM
    from sharing_requests.models import DataItem

    return DataItem.objects.create(proposal=proposal, **{**DATA_ITEM, **fields})


@pytest.mark.parametrize("category", ["criminal", "special"])
def test_none_of_these_is_refused_when_the_data_items_are_sensitive(proposal, member_a, category):
    with_item(proposal, member_a, name="Offending history", category=category)
    response = browser(member_a).post(
        url("screening", proposal), {"indicators": ["none"], "revision": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Offending history" in html
    p = fresh(proposal)
    assert p.dpia_screened is False


def test_the_screening_pre_ticks_what_the_data_items_show(proposal, member_a):
    with_item(proposal, member_a, name="Diagnoses", category="personal", is_health_or_care=True)
    html = browser(member_a).get(url("screening", proposal)).content.decode()
    box = html.split('value="sensitive"', 1)[1].split(">", 1)[0]
    assert "checked" in box
    assert "Diagnoses" in html  # says why it is ticked
    response = browser(member_a).post(
        url("screening", proposal), {"indicators": ["sensitive", "tracking"], "revision": ""}
    )
    assert response.status_code == 302
    assert fresh(proposal).dpia_indicators == ["sensitive", "tracking"]


def test_a_screening_the_items_later_contradict_is_not_complete(proposal, member_a):
    browser(member_a).post(url("screening", proposal), {"indicators": ["none"], "revision": ""})
    assert fresh(proposal).dpia_screened is True
    with_item(proposal, member_a, name="Convictions", category="criminal")
    problems = section_problems(fresh(proposal), Section.PRACTICAL)
    problems = " ".join(str(p.message) for p in problems)
    assert "DPIA screening" in problems and "Convictions" in problems
