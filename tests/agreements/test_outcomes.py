"""Did the vision come true? Outcome updates on an agreement (what was achieved, a judgement,
the evidence), the review that cannot continue without them, and the pages showing expected
(baseline → target) against achieved."""

import datetime

import pytest
from django.urls import reverse

from agreements import lifecycle, outcomes
from agreements.generation.clauses import ClauseBook
from agreements.generation.content import build_content
from agreements.models import OutcomeJudgement, OutcomeUpdate, ReviewOutcome
from isf_portal.domain import DomainError
from sharing_requests import services as proposal_services
from sharing_requests import snapshot
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import MeasurableOutcome, Proposal
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def proposal(org_a, member_a):
    p = proposal_services.proposal_create(
        lead_organisation=org_a, title="Falls prevention referrals", by=member_a
    )
    Proposal.objects.filter(pk=p.pk).update(status=ProposalStatus.APPROVED)
    p.refresh_from_db()
    return p


@pytest.fixture
def falls(proposal):
    return MeasurableOutcome.objects.create(
        proposal=proposal,
        description="Fewer falls",
        measure="Falls a year",
        baseline="120 falls a year",
        target="96 a year",
    )


@pytest.fixture
def visits(proposal):
    return MeasurableOutcome.objects.create(
        proposal=proposal, description="More home visits", measure="Visits a month"
    )


@pytest.fixture
def agreement(org_a, org_b, governance_a, governance_b, proposal, falls, visits):
    a = make_agreement(org_a, org_b, proposal=proposal, start=D(2025, 6, 1), review=D(2030, 9, 1))
    a.parties.filter(organisation=org_a).update(is_lead=True)
    return a


def entry(outcome, judgement=OutcomeJudgement.MET, achieved="100 falls a year"):
    return {
        "outcome": outcome,
        "achieved": achieved,
        "judgement": judgement,
        "evidence": "Falls register, March 2026",
    }


def test_an_update_is_recorded_audited_and_on_the_timeline(agreement, falls, governance_b):
    [update] = outcomes.record_outcome_updates(
        agreement=agreement, by=governance_b, entries=[entry(falls, OutcomeJudgement.PARTLY_MET)]
    )
    assert update.agreement == agreement and update.review is None
    assert update.recorded_by == governance_b and update.judgement == "partly_met"
    assert [h.history_change_reason for h in update.history.all()] == [
        "isf.agreement.outcome_recorded"
    ]
    event = agreement.events.get(kind="outcome_recorded")
    assert "Fewer falls" in event.description and "partly met" in event.description


def test_the_proposals_lead_may_record_but_not_a_read_only_member_or_an_outsider(
    agreement, falls, member_a, readonly_a, outsider
):
    outcomes.record_outcome_updates(agreement=agreement, by=member_a, entries=[entry(falls)])
    for user in (readonly_a, outsider):
        with pytest.raises(lifecycle.NotAllowed):
            outcomes.record_outcome_updates(agreement=agreement, by=user, entries=[entry(falls)])
    assert OutcomeUpdate.objects.count() == 1


def test_an_outcome_of_another_proposal_is_refused(agreement, governance_a, org_a, member_a):
    other = proposal_services.proposal_create(lead_organisation=org_a, title="Other", by=member_a)
    stranger = MeasurableOutcome.objects.create(proposal=other, description="X", measure="Y")
    with pytest.raises(DomainError, match="not one of this agreement"):
        outcomes.record_outcome_updates(
            agreement=agreement, by=governance_a, entries=[entry(stranger)]
        )
    assert not OutcomeUpdate.objects.exists()


def test_a_review_cannot_continue_until_every_outcome_is_updated(
    agreement, falls, visits, governance_a
):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    # An update from before the review does not count for it.
    OutcomeUpdate.objects.create(
        outcome=visits,
        agreement=agreement,
        achieved="a",
        judgement="met",
        evidence="e",
        recorded_by=governance_a,
    )
    outcomes.record_outcome_updates(agreement=agreement, by=governance_a, entries=[entry(falls)])
    with pytest.raises(DomainError, match="More home visits"):
        lifecycle.agreement_review_continue(
            review=review, by=governance_a, new_review_date=D(2031, 6, 1)
        )
    outcomes.record_outcome_updates(agreement=agreement, by=governance_a, entries=[entry(visits)])
    lifecycle.agreement_review_continue(
        review=review, by=governance_a, new_review_date=D(2031, 6, 1)
    )
    review.refresh_from_db()
    assert review.outcome == ReviewOutcome.CONTINUE
    assert review.outcome_updates.count() == 2


# --- Pages ----------------------------------------------------------------------------------
def form_data(*outcomes_, judgement="met"):
    data = {}
    for o in outcomes_:
        data |= {
            f"achieved_{o.pk}": f"{o.description} achieved",
            f"judgement_{o.pk}": judgement,
            f"evidence_{o.pk}": "Quarterly report",
        }
    return data


