"""Inviting a colleague by e-mail and accepting: single use, expiring, refusals that explain."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from isf_portal.domain import DomainError
from notifications.models import Email
from organisations import services
from organisations.models import Invitation, Membership, Role, User
from outbox.models import OutboxTask
from tests.factories import member_of
from tests.organisations.conftest import accept_link_in, only_email_to


def invite_url(organisation):
    return reverse("organisations:invite", args=[organisation.slug])


def accept_url(token):
    return reverse("accounts:accept-invitation", args=[token])


def group_names(user, organisation):
    return set(
        user.groups.filter(name__startswith=f"org-{organisation.pk}-").values_list(
            "name", flat=True
        )
    )


def groups_for(organisation, *roles):
    """The groups a member holding `roles` is in: one per role, plus everyone's ("all")."""
    return {f"org-{organisation.pk}-{role}" for role in [*roles, "all"]}


# --- Sending --------------------------------------------------------------------------------
def test_admin_invites_a_colleague_and_the_email_carries_the_accept_link(
    client_for, admin_a, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_a).post(
            invite_url(org_a),
            {"email": "New.Person@Ardwick.example", "roles": [Role.MEMBER, Role.APPROVER]},
        )
    assert response.status_code == 302
    assert response.url == reverse("organisations:detail", args=[org_a.slug])

    invitation = Invitation.objects.get(organisation=org_a)
    assert invitation.email == "new.person@ardwick.example"
    assert invitation.roles == [Role.MEMBER, Role.APPROVER]
    assert invitation.invited_by == admin_a
    assert invitation.is_open
    expected_expiry = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    assert abs(invitation.expires_at - expected_expiry) < timedelta(minutes=1)
    assert invitation.history.first().history_change_reason == "isf.invitation.sent"

    stored = Email.objects.get(to="new.person@ardwick.example")
    assert stored.sent_at is not None
    assert OutboxTask.objects.get(kwargs__email_id=stored.pk).completed_at is not None

    message = only_email_to("new.person@ardwick.example")
    assert message.subject == "You have been invited to join Ardwick Borough Council"
    link = accept_link_in(message)
    assert f"{settings.SITE_URL}{link}" in message.body
    html_body, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}{link}"' in html_body
    assert "Ada Admin has invited you" in message.body
    # The link is the invitation's own: the stored hash matches the mailed token.
    assert services.invitation_for_token(link.rstrip("/").rsplit("/", 1)[1]) == invitation


@time_machine.travel(datetime(2026, 3, 2, 4, 15, tzinfo=ZoneInfo("Europe/London")), tick=False)
def test_invitation_email_states_the_expiry_time_with_one_full_stop(
    client_for, admin_a, org_a, django_capture_on_commit_callbacks
):
    # An expiry in the morning once read "at 4:15a.m..": Django's "a" ends in a full stop.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_a).post(
            invite_url(org_a), {"email": "early@ardwick.example", "roles": [Role.MEMBER]}
        )
    message = only_email_to("early@ardwick.example")
    html_body, _mimetype = message.alternatives[0]
    days = settings.INVITATION_TTL_DAYS
    expiry = (datetime(2026, 3, 2) + timedelta(days=days)).strftime("%-d %B %Y")
    for body in (message.body, html_body):
        assert f"expires at 4:15am on {expiry}. If you" in body
        assert ".." not in body


