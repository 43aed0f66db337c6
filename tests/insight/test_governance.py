"""A governance officer's home: agreements due for review or ending, signatures their
organisation owes, open actions before sharing starts (which their owners mark done), and
their organisation's overdue decisions."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.generation import services as generation
from agreements.models import Agreement, AgreementStatus
from insight.governance import governance_work
from sharing_requests import services
from sharing_requests.models import Action, ProposalEvent
from tests.agreements.proposal_builders import approve, build_proposal

from .builders import in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(org_a, org_b, member_a, approver_a, approver_b):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    return proposal, version


@pytest.fixture
def action(approved, org_b):
    proposal, _version = approved
    return Action.objects.create(
        proposal=proposal,
        description="Publish the joint privacy notice",
        owner_name="Bea Admin",
        owner_organisation=org_b,
        due_date=date(2026, 1, 10),
    )


def mark_url(action):
    return reverse("requests:action-mark", args=[action.proposal.reference, action.pk])


def test_the_owner_organisation_marks_an_action_done_and_undoes_it(client_for, admin_b, action):
    response = client_for(admin_b).post(mark_url(action), {"done": "yes"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/proposals/{action.proposal.reference}/#actions")
    action.refresh_from_db()
    assert action.done_at is not None and action.done_by == admin_b
    assert action.history.first().history_change_reason == "isf.action.done"
    event = ProposalEvent.objects.filter(proposal=action.proposal, kind="action").last()
    assert event.description == "Action done: Publish the joint privacy notice"
    assert event.actor == admin_b and event.organisation == action.owner_organisation

    client_for(admin_b).post(mark_url(action), {"done": "no"})
    action.refresh_from_db()
    assert action.done_at is None and action.done_by is None


def test_only_the_owner_organisation_may_mark_it(client_for, member_a, readonly_a, action):
    # The lead's member may see the proposal but does not own this action: 403, unchanged.
    assert client_for(member_a).post(mark_url(action), {"done": "yes"}).status_code == 403
    assert client_for(readonly_a).post(mark_url(action), {"done": "yes"}).status_code == 403
    action.refresh_from_db()
    assert action.done_at is None


def test_outsiders_and_anonymous_people_cannot_mark_actions(client, client_for, outsider, action):
    assert client.post(mark_url(action), {"done": "yes"}).status_code == 302  # to sign in
    assert client_for(outsider).post(mark_url(action), {"done": "yes"}).status_code == 404
    assert client_for(outsider).get(mark_url(action)).status_code == 405
    action.refresh_from_db()
    assert action.done_at is None


def test_an_action_without_an_owner_organisation_is_the_leads(member_a, approved):
    proposal, _ = approved
    action = Action.objects.create(proposal=proposal, description="Train staff", owner_name="IG")
    services.action_mark(action=action, by=member_a, done=True)
    action.refresh_from_db()
    assert action.done_by == member_a


def test_the_proposal_page_shows_the_done_state_and_the_button(client_for, admin_b, action):
    page = client_for(admin_b).get(reverse("requests:detail", args=[action.proposal.reference]))
    body = page.content.decode()
    assert "Not done yet" in body and "Mark as done" in body
    client_for(admin_b).post(mark_url(action), {"done": "yes"})
    body = (
        client_for(admin_b)
        .get(reverse("requests:detail", args=[action.proposal.reference]))
        .content.decode()
    )
    assert "Mark as not done" in body and "by Bea Admin" in body


def test_governance_work_lists_what_needs_the_organisation(
    org_a, org_b, member_a, approved, action, signatory_a, signatory_b, admin_b
):

    proposal, version = approved
    generation.agreement_generate(version_id=version.pk)  # awaits both parties' signatures
    today = timezone.localdate()
    active = Agreement.objects.create(
        reference="DSA-T-9",
        title="Due soon",
        status=AgreementStatus.ACTIVE,
        review_date=today + timedelta(days=20),
    )
    active.parties.create(organisation=org_b, name=org_b.name)
    later = Agreement.objects.create(
        reference="DSA-T-8",
        title="Not yet",
        status=AgreementStatus.ACTIVE,
        review_date=today + timedelta(days=200),
    )
    later.parties.create(organisation=org_b, name=org_b.name)
    old = in_review(
        lead=org_a,
        partners=[org_b],
        author=member_a,
        title="Waiting",
        submitted=today - timedelta(days=40),
    )

    work = governance_work(organisations=[org_b], today=today)

    assert [a.title for a in work["due"].rows] == ["Due soon"]
    assert [p.agreement.proposal_id for p in work["owed"].rows] == [proposal.pk]
    # The builder's own example action is open too; a done one is not listed.
    assert "Publish the joint privacy notice" in [a.description for a in work["actions"].rows]
    services.action_mark(action=action, by=admin_b, done=True)
    done = governance_work(organisations=[org_b], today=today)["actions"].rows
    assert "Publish the joint privacy notice" not in [a.description for a in done]
    assert [d.round_id for d in work["overdue"].rows] == [old.pk]
    assert work["anything"]


def test_the_home_page_shows_it_to_governance_officers_only(
    client_for, governance_b, approver_b, action
):
    body = client_for(governance_b).get(reverse("home")).content.decode()
    assert "information governance" in body
    assert "Publish the joint privacy notice" in body
    assert "Nothing is waiting for you" not in body
    assert (
        "Publish the joint privacy notice"
        not in client_for(approver_b).get(reverse("home")).content.decode()
    )


def test_signatures_owed_are_read_in_the_same_queries_however_many(org_b, signatory_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def owing(n):
        for i in range(n):
            agreement = Agreement.objects.create(
                reference=f"DSA-Q-{Agreement.objects.count()}",
                title=f"Owed {i}",
                status=AgreementStatus.AWAITING_SIGNATURES,
            )
            party = agreement.parties.create(
                organisation=org_b, name=org_b.name, required_signatures=["siro", "caldicott"]
            )
            agreement.signatures.create(
                party=party,
                capacity="siro",
                signer=signatory_b,
                name="Sig Natory",
                job_title="SIRO",
                organisation_name=org_b.name,
                pdf_sha256="0" * 64,
            )
        with CaptureQueriesContext(connection) as queries:
            work = governance_work(organisations=[org_b], today=timezone.localdate())
        return len(work["owed"].rows), len(queries.captured_queries)

    one, few = owing(1), owing(3)
    assert (one[0], few[0]) == (1, 4)  # the Caldicott signature is still owed on each
    assert one[1] == few[1]
