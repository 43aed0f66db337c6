"""Fixtures of the agreement tests: an approved version, its agreement awaiting signatures,
org B's Caldicott Guardian, and one sealing key for the whole run. The people are the
personas in tests/conftest.py."""

import pytest

from agreements.generation import services as generation
from agreements.models import Agreement
from organisations.models import Membership, Role, SignatoryCapacity
from tests.factories import member_of

from .proposal_builders import approve, build_proposal


@pytest.fixture(autouse=True)
def _one_sealing_key(one_sealing_key):
    """Every agreement test seals with the run's one key unless it sets its own."""


@pytest.fixture
def caldicott_b(org_b, signatory_b):
    """Org B (a trust) needs its Caldicott Guardian's signature too."""
    org_b.requires_caldicott_signature = True
    org_b.save(update_fields=["requires_caldicott_signature"])
    user = member_of(org_b, Role.SIGNATORY, email="cg.b@bpnt.example", full_name="Cal Guardian")
    Membership.objects.filter(user=user, organisation=org_b).update(
        signatory_capacity=SignatoryCapacity.CALDICOTT
    )
    return user


# --- Proposals and agreements ---------------------------------------------------------------
@pytest.fixture
def approved_version(org_a, org_b, member_a, approver_a, approver_b):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    return approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )


@pytest.fixture
def agreement(approved_version, signatory_a, signatory_b) -> Agreement:
    """Generated (with the stand-in PDF unless the test renders real ones), awaiting the
    signatures of org A's and org B's signatories."""
    generation.agreement_generate(version_id=approved_version.pk)
    return Agreement.objects.get(version=approved_version)