def test_recording_at_a_review_then_continuing_through_the_pages(
    agreement, falls, visits, governance_a, client_for
):
    client = client_for(governance_a)
    lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    page = client.get(reverse("agreements:review", args=[agreement.reference]))
    assert (
        "Still to record" in page.content.decode() and "More home visits" in page.content.decode()
    )
    refused = client.post(
        reverse("agreements:review-outcome", args=[agreement.reference, "continue"]),
        {"new_review_date_0": "1", "new_review_date_1": "6", "new_review_date_2": "2031"},
    )
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "govuk-error-summary" in body and "Record what each outcome achieved" in body

    url = reverse("agreements:outcome-update", args=[agreement.reference])
    missing = client.post(
        url, {k: v for k, v in form_data(falls, visits).items() if "evidence" not in k}
    )
    assert missing.status_code == 400
    assert "Give the evidence for “Fewer falls”" in missing.content.decode()
    assert "Fewer falls achieved" in missing.content.decode()  # the other answers are kept
    assert not OutcomeUpdate.objects.exists()

    done = client.post(url, form_data(falls, visits, judgement="partly_met"))
    assert done.status_code == 302
    assert OutcomeUpdate.objects.filter(review__isnull=False).count() == 2
    client.post(
        reverse("agreements:review-outcome", args=[agreement.reference, "continue"]),
        {"new_review_date_0": "1", "new_review_date_1": "6", "new_review_date_2": "2031"},
    )
    assert agreement.reviews.get().outcome == ReviewOutcome.CONTINUE


def test_the_agreement_and_proposal_pages_show_expected_against_achieved(
    agreement, falls, governance_a, member_a, client_for
):
    outcomes.record_outcome_updates(
        agreement=agreement, by=governance_a, entries=[entry(falls, achieved="110 falls")]
    )
    outcomes.record_outcome_updates(
        agreement=agreement, by=governance_a, entries=[entry(falls, achieved="99 falls")]
    )
    page = client_for(governance_a).get(reverse("agreements:lifecycle", args=[agreement.reference]))
    body = page.content.decode()
    assert "120 falls a year → 96 a year" in body
    assert body.index("99 falls") < body.index("110 falls")  # newest first
    detail = client_for(governance_a).get(reverse("agreements:detail", args=[agreement.reference]))
    assert "120 falls a year → 96 a year" in detail.content.decode()
    assert "99 falls" in detail.content.decode()
    proposal_page = client_for(member_a).get(
        reverse("requests:detail", args=[agreement.proposal.reference])
    )
    body = proposal_page.content.decode()
    assert "120 falls a year → 96 a year" in body and "99 falls" in body


def test_outsiders_get_404_and_read_only_members_403(agreement, outsider, readonly_a, client_for):
    url = reverse("agreements:outcome-update", args=[agreement.reference])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(readonly_a).get(url).status_code == 403
    assert client_for(readonly_a).post(url, {}).status_code == 403
    assert not OutcomeUpdate.objects.exists()


def _outcomes_table(snap):
    content = build_content(
        snapshot=snap,
        reference="DSA-TEST",
        title="Falls prevention referrals",
        agreement_version=1,
        proposal_version=1,
        capacities={},
        clauses=ClauseBook(),
    )
    purpose = next(s for s in content["sections"] if s["key"] == "purpose")
    return next(b for b in purpose["blocks"] if b.get("caption") == "Measurable outcomes")


def test_the_frozen_version_and_the_agreement_carry_each_outcomes_baseline_and_target(
    proposal, falls, visits
):
    snap = snapshot.build(proposal)
    assert snap["outcomes"][0]["baseline"] == "120 falls a year"
    assert snap["outcomes"][0]["target"] == "96 a year"
    lines = snapshot.list_items(snap)["Measurable outcomes"]
    assert lines["Fewer falls"] == (
        "Fewer falls: Falls a year (baseline 120 falls a year) (target 96 a year)"
    )
    table = _outcomes_table(snap)
    assert table["head"] == ["Outcome", "How it is measured", "Baseline", "Target"]
    assert table["rows"] == [
        ["Fewer falls", "Falls a year", "120 falls a year", "96 a year"],
        ["More home visits", "Visits a month", "", ""],
    ]
    # A version frozen before outcomes had baselines reads as it did then.
    for outcome in snap["outcomes"]:
        del outcome["baseline"]
    assert snapshot.list_items(snap)["Measurable outcomes"]["Fewer falls"] == (
        "Fewer falls: Falls a year (target 96 a year)"
    )
    table = _outcomes_table(snap)
    assert table["head"] == ["Outcome", "How it is measured", "Target"]
    assert table["rows"][0] == ["Fewer falls", "Falls a year", "96 a year"]
