"""The proposal's pages end to end: add, change and remove rows, invite and remove partners,
complete sections, check answers, submit and withdraw."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from sharing_requests.choices import ProposalStatus, Section, SectionStatus
from sharing_requests.models import Action, MeasurableOutcome, Participant

from .conftest import fresh, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(member_a) -> Client:
    client = Client()
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_task_list_shows_each_sections_status(proposal, lead):
    html = lead.get(url("detail", proposal)).content.decode()
    for section in Section:
        assert url("section", proposal, section) in html
    assert "In progress" in html  # Purpose (the title is in) and Who (a partner is invited)
    assert "Not yet started" in html


def test_outcomes_are_added_changed_and_removed_through_the_pages(proposal, lead):
    response = lead.post(
        url("outcome-add", proposal),
        {"description": "Fewer falls", "measure": "Falls a year", "target": "10%"},
    )
    assert response.status_code == 302
    outcome = MeasurableOutcome.objects.get(proposal=proposal)

    response = lead.post(
        url("outcome-edit", proposal, outcome.pk),
        {
            "description": "Far fewer falls",
            "measure": "Falls a year",
            "target": "20%",
            "revision": str(proposal.sections.get(section=Section.PURPOSE).revision),
        },
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.description, outcome.target) == ("Far fewer falls", "20%")

    assert lead.post(url("outcome-remove", proposal, outcome.pk)).status_code == 302
    assert not MeasurableOutcome.objects.filter(pk=outcome.pk).exists()


def test_an_outcome_has_a_baseline_shown_in_its_form_and_the_answers(proposal, lead):
    data = {"description": "Fewer falls", "measure": "Falls a year", "target": "96 a year"}
    lead.post(url("outcome-add", proposal), {**data, "baseline": "120 a year (2025)"})
    outcome = MeasurableOutcome.objects.get(proposal=proposal)
    assert outcome.baseline == "120 a year (2025)"
    form = lead.get(url("outcome-edit", proposal, outcome.pk)).content.decode()
    assert "Baseline" in form and 'value="120 a year (2025)"' in form
    answers = lead.get(url("section", proposal, Section.PURPOSE)).content.decode()
    assert "Baseline: 120 a year (2025)" in answers and "Target: 96 a year" in answers


def test_an_action_needs_an_owner_organisation_taking_part(proposal, org_a, org_c, lead):
    due = timezone.localdate() + timedelta(days=30)
    data = {
        "description": "Update the privacy notice",
        "owner_name": "Dan Wright",
        "due_date_0": due.day,
        "due_date_1": due.month,
        "due_date_2": due.year,
    }
    refused = lead.post(url("action-add", proposal), {**data, "owner_organisation": org_c.pk})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert not Action.objects.exists()

    ok = lead.post(url("action-add", proposal), {**data, "owner_organisation": org_a.pk})
    assert ok.status_code == 302
    action = Action.objects.get(proposal=proposal)
    assert (action.owner_organisation, action.due_date) == (org_a, due)


def test_inviting_a_partner_through_the_page_emails_them(
    proposal, org_c, lead, django_capture_on_commit_callbacks
):
    org_c.ig_mailbox = "ig@ch.example"
    org_c.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            url("participant-add", proposal),
            {
                "organisation": org_c.pk,
                "role": "provider",
                "controller_role": "joint",
                "contact_name": "Hal Housing",
                "contact_email": "hal@ch.example",
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "invited. We have e-mailed hal@ch.example" in response.content.decode()
    party = Participant.objects.get(proposal=proposal, organisation=org_c)
    assert (party.role, party.controller_role) == ("provider", "joint")
    (message,) = mail.outbox
    assert message.to == ["hal@ch.example"] and message.cc == ["ig@ch.example"]


def test_removing_a_partner_through_the_page(proposal, org_b, lead):
    party = Participant.objects.get(proposal=proposal, organisation=org_b)
    assert lead.get(url("participant-remove", proposal, party.pk)).status_code == 200
    assert lead.post(url("participant-remove", proposal, party.pk)).status_code == 302
    assert not Participant.objects.filter(pk=party.pk).exists()


def test_completing_a_section_through_its_page(complete_proposal, lead):
    p = complete_proposal
    response = lead.post(url("section", p, Section.HOW), {"completed": "yes"})
    assert response.status_code == 302
    assert p.sections.get(section=Section.HOW).status == SectionStatus.COMPLETED

    lead.post(url("section", p, Section.HOW), {"completed": "no"})
    assert p.sections.get(section=Section.HOW).status == SectionStatus.IN_PROGRESS


def test_check_answers_lists_what_is_missing_with_links(proposal, lead):
    html = lead.get(url("check", proposal)).content.decode()
    assert "The proposal is not ready to submit" in html
    assert f'<a href="{url("dataitem-add", proposal)}">Add at least one data item</a>' in html
    assert f'<a href="{url("screening", proposal)}">Answer the DPIA screening questions</a>' in html


def test_submitting_through_the_page_freezes_a_version(complete_proposal, lead):
    p = complete_proposal
    html = lead.get(url("check", p)).content.decode()
    assert "The proposal is not ready to submit" not in html

    response = lead.post(url("submit", p))

    assert response.status_code == 302
    assert response.url == url("submitted", p)
    p = fresh(p)
    assert p.status == ProposalStatus.IN_REVIEW
    assert p.versions.get().number == 1
    # In review: the edit pages say so instead of saving.
    assert lead.get(url("purpose-edit", p)).status_code == 409
    assert lead.post(url("submit", p)).status_code == 409
    assert p.versions.count() == 1


def test_withdrawing_a_draft_through_the_page(proposal, lead):
    refused = lead.post(url("withdraw", proposal), {"reason": ""})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert fresh(proposal).status == ProposalStatus.DRAFT

    response = lead.post(url("withdraw", proposal), {"reason": "Merged with another"})

    assert response.status_code == 302
    assert fresh(proposal).status == ProposalStatus.WITHDRAWN
    detail = lead.get(url("detail", proposal)).content.decode()
    assert "Withdrawn: Merged with another" in detail
