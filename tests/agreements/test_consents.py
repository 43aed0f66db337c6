"""Every party agrees (agreements/consents.py): who may answer for a party, a decline or a
withdrawal ending the request, what lapses when the agreement ends, and the page every party
reads it on (outsiders 404, answering through the form, errors kept)."""

import datetime

import pytest
from django.urls import reverse

from agreements import consents, lifecycle
from agreements.generation import services as generation
from agreements.generation.clauses import ClauseBook
from agreements.models import (
    AgreementStatus,
    ClauseTemplate,
    ConsentKind,
    ConsentRequest,
    ConsentStatus,
)
from isf_portal.domain import DomainError
from notifications.models import Email, Notification
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def agreement(org_a, org_b, governance_a, governance_b):
    return make_agreement(org_a, org_b, start=D(2025, 6, 1), review=D(2099, 1, 1))


@pytest.fixture
def proposed(agreement, governance_a) -> ConsentRequest:
    """Org A's governance officer proposes ending it; org B has still to answer."""
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    return lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="The service closed.", end_date=D(2098, 1, 1)
    )


def party_of(agreement, organisation):
    return agreement.parties.get(organisation=organisation)


def b_declines(consent, agreement, org_b, signatory_b):
    consents.consent_answer(
        consent=consent,
        party=party_of(agreement, org_b),
        by=signatory_b,
        agreed=False,
        comment="We still need the referrals.",
    )


def test_every_kind_has_what_carries_it_out():
    assert set(consents.HANDLERS) == set(ConsentKind.values)


def test_proposer_agrees_for_their_own_party(proposed, org_a, governance_a):
    (response,) = proposed.responses.all()
    assert response.party.organisation == org_a and response.agreed
    assert response.by == governance_a


@pytest.mark.parametrize("persona", ["signatory_b", "governance_b"])
def test_a_governance_officer_or_signatory_answers_for_their_party(
    proposed, org_b, persona, request
):
    user = request.getfixturevalue(persona)
    assert [p.organisation for p in consents.answerable_parties(proposed, user)] == [org_b]


@pytest.mark.parametrize("persona", ["approver_b", "member_a", "readonly_a", "governance_a"])
def test_others_cannot_answer_for_org_b(proposed, agreement, org_b, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(consents.NotAllowed):
        consents.consent_answer(
            consent=proposed, party=party_of(agreement, org_b), by=user, agreed=True
        )
    proposed.refresh_from_db()
    assert proposed.status == ConsentStatus.PENDING


def test_a_decline_ends_it_with_the_reason(proposed, agreement, org_b, governance_a, signatory_b):
    with pytest.raises(DomainError, match="reason for declining"):
        consents.consent_answer(
            consent=proposed, party=party_of(agreement, org_b), by=signatory_b, agreed=False
        )
    b_declines(proposed, agreement, org_b, signatory_b)
    proposed.refresh_from_db()
    agreement.refresh_from_db()
    assert proposed.status == ConsentStatus.DECLINED and proposed.closed_by == signatory_b
    assert agreement.status == AgreementStatus.ACTIVE and agreement.terminates_on is None
    assert agreement.events.filter(kind="consent_declined").exists()
    assert Notification.objects.filter(user=governance_a, title__contains="declined").exists()
    # The review stays open: its outcome is still to be decided.
    review = lifecycle.open_agreement_review(agreement)
    assert review is not None
    lifecycle.agreement_review_continue(
        review=review, by=governance_a, new_review_date=D(2098, 6, 1)
    )


def test_consent_emails_say_why_they_came_and_link_to_the_answer(
    signatory_b, governance_b, governance_a, proposed, agreement, org_b
):
    consent_page = reverse("agreements:consent", args=[agreement.reference, proposed.pk])
    for user in (governance_b, signatory_b):
        email = Email.objects.get(recipient=user, subject__contains="proposes")
        for body in (email.body_text, email.body_html):
            assert "Ardwick Borough Council proposes: end the agreement" in body
            assert (
                "You receive this as a governance officer or signatory of "
                f"{org_b.name}, a party to the agreement"
            ) in body
            assert "See what is proposed and each party" in body
            assert consent_page in body
            # Not the agreement-update wording: a signatory is no governance contact, and
            # the link is to the proposal, not to the reviews and timeline.
            assert "governance contact" not in body and "timeline" not in body
    b_declines(proposed, agreement, org_b, signatory_b)
    declined = Email.objects.get(recipient=governance_a, subject__contains="declined").body_text
    assert "declined: end the agreement" in declined and "We still need the referrals." in declined
    assert "governance officer or signatory of" in declined


def test_a_party_nobody_answers_for_on_the_portal_hears_through_its_mailbox(
    org_a, org_c, governance_a
):
    agreement = make_agreement(org_a, org_c, start=D(2025, 6, 1), review=D(2099, 1, 1))
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="The service closed.", end_date=D(2098, 1, 1)
    )
    email = Email.objects.get(to=org_c.ig_mailbox or org_c.dpo_email, subject__contains="proposes")
    assert email.recipient is None
    assert (
        f"You receive this because {org_c.name}, a party to the agreement, has no governance "
        "officer or signatory on the portal to answer for it."
    ) in email.body_text