def test_invitation_needs_at_least_one_role(client_for, admin_a, org_a):
    response = client_for(admin_a).post(invite_url(org_a), {"email": "x@ardwick.example"})
    assert response.status_code == 200
    assert "roles" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_invitation_to_an_existing_member_is_refused_with_a_form_error(
    client_for, admin_a, member_a, org_a
):
    response = client_for(admin_a).post(
        invite_url(org_a), {"email": "MEMBER.A@ardwick.example", "roles": [Role.APPROVER]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "member.a@ardwick.example is already a member of Ardwick Borough Council"
    ]
    assert "govuk-error-summary" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not Email.objects.exists()


def test_second_open_invitation_to_the_same_address_is_refused_with_a_clear_message(
    client_for, admin_a, org_a, django_capture_on_commit_callbacks
):
    browser = client_for(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = browser.post(invite_url(org_a), {"email": "twice@x.example", "roles": ["member"]})
        second = browser.post(
            invite_url(org_a), {"email": "TWICE@x.example", "roles": ["approver"]}
        )
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].errors["email"] == [
        "twice@x.example already has an invitation waiting. Cancel it to send a new one."
    ]
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().roles == [Role.MEMBER]
    assert Email.objects.count() == 1
    assert len(mail.outbox) == 1


def test_same_address_may_be_invited_to_two_organisations(invite, org_b, admin_b):
    invite("shared@example.org")
    invite("shared@example.org", organisation=org_b, by=admin_b)
    assert Invitation.objects.filter(email="shared@example.org").count() == 2


def test_admin_cancels_an_invitation_and_may_then_send_a_new_one(
    client_for, admin_a, org_a, invite
):
    invitation, _token = invite("changed.mind@ardwick.example")
    browser = client_for(admin_a)
    response = browser.post(
        reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    latest = invitation.history.first()
    assert latest.history_change_reason == "isf.invitation.cancelled"
    assert latest.history_user == admin_a

    again = browser.post(
        invite_url(org_a), {"email": "changed.mind@ardwick.example", "roles": ["member"]}
    )
    assert again.status_code == 302
    assert Invitation.objects.filter(email="changed.mind@ardwick.example").count() == 2


def test_cancelling_an_invitation_twice_says_so_instead_of_failing(
    client_for, admin_a, org_a, invite
):
    invitation, _token = invite()
    browser = client_for(admin_a)
    url = reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk])
    browser.post(url)
    cancelled_at = Invitation.objects.get(pk=invitation.pk).cancelled_at
    response = browser.post(url, follow=True)
    assert response.status_code == 200
    assert "already been accepted or cancelled" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).cancelled_at == cancelled_at


def test_invitation_cancel_is_post_only(client_for, admin_a, org_a, invite):
    invitation, _token = invite()
    response = client_for(admin_a).get(
        reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk])
    )
    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


