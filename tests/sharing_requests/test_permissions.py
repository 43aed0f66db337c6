"""Who may open every page of sharing_requests/urls.py.

Lead members edit; partner members (members at an invited organisation) view, comment and
endorse and get 403 on edit pages; read-only members of the lead view and get 403 on edit
pages; everyone else gets 404, whatever the URL; anonymous people are sent to sign in.
"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from organisations.models import Role
from sharing_requests import services
from sharing_requests.choices import Section
from sharing_requests.models import (
    Action,
    DataItem,
    Endorsement,
    MeasurableOutcome,
    Participant,
    VisionComment,
)
from sharing_requests.urls import urlpatterns
from tests.factories import member_of

from .conftest import url

pytestmark = pytest.mark.django_db

VIEW, EDIT, COMMENT, ENDORSE, PREVIEW, SUBMIT, DPIA, MARK, START = (
    "view",
    "edit",
    "comment",
    "endorse",
    "preview",
    "submit",
    "dpia",  # the DPIA: the parties' signatories, approvers, governance officers; the lead
    "mark",  # an action done: anyone with a role at its owner organisation (here the lead)
    "start",  # start a new draft from it: whoever may see it and may start proposals
)

# Every URL of a proposal: (name, extra arguments, method, what kind of page it is).
# Extra arguments name a row of the `world` fixture.
PROPOSAL_URLS = [
    ("detail", [], "get", VIEW),
    ("section", ["section"], "get", VIEW),
    ("purpose-edit", [], "get", EDIT),
    ("needs-edit", [], "get", EDIT),
    ("confidentiality-edit", [], "get", EDIT),
    ("how-edit", [], "get", EDIT),
    ("review-edit", [], "get", EDIT),
    ("exit-edit", [], "get", EDIT),
    ("vision", [], "get", VIEW),
    ("vision-preview", [], "post", PREVIEW),
    ("vision-history", [], "get", VIEW),
    ("vision-comment", [], "post", COMMENT),
    ("vision-endorse", [], "post", ENDORSE),
    ("outcome-add", [], "get", EDIT),
    ("outcome-edit", ["outcome"], "get", EDIT),
    ("outcome-remove", ["outcome"], "get", EDIT),
    ("dataitem-add", [], "get", EDIT),
    ("dataitem-edit", ["dataitem"], "get", EDIT),
    ("dataitem-remove", ["dataitem"], "get", EDIT),
    ("action-add", [], "get", EDIT),
    ("action-mark", ["action"], "post", MARK),
    ("action-edit", ["action"], "get", EDIT),
    ("action-remove", ["action"], "get", EDIT),
    ("participant-add", [], "get", EDIT),
    ("participant-edit", ["partner"], "get", EDIT),
    ("participant-remove", ["partner"], "get", EDIT),
    ("lawful-basis", ["partner", "receiving"], "get", EDIT),
    ("screening", [], "get", EDIT),
    ("screening-outcome", [], "get", VIEW),
    ("dpia", [], "get", EDIT),
    ("dpia-download", [], "get", DPIA),
    ("check", [], "get", EDIT),
    ("submit", [], "post", SUBMIT),
    ("withdraw", [], "get", EDIT),
    ("print", [], "get", VIEW),
    ("start-from", [], "post", START),
]
PROPOSAL_URL_IDS = [name for name, *_rest in PROPOSAL_URLS]


# The review round's pages (issue 4, tested with the workflow in tests/workflow/): here only
# what every proposal URL owes outsiders and anonymous people.
REVIEW_URLS = [
    ("review", [], "get"),
    ("decide", ["decision"], "post"),
    ("vote", [], "post"),
]


def test_every_url_of_the_app_is_covered():
    names = {pattern.name for pattern in urlpatterns}
    covered = set(PROPOSAL_URL_IDS) | {name for name, *_rest in REVIEW_URLS}
    # "submitted" exists only once a proposal is submitted: its own test is below.
    assert names == covered | {"list", "start", "steering-reviews", "submitted"}


@pytest.fixture
def world(complete_proposal, member_a, org_b, pdf_upload):
    """A complete proposal with one of every row and an attached DPIA."""
    p = complete_proposal
    upload = pdf_upload()
    upload.isf_extension = "pdf"
    services.dpia_attach(
        proposal=p,
        reference="",
        upload=upload,
        by=member_a,
        revision=services.section_revision(p, Section.PRACTICAL),
    )
    return {
        "proposal": p,
        "section": "purpose",
        "outcome": MeasurableOutcome.objects.get(proposal=p).pk,
        "dataitem": DataItem.objects.get(proposal=p).pk,
        "action": Action.objects.get(proposal=p).pk,
        "partner": Participant.objects.get(proposal=p, organisation=org_b).pk,
        "receiving": "receiving",
    }


def _url(world, name, extra):
    return url(name, world["proposal"], *[world[key] for key in extra])


def _request(client, method, address, organisation=None):
    if method == "get":
        return client.get(address)
    data = {"text": "A comment", "for_who": "people"}
    if organisation is not None:
        data["organisation"] = organisation.pk
    return client.post(address, data)


LEAD_EXPECTED = {
    VIEW: 200,
    EDIT: 200,
    COMMENT: 302,
    ENDORSE: 302,
    PREVIEW: 200,
    SUBMIT: 302,
    DPIA: 200,
    MARK: 302,
    START: 302,
}


@pytest.mark.parametrize("name, extra, method, kind", PROPOSAL_URLS, ids=PROPOSAL_URL_IDS)
def test_lead_member_opens_every_page(
    world, member_a, org_a, client_for, name, extra, method, kind
):
    response = _request(client_for(member_a), method, _url(world, name, extra), org_a)
    assert response.status_code == LEAD_EXPECTED[kind]


PARTNER_EXPECTED = {
    VIEW: 200,
    EDIT: 403,
    COMMENT: 302,
    ENDORSE: 302,
    PREVIEW: 403,
    SUBMIT: 403,
    DPIA: 403,  # a partner's member without a governance role (issue #12 item 14)
    MARK: 403,  # the action is the lead's
    START: 302,
}


@pytest.mark.parametrize("name, extra, method, kind", PROPOSAL_URLS, ids=PROPOSAL_URL_IDS)
def test_partner_member_views_comments_and_endorses_but_cannot_edit(
    world, partner_b, org_b, client_for, name, extra, method, kind
):
    response = _request(client_for(partner_b), method, _url(world, name, extra), org_b)
    assert response.status_code == PARTNER_EXPECTED[kind]


@pytest.mark.parametrize("persona", ["approver_b", "signatory_b", "governance_b"])
def test_a_partners_approver_signatory_or_governance_officer_downloads_the_dpia(
    world, persona, request, client_for
):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url("dpia-download", world["proposal"]))
    assert response.status_code == 200


def test_a_reader_without_the_role_is_told_who_downloads_the_dpia(world, partner_b, client_for):
    page = client_for(partner_b).get(url("section", world["proposal"], "practical"))
    text = page.content.decode()
    assert url("dpia-download", world["proposal"]) not in text
    assert "The DPIA is for the parties' signatories" in text


def test_partner_comment_and_endorsement_are_saved(world, partner_b, org_b, client_for):
    client = client_for(partner_b)
    p = world["proposal"]
    client.post(url("vision-comment", p), {"organisation": org_b.pk, "text": "Agreed"})
    client.post(url("vision-endorse", p), {"organisation": org_b.pk})

    assert VisionComment.objects.get(proposal=p).text == "Agreed"
    assert Endorsement.objects.get(proposal=p).organisation == org_b


READ_ONLY_EXPECTED = {
    VIEW: 200,
    EDIT: 403,
    COMMENT: 403,
    ENDORSE: 403,
    PREVIEW: 403,
    SUBMIT: 403,
    DPIA: 403,
    MARK: 403,
    START: 403,
}


@pytest.mark.parametrize("name, extra, method, kind", PROPOSAL_URLS, ids=PROPOSAL_URL_IDS)
def test_read_only_member_of_the_lead_views_but_cannot_edit(
    world, readonly_a, org_a, client_for, name, extra, method, kind
):
    response = _request(client_for(readonly_a), method, _url(world, name, extra), org_a)
    assert response.status_code == READ_ONLY_EXPECTED[kind]


@pytest.mark.parametrize("name, extra, method, kind", PROPOSAL_URLS, ids=PROPOSAL_URL_IDS)
def test_outsider_gets_404_on_every_url(
    world, outsider, org_c, client_for, name, extra, method, kind
):
    client = client_for(outsider)
    address = _url(world, name, extra)
    assert _request(client, method, address, org_c).status_code == 404
    if method == "get":
        assert _request(client, "post", address, org_c).status_code == 404


@pytest.mark.parametrize("name, extra, method, kind", PROPOSAL_URLS, ids=PROPOSAL_URL_IDS)
def test_anonymous_is_sent_to_sign_in(world, client, name, extra, method, kind):
    address = _url(world, name, extra)
    response = _request(client, method, address)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


@pytest.mark.parametrize("name, extra, method", REVIEW_URLS, ids=[u[0] for u in REVIEW_URLS])
def test_review_pages_answer_404_to_outsiders_and_send_anonymous_people_to_sign_in(
    world, outsider, client_for, client, name, extra, method
):
    address = url(name, world["proposal"], *[1 for _key in extra])
    assert getattr(client, method)(address).status_code == 302
    assert getattr(client_for(outsider), method)(address).status_code == 404


def test_the_submitted_confirmation_is_for_the_proposals_viewers(
    world, member_a, partner_b, readonly_a, outsider, client, client_for
):
    services.proposal_submit(proposal=world["proposal"], by=member_a)
    address = url("submitted", world["proposal"])

    assert client.get(address)["Location"].startswith(resolve_url(settings.LOGIN_URL))
    for user, status in ((member_a, 200), (partner_b, 200), (readonly_a, 200), (outsider, 404)):
        assert client_for(user).get(address).status_code == status


def test_unknown_reference_is_404(member_a, client_for):
    assert client_for(member_a).get("/proposals/ISF-2000-9999/").status_code == 404


@pytest.mark.parametrize(
    "name, key",
    [
        ("outcome-edit", "outcome"),
        ("outcome-remove", "outcome"),
        ("dataitem-edit", "dataitem"),
        ("dataitem-remove", "dataitem"),
        ("action-edit", "action"),
        ("action-remove", "action"),
        ("participant-edit", "partner"),
        ("participant-remove", "partner"),
    ],
)
def test_guessing_ids_of_another_proposals_rows_gives_404(
    world, outsider, org_c, client_for, name, key
):
    """The outsider leads a proposal of their own and tries our rows' IDs under it."""
    own = services.proposal_create(lead_organisation=org_c, title="Ours", by=outsider)
    address = url(name, own, world[key])
    client = client_for(outsider)

    assert client.get(address).status_code == 404
    assert client.post(address, {"name": "Stolen", "description": "Stolen"}).status_code == 404

    p = world["proposal"]
    assert p.outcomes.get().description == "Fewer falls"
    assert p.data_items.get().name == "Name and address"
    assert p.actions.get().description == "Update the privacy notice"
    assert p.participants.count() == 2


