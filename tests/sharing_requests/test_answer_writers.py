"""The answers summary's and the timeline's rows written in Python (templatetags/proposals.py):
what people typed comes out escaped, and each row says what the template said."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from organisations.models import Organisation, User
from sharing_requests.choices import Direction
from sharing_requests.models import (
    Action,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    ProposalEvent,
)
from sharing_requests.templatetags.proposals import basis_rows, party_summaries, timeline_rows

from .conftest import fill, url

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PROPOSAL = Proposal(pk=7, reference="ISF-2026-0007")


def _party(pk, name, *, lead=False, role="provider", controller_role="controller"):
    return Participant(
        pk=pk,
        organisation=Organisation(pk=pk, name=name, short_name=name[:10], sector="nhs_trust"),
        is_lead=lead,
        role=role,
        controller_role=controller_role,
        contact_name=f"Ann {SCRIPT}",
        contact_email="ann@example.org",
    )


def test_party_summaries_escape_names_and_contacts():
    parties = [_party(1, f"Lead {SCRIPT}", lead=True), _party(2, "Partner", role="")]

    html = party_summaries(PROPOSAL, parties, editable=True)

    assert "<script>" not in html
    assert f'Lead {ESCAPED} <strong class="govuk-tag govuk-tag--purple">Lead</strong>' in html
    assert f"Ann {ESCAPED} – ann@example.org" in html
    assert "Provider: shares data" in html
    # The partner's role is not answered; only the partner can be removed.
    assert html.count("Not answered yet") == 1
    assert html.count("/participants/") >= 5
    assert "participants/2/remove/" in html and "participants/1/remove/" not in html
    assert f'<span class="govuk-visually-hidden"> role in the sharing (Lead {ESCAPED})' in html
    assert 'class="govuk-heading-s govuk-!-margin-top-6">Partner</h3>' in html


def test_party_summaries_read_only_link_nowhere():
    html = party_summaries(PROPOSAL, [_party(1, "Lead", controller_role="joint")], False)

    assert "href" not in html
    assert "Article 26 arrangement" in html
    assert "govuk-summary-list__row--no-actions" not in html


def test_basis_rows_escape_and_show_each_line():
    party = _party(3, f"Council {SCRIPT}")
    party.organisation.sector = "local_authority"
    basis = LawfulBasis(
        participant=party,
        direction=Direction.DISCLOSING,
        article6="f",
        legal_power=f"Act {SCRIPT}",
        article9="h",
        law_enforcement=True,
    )
    rows = [
        {
            "participant": party,
            "direction": Direction.DISCLOSING,
            "direction_label": Direction.DISCLOSING.label,
            "basis": basis,
            "warnings": [f"Warned {SCRIPT}"],
        },
        {
            "participant": party,
            "direction": Direction.RECEIVING,
            "direction_label": Direction.RECEIVING.label,
            "basis": None,
            "warnings": [],
        },
    ]

    html = basis_rows(PROPOSAL, rows, editable=True)

    assert "<script>" not in html
    assert f"Council {ESCAPED}<br>" in html
    assert f"<br>Act {ESCAPED}" in html
    assert "<br>Article 9: (h)" in html
    assert "Shares for law enforcement under DPA 2018 Part 3" in html
    assert f"</span> Warned {ESCAPED}</strong></div>" in html
    assert "Not answered yet" in html
    assert ">Change<span" in html and ">Add<span" in html
    assert f"the lawful basis of Council {ESCAPED}, disclosing (as a provider)" in html
    assert "href" not in basis_rows(PROPOSAL, rows, editable=False)


def test_timeline_rows_escape_descriptions_and_names():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 5))
    events = [
        ProposalEvent(
            description=f"Changed {SCRIPT}",
            created_at=moment,
            actor=User(full_name=f"Bob {SCRIPT}"),
            organisation=Organisation(short_name=f"Org {SCRIPT}"),
        ),
        ProposalEvent(description="Opened", created_at=moment),
    ]

    html = timeline_rows(events)

    assert "<script>" not in html
    assert f">Changed {ESCAPED}</p>" in html
    assert f"</time> by Bob {ESCAPED}, Org {ESCAPED}</p>" in html
    assert f'<time datetime="{timezone.localtime(moment).isoformat()}">4 March 2026, ' in html
    assert html.count('<li class="isf-timeline__item">') == 2


@pytest.mark.django_db
def test_the_summary_reads_the_actions_and_outcomes_it_has(proposal, member_a, partner_b):
    """The page reads the lists its proposal's counts say it has, and only those."""
    p = fill(proposal, by=member_a)
    MeasurableOutcome.objects.filter(proposal=p).delete()
    Action.objects.filter(proposal=p).delete()
    client = Client()
    client.force_login(partner_b, backend="django.contrib.auth.backends.ModelBackend")
    address = url("detail", p)

    response = client.get(address)
    html = response.content.decode()
    assert response.status_code == 200
    assert "No actions yet." in html
    assert "No measurable outcomes yet." in html

    Action.objects.create(proposal=p, description=f"Train {SCRIPT}", owner_name="IG")
    MeasurableOutcome.objects.create(proposal=p, description=f"Falls {SCRIPT}", measure="Visits")
    html = client.get(address).content.decode()
    assert "<script>alert" not in html
    assert f"Train {ESCAPED}</dt>" in html
    assert f"Falls {ESCAPED}</dt>" in html
    assert "No actions yet." not in html
    assert "No measurable outcomes yet." not in html
