"""What already exists (issue #16 item 4): the agreements and proposals like the one being
started or submitted, ranked, never more than the person may see; and "start from this one"."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus
from organisations.models import Role
from sharing_requests import services
from sharing_requests.models import LawfulBasis, Proposal
from tests.conftest import invite, url
from tests.factories import member_of

from .proposal_builders import build_proposal
from .register_builders import make_agreement

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"(?:DSA|ISF)-\d{4}-\d{4}")


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def existing(html: str, kind: str) -> list[str]:
    """The references listed as existing `kind` ("agreements" or "proposals"), in order."""
    found = re.search(rf'data-existing="{kind}">(.*?)</ul>', html, re.S)
    return list(dict.fromkeys(REFERENCE.findall(found.group(1)))) if found else []


@pytest.fixture
def partner_b(org_b):
    return member_of(org_b, Role.MEMBER, email="partner.b@bpnt.example", full_name="Pat Partner")


@pytest.fixture
def world(org_a, org_b, org_c, member_a, partner_b, outsider):
    """Member A's draft about hoarding and fire safety (with Bradford Park), and what
    already exists around it."""
    w = {}
    # One shared party (Bradford Park); its detail mentions hoarding, but Ardwick may not
    # read it: only its summary may show, and the word does not count.
    w["one"] = make_agreement(org_b, org_c, title="Tenancy sustainment")
    Agreement.objects.filter(pk=w["one"].pk).update(search_detail="Secret hoarding register")
    # Both parties and a purpose word.
    w["both"] = make_agreement(org_a, org_b, title="Falls prevention referrals")
    w["unrelated"] = make_agreement(org_c, title="Allotment waiting lists")
    w["ended"] = make_agreement(
        org_a, org_b, title="Hoarding referrals", status=AgreementStatus.TERMINATED
    )
    w["mine"] = build_proposal(
        lead=org_a, partners=[org_b], author=member_a, title="Hoarding referrals for fire safety"
    )
    # Bradford Park's proposal in review, with Ardwick: both parties, the data category,
    # two words.
    w["theirs"] = build_proposal(
        lead=org_b, partners=[org_a], author=partner_b, title="Fire safety home visits"
    )
    services.proposal_submit(proposal=w["theirs"], by=partner_b)
    # Ardwick's own other draft: one party, one word.
    w["own_draft"] = services.proposal_create(
        lead_organisation=org_a, title="Fire drill rota", by=member_a
    )
    # Bradford Park's draft that Ardwick is invited to: never listed.
    w["their_draft"] = services.proposal_create(
        lead_organisation=org_b, title="Hoarding fire safety pilot", by=partner_b
    )
    invite(w["their_draft"], org_a, by=partner_b)
    # Collyhurst's proposal with Bradford Park, about the same thing: Ardwick may not see it.
    w["hidden"] = build_proposal(
        lead=org_c, partners=[org_b], author=outsider, title="Hoarding referrals fire safety"
    )
    services.proposal_submit(proposal=w["hidden"], by=outsider)
    return w


def test_check_answers_lists_active_agreements_and_visible_proposals_ranked(world, member_a):
    html = browser(member_a).get(url("check", world["mine"])).content.decode()
    assert existing(html, "agreements") == [world["both"].reference, world["one"].reference]
    assert existing(html, "proposals") == [
        world["theirs"].reference,
        world["own_draft"].reference,
    ]
    # Never another organisation's draft, an ended agreement or the proposal itself.
    assert world["their_draft"].reference not in html
    assert world["hidden"].reference not in html
    assert world["ended"].reference not in html
    assert world["unrelated"].reference not in html


def test_an_agreement_the_person_may_not_read_shows_its_summary_only(world, member_a, org_c):
    html = browser(member_a).get(url("check", world["mine"])).content.decode()
    one = world["one"]
    assert f"{one.reference}: Tenancy sustainment" in html
    assert org_c.name in html  # its parties, as the register shows them
    assert reverse("agreements:detail", args=[one.reference]) not in html
    assert "Secret hoarding register" not in html
    # The readable one links to its page.
    assert reverse("agreements:detail", args=[world["both"].reference]) in html


def test_the_start_page_lists_what_the_persons_organisations_take_part_in(world, member_a):
    html = browser(member_a).get(reverse("requests:start")).content.decode()
    assert existing(html, "agreements") == [world["both"].reference]
    assert world["theirs"].reference in existing(html, "proposals")
    assert world["mine"].reference in existing(html, "proposals")
    assert world["their_draft"].reference not in html


def test_the_check_costs_the_same_queries_whatever_exists(org_a, org_b, member_a):
    mine = build_proposal(lead=org_a, partners=[org_b], author=member_a, title="Hoarding")
    client = browser(member_a)

    def count(n):
        for i in range(n):
            make_agreement(org_a, org_b, title=f"Hoarding {i}")
            services.proposal_create(lead_organisation=org_a, title=f"Hoarding {i}", by=member_a)
        found = []
        for page in (url("check", mine), reverse("requests:start")):
            client.get(page)
            with CaptureQueriesContext(connection) as queries:
                html = client.get(page).content.decode()
            found.append(
                (len(queries), len(existing(html, "agreements")), len(existing(html, "proposals")))
            )
        return found

    small, large = count(1), count(3)
    # The check: the proposal itself is not listed; the start page: it is (a draft of theirs).
    assert [s[1:] for s in small] == [(1, 1), (1, 2)]
    assert [s[1:] for s in large] == [(4, 4), (4, 5)]
    assert [s[0] for s in small] == [s[0] for s in large]


# --- Start from this one ---------------------------------------------------------------------
def test_start_from_a_proposal_copies_its_answers_not_its_decisions(world, member_a, org_a):
    source = world["theirs"]
    services.comment_add(proposal=source, organisation=org_a, text="Looks good", by=member_a)
    response = browser(member_a).post(url("start-from", source))
    draft = Proposal.objects.exclude(
        pk__in=[p.pk for p in world.values() if isinstance(p, Proposal)]
    ).get(title=source.title)
    assert response.status_code == 302 and response.url == url("detail", draft)
    assert draft.status == "draft" and draft.lead_organisation == org_a
    assert draft.created_by == member_a
    parties = {p.organisation.slug: p.is_lead for p in draft.participants.all()}
    assert parties == {"ardwick": True, "bradford-park": False}
    assert list(draft.data_items.values_list("name", "category")) == list(
        source.data_items.values_list("name", "category")
    )
    assert LawfulBasis.objects.filter(participant__proposal=draft).count() == (
        LawfulBasis.objects.filter(participant__proposal=source).count()
    )
    assert draft.transfer_method == source.transfer_method
    assert draft.vision.outcome == source.vision.outcome
    # Decisions, rounds, versions, comments and agreements stay with the source.
    assert not draft.versions.exists() and not draft.rounds.exists()
    assert not draft.comments.exists() and not draft.agreements.exists()
    assert draft.events.filter(kind="started_from", description__contains=source.reference).exists()


def test_start_from_an_agreement(world, member_a, org_a, org_b, partner_b):
    agreement = make_agreement(org_a, org_b, title="Fire safety", proposal=world["theirs"])
    client = browser(member_a)
    page = client.get(reverse("agreements:detail", args=[agreement.reference])).content.decode()
    assert "Start from this one" in page
    response = client.post(reverse("agreements:start-from", args=[agreement.reference]))
    draft = Proposal.objects.get(events__kind="started_from")
    assert response.url == url("detail", draft)
    assert draft.events.filter(description__contains=agreement.reference).exists()
    assert draft.data_items.count() == world["theirs"].data_items.count()
    assert not draft.agreements.exists()


def test_start_from_outsiders_404_and_read_only_403(world, outsider, readonly_a, org_a, org_b):
    agreement = make_agreement(org_a, org_b, title="Fire safety", proposal=world["theirs"])
    intruder = browser(outsider)
    assert intruder.post(url("start-from", world["theirs"])).status_code == 404
    start = reverse("agreements:start-from", args=[agreement.reference])
    assert intruder.post(start).status_code == 404
    reader = browser(readonly_a)
    page = reader.get(url("detail", world["theirs"])).content.decode()
    assert "Start from this one" not in page
    assert reader.post(url("start-from", world["theirs"])).status_code == 403
    assert reader.post(start).status_code == 403
    assert not Proposal.objects.filter(events__kind="started_from").exists()


def test_someone_in_two_organisations_chooses_which_leads(org_a, org_b, member_a):
    source = build_proposal(lead=org_a, partners=[], author=member_a, title="Fire safety")
    both = member_of(org_b, Role.MEMBER, user=member_a)
    client = browser(both)
    page = client.get(url("detail", source)).content.decode()
    assert 'name="lead_organisation"' in page
    # None chosen: back to the page, nothing started.
    response = client.post(url("start-from", source))
    assert response.url == url("detail", source)
    assert Proposal.objects.count() == 1
    client.post(url("start-from", source), {"lead_organisation": org_b.pk})
    draft = Proposal.objects.exclude(pk=source.pk).get()
    assert draft.lead_organisation == org_b
    # The earlier lead is invited like any other party.
    parties = {p.organisation.slug: p.is_lead for p in draft.participants.all()}
    assert parties == {"bradford-park": True, "ardwick": False}