def test_guessing_a_participant_of_another_proposal_on_the_lawful_basis_page_gives_404(
    world, outsider, org_c, client_for
):
    own = services.proposal_create(lead_organisation=org_c, title="Ours", by=outsider)
    address = url("lawful-basis", own, world["partner"], "receiving")
    assert client_for(outsider).get(address).status_code == 404


def test_lead_cannot_remove_its_own_participation_by_url(world, member_a, client_for):
    lead = world["proposal"].participants.get(is_lead=True)
    response = client_for(member_a).post(url("participant-remove", world["proposal"], lead.pk))
    assert response.status_code == 404
    assert Participant.objects.filter(pk=lead.pk).exists()


def test_steering_group_sees_a_proposal_only_from_submission_and_cannot_edit(
    complete_proposal, member_a, steering_member, client_for
):
    p = complete_proposal
    client = client_for(steering_member)
    assert client.get(url("detail", p)).status_code == 404

    services.proposal_submit(proposal=p, by=member_a)

    assert client.get(url("detail", p)).status_code == 200
    assert client.get(url("print", p)).status_code == 200
    assert client.get(url("purpose-edit", p)).status_code == 403


def test_a_submitted_proposal_shows_a_not_editable_page_to_its_lead(
    complete_proposal, member_a, client_for
):
    p = complete_proposal
    services.proposal_submit(proposal=p, by=member_a)
    client = client_for(member_a)
    response = client.post(url("purpose-edit", p), {"title": "Changed"})
    assert response.status_code == 409
    p.refresh_from_db()
    assert p.title == "Falls prevention referrals"


