"""Issue #12 item 1, on the agreement's timeline: a line that names a party and an actor
names a party the actor acts for, and the chain stays intact."""

import pytest

from agreements import sealing
from agreements.events import agreement_chain
from agreements.models import AgreementEvent
from organisations.models import Membership

from .test_sealing import sign_all

pytestmark = pytest.mark.django_db


def test_each_signing_line_names_a_party_its_signer_belongs_to(
    agreement, signatory_a, signatory_b, password
):
    sign_all(agreement, [signatory_a, signatory_b], password)
    sealing.agreement_seal(agreement_id=agreement.pk)

    parties = list(agreement.parties.select_related("organisation"))
    signed = AgreementEvent.objects.filter(agreement=agreement, actor__isnull=False)
    assert signed.count() == 2
    for event in signed:
        named = [p.organisation for p in parties if p.organisation.name in event.description]
        assert len(named) == 1, event.description
        assert Membership.objects.filter(user=event.actor, organisation=named[0]).exists()
    agreement.refresh_from_db()
    assert agreement_chain(agreement).intact
