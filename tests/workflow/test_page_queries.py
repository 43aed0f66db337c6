"""Each page's queries stay the same however much there is: the counts are pinned at two data
sizes (issue #11). A page that read its rows one by one, or worked something out per visible
proposal in Python, would make more queries at the larger size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import Proposal
from tests.workflow.conftest import build_proposal

# Queries per page in a warm session (its navigation cached), the same at both sizes and
# pinned: a change that makes a page read more says why here.
PAGES = {
    "home": 5,
    "home_author": 5,
    "dashboard": 4,
    # 15, and since issue #12 items 9 and 14: the agreements made from it, and whether the
    # reader may download its DPIA; since issue #16 item 3, the outcomes' recorded updates;
    # since issue #11, the vision statement read with its comments and endorsements counted,
    # in one query (they were read in two more); whether the reader may download the DPIA
    # answered from the grants read with the proposal when they may edit it. 13 since: the
    # vision statement and its counts are read with the proposal, and a read-only summary
    # reads no sections' states (the task list, which reads them, reads no answers). 11
    # since: its latest round is read with it, and so are how many agreements, actions and
    # outcomes it has (a list it has none of is not read; here, its agreements).
    "proposal": 11,
    # Since issue #11 the steering group's vote (a rule without roles) reads no parties; 9
    # since: no delegation is looked for where the reader holds no role, and whether they
    # voted is answered from the votes read.
    "review": 9,
    # 5 since issue #11: the page's rows are read with their count, in one statement.
    "steering_list": 5,
    "notifications": 3,
}


def _grow(wf, *, lead, partner, by, n: int, start: int) -> list:
    """n proposals in review and n drafts, each led by `lead` with `partner` taking part."""
    submitted = []
    for i in range(start, start + n):
        proposal = build_proposal(lead=lead, partners=[partner], by=by, title=f"Shared {i}")
        wf.submit(proposal, by=by)
        submitted.append(proposal)
        build_proposal(lead=lead, partners=[partner], by=by, title=f"Draft {i}")
    return submitted


def _counts(client_for, pages: dict) -> dict:
    counts = {}
    for name, (user, url) in pages.items():
        client = client_for(user)
        assert client.get(url).status_code == 200  # warms the session and the navigation
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_the_data(
    wf, org_a, org_b, member_a, approver_a, approver_b, steering_member, client_for
):
    [first] = _grow(wf, lead=org_a, partner=org_b, by=member_a, n=1, start=0)
    Notification.objects.create(
        user=approver_b, kind=NotificationKind.OTHER, title="A notice", url="/"
    )
    pages = {
        "home": (approver_b, reverse("home")),
        "home_author": (member_a, reverse("home")),
        "dashboard": (member_a, reverse("requests:list")),
        "proposal": (member_a, reverse("requests:detail", args=[first.reference])),
        "review": (approver_b, reverse("requests:review", args=[first.reference])),
        "steering_list": (steering_member, reverse("requests:steering-reviews")),
        "notifications": (approver_b, reverse("notifications:list")),
    }
    small = _counts(client_for, pages)

    _grow(wf, lead=org_a, partner=org_b, by=member_a, n=4, start=1)
    Notification.objects.bulk_create(
        Notification(user=approver_b, kind=NotificationKind.OTHER, title=f"Notice {i}", url="/")
        for i in range(30)
    )
    large = _counts(client_for, pages)

    assert large == small
    assert small == PAGES


@pytest.mark.django_db
def test_home_lists_the_newest_drafts_and_those_sent_back_in_one_read(
    org_a, org_b, member_a, client_for
):
    from sharing_requests import selectors

    sent_back = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Sent back")
    # What a round that requested changes leaves (the home page reads the status only).
    Proposal.objects.filter(pk=sent_back.pk).update(status=ProposalStatus.CHANGES_REQUESTED)
    for i in range(7):
        build_proposal(lead=org_a, partners=[org_b], by=member_a, title=f"Draft {i}")

    html = client_for(member_a).get(reverse("home")).content.decode()

    back = html.split("Sent back to your organisation for changes", 1)[1].split("</ul>", 1)[0]
    assert "Sent back" in back and "Draft" not in back
    drafts = html.split("Drafts your organisation is writing", 1)[1].split("</ul>", 1)[0]
    assert [f"Draft {i}" in drafts for i in range(7)] == [False, False] + [True] * 5
    assert drafts.index("Draft 6") < drafts.index("Draft 2")  # newest activity first
    with CaptureQueriesContext(connection) as queries:
        own = selectors.own_proposals(user=member_a, lead_ids=[org_a.pk], limit=3)
    assert len(queries) == 1
    assert [p.title for p in own["draft"]] == ["Draft 6", "Draft 5", "Draft 4"]


@pytest.mark.django_db
def test_the_task_list_reads_the_sections_and_no_answers(org_a, org_b, member_a, client_for):
    """The lead's members see the task list of a draft: its sections' states, not the answers
    summary that partners and reviewers read (its data items, outcomes, actions and lawful
    bases are not read)."""
    draft = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="A draft")
    url = reverse("requests:detail", args=[draft.reference])
    client = client_for(member_a)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "govuk-task-list" in response.content.decode()
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "requests_sectionstate" in tables
    # The rows read (the proposal's query counts its actions: answers_context's sign).
    read = {q["sql"].split(" FROM ")[0].split(".")[0] for q in queries.captured_queries}
    assert 'SELECT "requests_sectionstate"' in read
    for answers in ("requests_dataitem", "requests_action", "requests_lawfulbasis"):
        assert f'SELECT "{answers}"' not in read
    assert len(queries) == 7