# --- The list and start pages ---------------------------------------------------------------
def test_list_and_start_need_sign_in(client):
    for name in ("list", "start", "steering-reviews"):
        response = client.get(url(name))
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_list_shows_only_proposals_the_user_may_see(
    proposal, member_a, partner_b, readonly_a, outsider, client_for
):
    for person in (member_a, partner_b, readonly_a):
        assert proposal.reference in client_for(person).get(url("list")).content.decode()
    response = client_for(outsider).get(url("list"))
    assert response.status_code == 200
    assert proposal.reference not in response.content.decode()


def test_only_members_may_start_a_proposal(org_a, readonly_a, member_a, client_for):
    assert client_for(readonly_a).get(url("start")).status_code == 403
    response = client_for(readonly_a).post(
        url("start"), {"title": "X", "lead_organisation": org_a.pk}
    )
    assert response.status_code == 403
    assert client_for(member_a).get(url("start")).status_code == 200


def test_a_member_starts_a_proposal_from_the_start_page(org_a, member_a, client_for):
    response = client_for(member_a).post(
        url("start"), {"title": "Hoarding risk referrals", "lead_organisation": org_a.pk}
    )
    assert response.status_code == 302
    proposal = org_a.led_proposals.get()
    assert proposal.title == "Hoarding risk referrals"
    assert response["Location"] == url("detail", proposal)