def test_admin_cannot_cancel_another_organisations_invitation_through_their_own(
    client_for, admin_a, org_a, invite, org_b, admin_b
):
    theirs, _token = invite("b.person@bpnt.example", organisation=org_b, by=admin_b)
    response = client_for(admin_a).post(
        reverse("organisations:invitation-cancel", args=[org_a.slug, theirs.pk])
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.cancelled_at is None


# --- Accepting ------------------------------------------------------------------------------
def test_new_user_accepts_creates_an_account_joins_with_the_roles_and_is_signed_in(
    client, org_a, invite, new_user_answers
):
    invitation, token = invite("Nina.New@ardwick.example", roles=[Role.MEMBER, Role.SIGNATORY])
    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    assert "Member, Signatory" in page.content.decode()

    response = client.post(accept_url(token), new_user_answers)
    assert response.status_code == 302
    assert response.url == reverse("organisations:detail", args=[org_a.slug])

    user = User.objects.get(email="nina.new@ardwick.example")
    assert user.full_name == "Nina Newcomer"
    assert user.job_title == "Data Protection Support Officer"
    assert user.check_password(new_user_answers["password1"])
    assert user.history.first().history_change_reason == "isf.user.registered"

    membership = Membership.objects.get(user=user, organisation=org_a)
    assert membership.roles == [Role.MEMBER, Role.SIGNATORY]
    assert membership.history.first().history_change_reason == "isf.membership.joined"
    assert group_names(user, org_a) == groups_for(org_a, "member", "signatory")

    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert invitation.history.first().history_change_reason == "isf.invitation.accepted"

    # Signed in as the new user: the organisation page opens.
    assert get_user(client) == user
    assert client.get(response.url).status_code == 200


def test_full_invitation_journey_from_the_email_link(
    client_for, admin_a, org_a, new_client, new_user_answers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_a).post(
            invite_url(org_a), {"email": "journey@ardwick.example", "roles": ["approver"]}
        )
    link = accept_link_in(only_email_to("journey@ardwick.example"))
    invitee = new_client()
    response = invitee.post(link, new_user_answers, follow=True)
    assert response.status_code == 200
    assert "You have joined Ardwick Borough Council" in response.content.decode()
    membership = Membership.objects.get(user__email="journey@ardwick.example")
    assert membership.roles == [Role.APPROVER]


def test_existing_user_signed_in_accepts_with_one_click(
    client_for, approver_b, org_a, org_b, invite
):
    invitation, token = invite(approver_b.email, roles=[Role.GOVERNANCE_OFFICER])
    browser = client_for(approver_b)
    page = browser.get(accept_url(token))
    assert page.status_code == 200
    assert "Create your account" not in page.content.decode()

    response = browser.post(accept_url(token))
    assert response.status_code == 302
    joined = Membership.objects.get(user=approver_b, organisation=org_a)
    assert joined.roles == [Role.GOVERNANCE_OFFICER]
    assert group_names(approver_b, org_a) == groups_for(org_a, "governance_officer")
    # Their other organisation is untouched.
    assert Membership.objects.get(user=approver_b, organisation=org_b).roles == [Role.APPROVER]
    assert group_names(approver_b, org_b) == groups_for(org_b, "approver")
    invitation.refresh_from_db()
    assert invitation.accepted_by == approver_b


def test_existing_user_not_signed_in_is_sent_to_sign_in_first(
    client, approver_b, org_a, invite, password
):
    _invitation, token = invite(approver_b.email, roles=[Role.MEMBER])
    response = client.get(accept_url(token))
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:sign-in')}?next={accept_url(token)}"
    assert not Membership.objects.filter(user=approver_b, organisation=org_a).exists()

    # A new-account POST does not sneak past the sign-in either.
    client.post(
        accept_url(token),
        {"full_name": "Imposter", "job_title": "x", "password1": "p" * 20, "password2": "p" * 20},
    )
    assert not Membership.objects.filter(user=approver_b, organisation=org_a).exists()
    assert User.objects.filter(email__iexact=approver_b.email).count() == 1

    # Signing in comes back to the invitation.
    signed_in = client.post(
        reverse("accounts:sign-in"),
        {"username": approver_b.email, "password": password, "next": accept_url(token)},
    )
    assert signed_in.status_code == 302
    assert signed_in.url == accept_url(token)
    client.post(accept_url(token))
    assert Membership.objects.get(user=approver_b, organisation=org_a).roles == [Role.MEMBER]


def test_signed_in_as_someone_else_cannot_accept(client_for, member_a, approver_b, org_a, invite):
    invitation, token = invite(approver_b.email)
    browser = client_for(member_a)
    page = browser.get(accept_url(token))
    assert page.status_code == 200
    assert "but you are signed in as member.a@ardwick.example" in page.content.decode()
    browser.post(accept_url(token))
    invitation.refresh_from_db()
    assert invitation.is_open
    assert not Membership.objects.filter(user=approver_b, organisation=org_a).exists()


def test_service_refuses_acceptance_by_another_account(member_a, invite):
    _invitation, token = invite("someone.else@ardwick.example")
    with pytest.raises(DomainError, match="sent to someone.else@ardwick.example"):
        services.invitation_accept(token=token, user=member_a)


def test_expired_invitation_is_refused_and_creates_nothing(client, org_a, invite, new_user_answers):
    invitation, token = invite("late@ardwick.example")
    after_expiry = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS, minutes=1)
    with time_machine.travel(after_expiry, tick=False):
        page = client.get(accept_url(token))
        response = client.post(accept_url(token), new_user_answers)
        with pytest.raises(DomainError, match="expired"):
            services.invitation_accept(token=token, new_user={**new_user_answers, "password": "x"})
    assert page.status_code == 410
    assert "This invitation has expired. Ask Ardwick Borough Council for a new one." in (
        page.content.decode()
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="late@ardwick.example").exists()
    assert not Membership.objects.filter(user__email="late@ardwick.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_still_works_just_before_it_expires(client, invite, new_user_answers):
    _invitation, token = invite("just.in.time@ardwick.example")
    nearly = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS, minutes=-1)
    with time_machine.travel(nearly, tick=False):
        response = client.post(accept_url(token), new_user_answers)
    assert response.status_code == 302
    assert Membership.objects.filter(user__email="just.in.time@ardwick.example").exists()


