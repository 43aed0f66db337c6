"""Issue #12 item 13: a proposal invitation is a notification too (and listed in the
contact's "E-mails we have sent you"); the lead is told of comments and endorsements."""

from django.urls import reverse

from notifications.models import Email, Notification
from organisations.models import Role
from sharing_requests import services
from tests.factories import member_of

from .conftest import invite, url


def test_an_invitation_notifies_the_contact_in_the_portal_and_lists_the_email(
    proposal, member_a, org_c, client_for
):
    contact = member_of(org_c, Role.MEMBER, email="casey@ch.example", full_name="Casey Contact")
    colleague = member_of(org_c, Role.MEMBER, email="colleague@ch.example")
    reader = member_of(org_c, email="reader@ch.example")

    invite(proposal, org_c, by=member_a, email="Casey@CH.example")

    note = Notification.objects.get(user=contact)
    assert proposal.title in note.title and note.url == url("detail", proposal)
    assert note.email is not None and note.email.recipient == contact
    assert Email.objects.filter(to__iexact="casey@ch.example").count() == 1
    emails = client_for(contact).get(reverse("notifications:emails")).content.decode()
    assert note.email.subject in emails
    # Its other members, who may now comment and endorse, see it in the portal (the IG
    # mailbox is copied on the e-mail).
    assert Notification.objects.filter(user=colleague, url=url("detail", proposal)).exists()
    assert not Notification.objects.filter(user=reader).exists()


def test_the_lead_is_told_of_a_comment_and_an_endorsement_but_not_the_commenter(
    complete_proposal, member_a, partner_b, org_b
):
    p = complete_proposal
    services.comment_add(proposal=p, organisation=org_b, text="Add the GP data", by=partner_b)
    services.endorse(proposal=p, organisation=org_b, by=partner_b)

    told = Notification.objects.filter(user=member_a).order_by("pk")
    assert [n.url for n in told] == [url("vision", p), url("vision", p)]
    assert "comment" in told[0].title.lower() and org_b.name in told[0].title
    assert "endorsed" in told[1].title.lower()
    assert "Add the GP data" in told[0].email.body_text
    assert not Notification.objects.filter(user=partner_b).exists()