def test_a_person_cannot_start_a_proposal_for_an_organisation_they_are_not_a_member_of(
    org_a, org_b, client_for
):
    person = member_of(org_a, Role.MEMBER, email="two.orgs@ardwick.example")
    member_of(org_b, user=person)  # read only at org_b
    response = client_for(person).post(url("start"), {"title": "X", "lead_organisation": org_b.pk})
    assert response.status_code == 200
    assert not org_b.led_proposals.exists()


def test_changing_lead_membership_takes_effect_on_the_next_request(proposal, org_a, client_for):
    newcomer = member_of(org_a, Role.MEMBER, email="new@ardwick.example")
    assert client_for(newcomer).get(url("purpose-edit", proposal)).status_code == 200
    member_of(org_a, user=newcomer)  # roles taken away: read only
    assert client_for(newcomer).get(url("purpose-edit", proposal)).status_code == 403


def test_partners_cannot_complete_a_section(world, partner_b, client_for):
    p = world["proposal"]
    response = client_for(partner_b).post(url("section", p, Section.HOW), {"completed": "yes"})
    assert response.status_code == 403
    assert p.sections.get(section=Section.HOW).status != "completed"


@pytest.mark.parametrize("direction", ["receiving", "sideways"])
def test_a_lawful_basis_page_for_a_direction_the_party_does_not_have_is_404(
    world, member_a, client_for, direction
):
    lead = world["proposal"].participants.get(is_lead=True)  # a provider only
    address = url("lawful-basis", world["proposal"], lead.pk, direction)
    assert client_for(member_a).get(address).status_code == 404


def test_an_unknown_section_is_404(world, member_a, client_for):
    assert client_for(member_a).get(url("section", world["proposal"], "nope")).status_code == 404