def test_used_invitation_cannot_be_used_again(client, new_client, invite, new_user_answers):
    _invitation, token = invite("once@ardwick.example")
    assert client.post(accept_url(token), new_user_answers).status_code == 302

    second = new_client().post(accept_url(token), {**new_user_answers, "full_name": "Again"})
    assert second.status_code == 410
    assert "already been used" in second.content.decode()
    assert User.objects.filter(email="once@ardwick.example").count() == 1
    assert User.objects.get(email="once@ardwick.example").full_name == "Nina Newcomer"
    assert Membership.objects.filter(user__email="once@ardwick.example").count() == 1
    with pytest.raises(DomainError, match="already been used"):
        services.invitation_accept(token=token, user=User.objects.get(email="once@ardwick.example"))


def test_cancelled_invitation_is_refused(client, admin_a, invite, new_user_answers):
    invitation, token = invite("cancelled@ardwick.example")
    services.invitation_cancel(invitation=invitation, by=admin_a)
    page = client.get(accept_url(token))
    assert page.status_code == 410
    assert "This invitation link is not valid" in page.content.decode()
    response = client.post(accept_url(token), new_user_answers)
    assert response.status_code == 410
    assert not User.objects.filter(email="cancelled@ardwick.example").exists()


def test_made_up_token_is_not_found(client, new_user_answers, org_a):
    response = client.post(accept_url("not-a-real-token"), new_user_answers)
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert not User.objects.filter(full_name="Nina Newcomer").exists()


def test_mismatched_passwords_are_refused_and_the_other_answers_kept(
    client, invite, new_user_answers
):
    invitation, token = invite("typo@ardwick.example")
    response = client.post(
        accept_url(token), {**new_user_answers, "password2": "a-different-passphrase"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The passwords do not match" in html
    assert "govuk-error-summary" in html
    assert 'value="Nina Newcomer"' in html
    assert 'value="Data Protection Support Officer"' in html
    assert "a-long-and-unusual-passphrase" not in html  # passwords are never echoed
    assert not User.objects.filter(email="typo@ardwick.example").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


@pytest.mark.parametrize(
    "weak", ["password1234", "short-pass", "123456789012", "typo@ardwick.example"]
)
def test_weak_password_is_refused_and_the_other_answers_kept(
    client, invite, new_user_answers, weak
):
    invitation, token = invite("typo@ardwick.example")
    response = client.post(
        accept_url(token), {**new_user_answers, "password1": weak, "password2": weak}
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="Nina Newcomer"' in html
    assert 'value="Data Protection Support Officer"' in html
    assert not User.objects.filter(email="typo@ardwick.example").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_accepting_when_already_a_member_adds_the_invited_roles(org_a, admin_a):
    # Invited before they joined by another route; the roles are merged, never lost.
    invitation, token = services.invitation_create(
        organisation=org_a, email="late.joiner@ardwick.example", roles=[Role.APPROVER], by=admin_a
    )
    joiner = member_of(org_a, Role.MEMBER, email="late.joiner@ardwick.example")
    membership = services.invitation_accept(token=token, user=joiner)
    membership.refresh_from_db()
    assert membership.roles == [Role.MEMBER, Role.APPROVER]
    assert group_names(joiner, org_a) == groups_for(org_a, "member", "approver")
