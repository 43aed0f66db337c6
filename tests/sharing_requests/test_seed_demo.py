"""seed_demo adds the four scenario proposals of REFERENCE.md once, built through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from sharing_requests.choices import ProposalStatus
from sharing_requests.demo import SCENARIOS
from sharing_requests.models import Endorsement, Proposal, ProposalVersion, VisionComment

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


# The four scenarios of shared/REFERENCE.md (demo.py may add more, e.g. to show a decline).
REFERENCE_SCENARIOS = [
    "Home fire safety visits for people receiving adult social care",
    "Homelessness prevention referrals from hospitals and probation",
    "Serious violence needs assessment",
    "Travel support for care leavers",
]


def test_seed_demo_creates_the_four_scenarios_once():
    first = seed()
    titles = [spec["title"] for spec in SCENARIOS]

    assert set(REFERENCE_SCENARIOS) <= set(titles)
    assert f"{len(SCENARIOS)} new proposals" in first
    for spec in SCENARIOS:
        assert (
            Proposal.objects.filter(
                title=spec["title"], lead_organisation__slug=spec["lead"]
            ).count()
            == 1
        ), spec["title"]
    count = Proposal.objects.count()
    assert count >= 4

    second = seed()

    assert "0 new proposals" in second
    assert Proposal.objects.count() == count
    assert [Proposal.objects.filter(title=t).count() for t in titles] == [1] * len(titles)


def test_seeded_scenarios_are_drafts_and_submitted_proposals_with_partner_activity():
    seed()
    assert any(not spec["submit"] for spec in SCENARIOS)
    assert any(spec["submit"] for spec in SCENARIOS)
    for spec in SCENARIOS:
        p = Proposal.objects.get(title=spec["title"])
        if spec["submit"]:
            assert p.status != ProposalStatus.DRAFT
            assert ProposalVersion.objects.filter(proposal=p, number=1).exists()
        else:
            assert p.status == ProposalStatus.DRAFT
            assert not ProposalVersion.objects.filter(proposal=p).exists()
        assert p.vision.is_complete
        assert Endorsement.objects.filter(proposal=p).count() == len(spec["endorse"])
        assert VisionComment.objects.filter(proposal=p).count() == len(spec["comments"])
        # Built through the services: the audit trail and timeline are true.
        assert p.history.filter(history_change_reason="isf.proposal.created").exists()
        assert p.events.filter(kind="created").exists()
        assert p.participants.count() == 1 + len(spec["partners"])


def test_the_serious_violence_scenario_needs_and_has_a_dpia():
    seed()
    p = Proposal.objects.get(title="Serious violence needs assessment")
    version = p.versions.get(number=1)
    assert version.snapshot["dpia"]["required"] is True
    assert version.snapshot["dpia"]["reference"] == "GMCA-DPIA-2026-007"
    care_leavers = Proposal.objects.get(title="Travel support for care leavers")
    assert care_leavers.dpia_screened and care_leavers.dpia_indicators == ["vulnerable"]
