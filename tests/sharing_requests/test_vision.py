"""The interactive vision statement: live preview, the no-JavaScript preview, comments and
endorsements beside it, and the history of saved versions."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from organisations.models import Role
from outbox.models import OutboxTask
from sharing_requests import services
from sharing_requests.models import VisionStatement
from sharing_requests.vision import PLACEHOLDERS, assemble
from tests.conftest import LEAD_IG
from tests.factories import member_of

from .conftest import VISION_PARTS, fresh, url

pytestmark = pytest.mark.django_db

STATEMENT = (
    "For older people receiving care at home who are more likely to fall, the falls "
    "prevention scheme will prevent falls by sharing names, addresses and mobility flags "
    "between Ardwick and the trust. Unlike ad hoc phone referrals, it will reach everyone "
    "at risk."
)


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_assemble_builds_the_statement_and_trims_full_stops():
    assert assemble({**VISION_PARTS, "benefit": "reach everyone at risk."}) == STATEMENT


def test_preview_fragment_returns_the_assembled_statement(proposal, member_a):
    response = browser(member_a).post(url("vision-preview", proposal), VISION_PARTS)

    assert response.status_code == 200
    html = response.content.decode()
    assert STATEMENT in html
    assert "<html" not in html  # a fragment, not a page
    assert fresh(proposal).vision.for_who == ""  # nothing saved


def test_preview_fragment_shows_placeholders_for_missing_parts(proposal, member_a):
    response = browser(member_a).post(
        url("vision-preview", proposal), {"for_who": "care leavers", "need": "  "}
    )
    html = response.content.decode()
    assert "For care leavers who" in html
    for key in ("need", "proposal_name", "outcome", "data_shared", "between_whom", "today"):
        assert PLACEHOLDERS[key] in html
    assert PLACEHOLDERS["for_who"] not in html


def test_preview_fragment_is_refused_to_partners_and_hidden_from_outsiders(
    proposal, partner_b, outsider, readonly_a
):
    assert browser(partner_b).post(url("vision-preview", proposal), VISION_PARTS).status_code == 403
    assert (
        browser(readonly_a).post(url("vision-preview", proposal), VISION_PARTS).status_code == 403
    )
    assert browser(outsider).post(url("vision-preview", proposal), VISION_PARTS).status_code == 404


def test_preview_fragment_only_answers_post(proposal, member_a):
    assert browser(member_a).get(url("vision-preview", proposal)).status_code == 405


def test_no_js_preview_shows_the_statement_and_saves_nothing(proposal, member_a):
    before = proposal.vision.history.count()
    revision_before = services.section_revision(proposal, "purpose")

    response = browser(member_a).post(
        url("vision", proposal), {**VISION_PARTS, "action": "preview"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert STATEMENT in html
    assert 'value="older people receiving care at home"' in html  # the answers stay in the form
    vision = fresh(proposal).vision
    assert all(getattr(vision, part) == "" for part in VisionStatement.PARTS)
    assert vision.history.count() == before
    assert services.section_revision(proposal, "purpose") == revision_before


def test_saving_the_vision_through_the_page(proposal, member_a):
    response = browser(member_a).post(url("vision", proposal), {**VISION_PARTS, "action": "save"})
    assert response.status_code == 302
    assert response["Location"] == url("section", proposal, "purpose")
    assert fresh(proposal).vision.text == STATEMENT


def test_a_part_over_300_characters_is_refused_with_the_preview_kept(proposal, member_a):
    response = browser(member_a).post(
        url("vision", proposal), {**VISION_PARTS, "need": "n" * 301, "action": "save"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'value="the falls prevention scheme"' in html
    assert fresh(proposal).vision.need == ""


def test_partners_cannot_save_the_vision(proposal, partner_b):
    response = browser(partner_b).post(url("vision", proposal), {**VISION_PARTS, "action": "save"})
    assert response.status_code == 403
    assert fresh(proposal).vision.for_who == ""


def test_a_submitted_vision_shows_its_lead_the_not_editable_page_like_other_sections(
    complete_proposal, member_a, partner_b
):
    p = complete_proposal
    services.proposal_submit(proposal=p, by=member_a)
    before = fresh(p).vision.text

    for action in ("save", "preview"):
        response = browser(member_a).post(
            url("vision", p), {**VISION_PARTS, "for_who": "someone else", "action": action}
        )
        assert response.status_code == 409
        assert "This proposal cannot be changed now" in response.content.decode()
    assert browser(partner_b).post(url("vision", p), VISION_PARTS).status_code == 403
    assert fresh(p).vision.text == before
    assert browser(member_a).get(url("vision", p)).status_code == 200


def test_the_author_sees_comments_and_endorsements_beside_the_preview(
    proposal, member_a, partner_b, org_b
):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    services.comment_add(
        proposal=proposal, organisation=org_b, text="Add the GP practice?", by=partner_b
    )
    services.endorse(proposal=proposal, organisation=org_b, by=partner_b)

    html = browser(member_a).get(url("vision", proposal)).content.decode()

    assert "Add the GP practice?" in html
    assert "No partner has endorsed the statement yet." not in html
    assert f"<strong>{org_b.name}</strong>: Pat Partner" in html
    assert "Earlier version" not in html

    # Once the statement changes, the endorsement is shown as of an earlier version.
    services.vision_update(
        proposal=proposal,
        parts={**VISION_PARTS, "need": "fall often"},
        by=member_a,
        revision=None,
    )
    assert "Earlier version" in browser(member_a).get(url("vision", proposal)).content.decode()


def test_partners_see_an_endorse_button_only_for_a_finished_statement(
    proposal, member_a, partner_b
):
    client = browser(partner_b)
    assert (
        url("vision-endorse", proposal) not in client.get(url("vision", proposal)).content.decode()
    )
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    assert url("vision-endorse", proposal) in client.get(url("vision", proposal)).content.decode()


def test_a_partner_comment_through_the_page(proposal, partner_b, org_b):
    response = browser(partner_b).post(
        url("vision-comment", proposal), {"organisation": org_b.pk, "text": "Happy with this"}
    )
    assert response.status_code == 302
    assert proposal.comments.get().text == "Happy with this"


def test_an_empty_comment_is_refused_with_an_error_summary(proposal, partner_b, org_b):
    response = browser(partner_b).post(
        url("vision-comment", proposal), {"organisation": org_b.pk, "text": ""}
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not proposal.comments.exists()


def test_a_partner_cannot_comment_for_an_organisation_they_do_not_belong_to(
    proposal, partner_b, org_a
):
    response = browser(partner_b).post(
        url("vision-comment", proposal), {"organisation": org_a.pk, "text": "As the lead"}
    )
    assert response.status_code == 400
    assert not proposal.comments.exists()


def test_the_history_page_lists_each_saved_version_with_who_and_what_changed(
    proposal, member_a, colleague_a
):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    services.vision_update(
        proposal=proposal,
        parts={**VISION_PARTS, "outcome": "halve falls", "benefit": "act within a week"},
        by=colleague_a,
        revision=None,
    )

    response = browser(member_a).get(url("vision-history", proposal))

    assert response.status_code == 200
    html = response.content.decode()
    saved = proposal.vision.history.filter(history_change_reason="isf.vision.saved")
    assert saved.count() == 2
    # Newest first: the colleague's version, then the author's.
    assert html.index("Cal Lee") < html.index("Mia Member")
    newest = html.split("Version 3", 1)[1].split("Version 2", 1)[0]
    assert "(current)" in newest
    assert "halve falls" in newest and "act within a week" in newest
    assert "<del>prevent falls</del>" in newest and "<ins>halve falls</ins>" in newest
    assert "The outcome" in newest and "The benefit" in newest
    assert "Who it is for" not in newest  # unchanged parts are not listed
    older = html.split("Version 2", 1)[1]
    assert assemble(VISION_PARTS) in older


def test_the_history_page_is_readable_by_partners_but_not_outsiders(
    proposal, member_a, partner_b, outsider
):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    assert browser(partner_b).get(url("vision-history", proposal)).status_code == 200
    assert browser(outsider).get(url("vision-history", proposal)).status_code == 404


def test_a_comment_makes_the_same_queries_telling_the_lead_5_people_or_20(
    proposal, partner_b, org_a, org_b, member_a
):
    """The lead's people are told together: their e-mails and notifications inserted with
    one statement each, and the e-mails sent through one outbox row."""
    client = browser(partner_b)

    def comment(text: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                url("vision-comment", proposal), {"organisation": org_b.pk, "text": text}
            )
        assert response.status_code == 302
        return len(queries)

    lead = [member_a] + [member_of(org_a, Role.MEMBER) for _ in range(4)]
    comment("Hello")  # the session's first request reads what later ones have kept
    small = comment("First thoughts")
    lead += [member_of(org_a, Role.MEMBER) for _ in range(15)]
    large = comment("Second thoughts")

    assert small == large <= 17
    told = Notification.objects.filter(title__contains="commented on the vision statement")
    assert told.count() == 5 + 5 + 20
    latest = told.filter(body="Second thoughts")
    assert sorted(n.user_id for n in latest) == sorted(u.pk for u in lead)
    assert all(n.email.cc == [LEAD_IG] for n in latest)
    rows = OutboxTask.objects.filter(
        task_name="notifications.send_email", kwargs__has_key="email_ids"
    ).order_by("pk")
    assert [len(row.kwargs["email_ids"]) for row in rows] == [5, 5, 20]
    assert sorted(rows.last().kwargs["email_ids"]) == sorted(n.email_id for n in latest)