def test_only_one_change_waits_at_a_time(proposed, agreement, governance_a):
    review = lifecycle.open_agreement_review(agreement)
    with pytest.raises(DomainError, match="already waiting"):
        lifecycle.agreement_review_continue(
            review=review, by=governance_a, new_review_date=D(2098, 6, 1)
        )


def test_the_proposing_party_withdraws_it(proposed, agreement, governance_a, governance_b):
    with pytest.raises(consents.NotAllowed):
        consents.consent_withdraw(consent=proposed, by=governance_b)
    consents.consent_withdraw(consent=proposed, by=governance_a)
    proposed.refresh_from_db()
    assert proposed.status == ConsentStatus.WITHDRAWN
    assert agreement.events.filter(kind="consent_withdrawn").exists()
    assert [h.history_change_reason for h in proposed.history.order_by("history_id")][-1] == (
        "isf.consent.withdrawn"
    )
    with pytest.raises(DomainError, match="no longer waiting"):
        consents.consent_withdraw(consent=proposed, by=governance_a)


def test_what_waits_lapses_when_the_agreement_ends_another_way(proposed, agreement):
    agreement.end_date = D(2026, 1, 1)
    agreement.save()
    assert lifecycle.agreement_expire(agreement_id=agreement.pk, today=D(2026, 1, 2))
    proposed.refresh_from_db()
    assert proposed.status == ConsentStatus.LAPSED
    assert agreement.events.filter(kind="consent_lapsed").exists()


def test_the_notice_period_comes_from_the_termination_clause():
    assert ClauseBook().notice_days() == 30
    ClauseTemplate.objects.filter(key="termination").update(notice_days=60)
    assert ClauseBook().notice_days() == 60
    ClauseTemplate.objects.filter(key="termination").delete()
    assert ClauseBook().notice_days() == 30


# --- The page -------------------------------------------------------------------------------
def page(consent):
    return reverse("agreements:consent", args=[consent.agreement.reference, consent.pk])


def test_outsider_gets_404_for_a_consent(client_for, proposed, outsider):
    assert client_for(outsider).get(page(proposed)).status_code == 404
    withdraw = reverse(
        "agreements:consent-withdraw", args=[proposed.agreement.reference, proposed.pk]
    )
    assert client_for(outsider).post(withdraw).status_code == 404


def test_a_read_only_member_sees_it_pending_without_a_form(client_for, proposed, readonly_a):
    response = client_for(readonly_a).get(page(proposed))
    assert response.status_code == 200
    assert b"Waiting for the parties" in response.content
    assert b"Send the answer" not in response.content
    assert client_for(readonly_a).post(page(proposed), {"answer": "agree"}).status_code == 403


def test_every_party_sees_it_pending_on_the_agreement(client_for, proposed, member_a):
    for name in ("agreements:detail", "agreements:lifecycle"):
        response = client_for(member_a).get(reverse(name, args=[proposed.agreement.reference]))
        assert b"Waiting for every party to agree: End the agreement on 1 January 2098" in (
            response.content
        )


def test_a_decline_without_a_reason_shows_the_error_and_keeps_the_answer(
    client_for, proposed, governance_b
):
    response = client_for(governance_b).post(page(proposed), {"answer": "decline"})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert b"Give the reason for declining" in response.content
    assert b'value="decline" checked' in response.content
    proposed.refresh_from_db()
    assert proposed.status == ConsentStatus.PENDING


def test_the_last_party_agreeing_through_the_page_schedules_the_end(
    client_for, proposed, governance_b
):
    response = client_for(governance_b).post(page(proposed), {"answer": "agree"})
    assert response.status_code == 302
    proposed.refresh_from_db()
    agreement = proposed.agreement
    agreement.refresh_from_db()
    assert proposed.status == ConsentStatus.AGREED
    assert agreement.terminates_on == D(2098, 1, 1)
    lifecycle_page = client_for(governance_b).get(response["Location"])
    text = lifecycle_page.content.decode()
    assert "Ending on 1 January 2098" in text
    assert "It is not reviewed again: it ends on 1 January 2098." in text
    assert "Only an active agreement is reviewed" not in text
    register = client_for(governance_b).get(reverse("agreements:register"))
    assert "Ending on 1 January 2098" in register.content.decode()


def test_a_new_agreement_states_and_keeps_the_clauses_notice_period(approved_version):
    ClauseTemplate.objects.filter(key="termination").update(notice_days=45)
    agreement = generation.agreement_generate(version_id=approved_version.pk)
    assert agreement.notice_days == 45
    termination = next(s for s in agreement.content["sections"] if s["key"] == "termination")
    paragraphs = [p for block in termination["blocks"] for p in block.get("paragraphs", [])]
    assert (
        "If every party agrees to end this agreement early, it ends 45 days after the last "
        "party agrees, or on a later date they agree." in paragraphs
    )
