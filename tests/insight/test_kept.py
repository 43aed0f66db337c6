"""The insight figures kept in the cache (insight/kept.py): a change to what they read is in
the figures at the next visit, a comment is not a change, and no two scopes (nor two
governance officers' reaches) share an entry.

The write paths to what the figures read, checked for the version (each saves the row with
its audit history, in the same transaction):
- proposals: proposal_start/build (created), proposal_submit, proposal_withdraw,
  round _close (status), proposal_status_change (every other status move); the chain head
  and last_activity_at are written with UPDATE (audit_chain, services/sections.py) and the
  figures read neither;
- rounds: round_open, round_evaluate (steering outcome), _close, round_withdraw;
- decisions: round_open (bulk_create_with_history), decision_record, deadline closes;
- participants, data items, measurable outcomes: their services' saves and deletes
  (deleting sends post_delete, which writes history, also for cascades);
- organisations: their services and the admin (history on save);
- agreements, signatures, outcome updates: generation, signing, sealing, external
  recording (its parties bulk-created with the audited agreement), lifecycle, outcomes;
- QuerySet.update()/bulk_update() on these models: none outside insight/demo.py (the demo
  history, written once before the portal serves anyone) and the tests' builders;
- data migrations: the newest applied migration is part of the version."""

from datetime import date

import pytest
from django.urls import reverse

from insight import kept
from insight.figures import Scope
from organisations.models import Role
from sharing_requests.choices import ProposalStatus
from sharing_requests.rounds.rounds import decision_record
from sharing_requests.services import comments, proposals
from tests.agreements.proposal_builders import build_proposal
from tests.factories import OrganisationFactory, member_of

from .builders import in_review

pytestmark = pytest.mark.django_db

PAGE = reverse("insight:insight") + "?period=all"


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def computed(monkeypatch):
    """How many times the figures were computed (rather than read from the cache)."""
    calls = []
    compute = kept.figures_all

    def counted(scope):
        calls.append(scope)
        return compute(scope)

    monkeypatch.setattr(kept, "figures_all", counted)
    return calls


def _figures(client, url=PAGE) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return {figure.slug: figure for figure, _section in response.context["figures"]}


def _stage(figures, label) -> int:
    return next(row[1] for row in figures["stages"].rows if row[0] == label)


@pytest.fixture
def open_round(org_a, org_b, member_a):
    return in_review(
        lead=org_a, partners=[org_b], author=member_a, title="Open", submitted=date(2025, 9, 1)
    )


def test_a_decision_is_in_the_figures_at_the_next_visit(
    client_for, steering_member, open_round, org_b, approver_b, computed
):
    client = client_for(steering_member)
    assert _figures(client)["sections"].rows == []
    decision = open_round.decisions.get(organisation=org_b)
    decision_record(
        decision=decision,
        by=approver_b,
        status="changes_requested",
        comment="Say who sees it.",
        sections=["who"],
    )
    assert _figures(client)["sections"].rows == [["Who", 1]]
    assert len(computed) == 2


def test_a_status_change_is_in_the_figures_at_the_next_visit(
    client_for, steering_member, org_a, org_b, member_a
):
    draft = build_proposal(lead=org_a, partners=[org_b], author=member_a, title="Draft")
    client = client_for(steering_member)
    assert _stage(_figures(client), "Draft") == 1
    proposals.proposal_withdraw(proposal=draft, by=member_a, reason="Not needed")
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.WITHDRAWN
    assert _stage(_figures(client), "Draft") == 0


def test_a_new_round_is_in_the_figures_at_the_next_visit(
    client_for, steering_member, open_round, org_a, org_b, member_a
):
    client = client_for(steering_member)
    assert _stage(_figures(client), "In review") == 1
    in_review(
        lead=org_a, partners=[org_b], author=member_a, title="Next", submitted=date(2025, 10, 1)
    )
    assert _stage(_figures(client), "In review") == 2


def test_a_comment_does_not_compute_the_figures_again(
    client_for, steering_member, open_round, org_a, member_a, computed, django_assert_num_queries
):
    client = client_for(steering_member)
    first = _figures(client)
    assert len(computed) == 1
    version = kept.data_version()
    comments.comment_add(
        proposal=open_round.proposal, organisation=org_a, text="Looks right", by=member_a
    )
    assert kept.data_version() == version
    again = _figures(client)
    assert len(computed) == 1  # read from the cache
    assert [f.rows for f in again.values()] == [f.rows for f in first.values()]
    # And with nothing changed, the version is the only statement the figures cost.
    with django_assert_num_queries(1):
        kept.figures_kept(Scope(since=None))


def test_different_scopes_never_share_an_entry(org_a, org_b):
    version = kept.data_version()
    base = Scope(since=None, today=date(2026, 1, 15))
    variants = [
        base,
        Scope(since=date(2025, 1, 15), today=date(2026, 1, 15)),
        Scope(since=None, organisation=org_a, today=date(2026, 1, 15)),
        Scope(since=None, organisation=org_b, today=date(2026, 1, 15)),
        Scope(since=None, sector="housing", today=date(2026, 1, 15)),
        Scope(since=None, category="health", today=date(2026, 1, 15)),
        Scope(since=None, today=date(2026, 1, 16)),
    ]
    keys = {kept.figures_key(scope, version) for scope in variants}
    assert len(keys) == len(variants)
    assert kept.figures_key(base, (*version[:-1], "other")) != kept.figures_key(base, version)


def test_a_governance_officer_never_sees_another_reachs_figures(
    client, client_for, governance_a, open_round, org_c, outsider
):
    # Organisation C takes part in nothing: its officer's figures are empty, although
    # Ardwick's (one proposal in review) were computed and kept just before.
    governance_c = member_of(OrganisationFactory(slug="c-officer"), Role.GOVERNANCE_OFFICER)
    assert _stage(_figures(client_for(governance_a)), "In review") == 1
    client.logout()
    assert _stage(_figures(client_for(governance_c)), "In review") == 0
    client.logout()
    assert _stage(_figures(client_for(governance_a)), "In review") == 1


def test_the_csv_is_exact_after_a_change(
    client_for, steering_member, open_round, org_b, approver_b
):
    client = client_for(steering_member)
    url = reverse("insight:figure-csv", args=["sections"]) + "?period=all"
    assert "Who" not in client.get(url).content.decode()
    _figures(client)
    decision = open_round.decisions.get(organisation=org_b)
    decision_record(
        decision=decision, by=approver_b, status="changes_requested", comment="x", sections=["who"]
    )
    assert "Who,1" in client.get(url).content.decode().replace("\r", "")
