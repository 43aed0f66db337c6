"""Text containing HTML or script is shown as text on every page."""

import pytest
from django.core import mail
from django.test import Client

from organisations.models import Role
from sharing_requests import services
from sharing_requests.choices import Section
from sharing_requests.models import DataItem
from tests.factories import member_of

from .conftest import VISION_PARTS, fill, invite, url

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def hostile(proposal, member_a, org_b, partner_b):
    """Script in the title, a data item, a comment, a vision part and a partner contact."""
    p = fill(proposal, by=member_a)
    services.proposal_update(
        proposal=p,
        section=Section.PURPOSE,
        data={"title": f"Falls {SCRIPT}", "problem": f"Problem {SCRIPT}"},
        by=member_a,
        revision=None,
    )
    services.item_save(
        proposal=p,
        section=Section.NEEDS,
        instance=DataItem.objects.get(proposal=p),
        data={"name": f"Item {SCRIPT}"},
        by=member_a,
        kind="dataitem",
        revision=None,
    )
    services.vision_update(
        proposal=p,
        parts={**VISION_PARTS, "outcome": f"stop {SCRIPT} falls"},
        by=member_a,
        revision=None,
    )
    services.comment_add(proposal=p, organisation=org_b, text=f"Comment {SCRIPT}", by=partner_b)
    return p


@pytest.mark.parametrize(
    "name", ["detail", "check", "print", "vision", "vision-history", "section", "list"]
)
def test_script_is_shown_escaped(hostile, member_a, name):
    if name == "section":
        address = url(name, hostile, Section.PURPOSE)
    elif name == "list":
        address = url(name)
    else:
        address = url(name, hostile)

    response = browser(member_a).get(address)

    assert response.status_code == 200
    html = response.content.decode()
    assert SCRIPT not in html
    assert "<script>alert" not in html
    assert ESCAPED in html


@pytest.mark.parametrize("name", ["detail", "print", "vision", "vision-history"])
def test_partners_see_script_escaped_too(hostile, partner_b, name):
    html = browser(partner_b).get(url(name, hostile)).content.decode()
    assert "<script>alert" not in html
    assert ESCAPED in html


def test_each_hostile_answer_is_escaped_where_it_appears(hostile, member_a):
    html = browser(member_a).get(url("print", hostile)).content.decode()
    for text in (
        f"Falls {ESCAPED}",
        f"Problem {ESCAPED}",
        f"Item {ESCAPED}",
        f"stop {ESCAPED} falls",
        f"Comment {ESCAPED}",
    ):
        assert text in html, text


def test_the_preview_fragment_escapes_what_is_typed(proposal, member_a):
    response = browser(member_a).post(
        url("vision-preview", proposal), {"for_who": SCRIPT, "need": '"><img src=x onerror=1>'}
    )
    html = response.content.decode()
    assert "<script>" not in html and "<img" not in html
    assert ESCAPED in html


def test_script_in_a_contact_name_and_title_is_escaped_in_the_invitation_email(
    proposal, member_a, org_c, django_capture_on_commit_callbacks
):
    services.proposal_update(
        proposal=proposal,
        section=Section.PURPOSE,
        data={"title": f"Falls {SCRIPT}"},
        by=member_a,
        revision=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        invite(proposal, org_c, by=member_a, email="contact@ch.example")

    (message,) = mail.outbox
    html_body = message.alternatives[0][0]
    assert "<script>alert" not in html_body
    assert ESCAPED in html_body


def test_script_in_a_withdrawal_reason_is_escaped_on_the_timeline(proposal, member_a, org_a):
    services.proposal_withdraw(proposal=proposal, by=member_a, reason=SCRIPT)
    reader = member_of(org_a, Role.MEMBER, email="reader@ardwick.example")
    html = browser(reader).get(url("detail", proposal)).content.decode()
    assert "<script>alert" not in html
    assert ESCAPED in html
