"""A proposal's timeline and its row lock: the one writer of ProposalEvent and the one way
to lock a proposal for a state change, shared by the proposal services and the decision
rounds."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from isf_portal import audit_chain
from isf_portal.compiled import CompiledRead
from isf_portal.domain import audit

from .models import Proposal, ProposalEvent


def proposal_event(
    proposal, *, by, kind: str, description: str, organisation=None, locked=False, also=None
) -> None:
    """One line on the proposal's timeline, chained to the one before (audit_chain.append
    locks the proposal's row, so callers outside a proposal_locked transaction are safe).
    `locked` and `also`: as audit_chain.append's (`proposal` just read by proposal_locked)."""
    event = ProposalEvent(
        proposal=proposal, actor=by, kind=kind, description=description, organisation=organisation
    )
    audit_chain.append(
        event,
        parent=proposal,
        parent_field="proposal",
        domain=audit_chain.PROPOSAL,
        locked=locked,
        also=also,
    )


def proposal_status_change(
    p, *, status, by, reason: str, kind: str, description: str, organisation=None
) -> None:
    """Moves the locked proposal `p` to `status` on `by`'s word: audited as `reason`, marked
    active now, and a line on its timeline."""
    p.status = status
    p.last_activity_at = timezone.now()
    audit(p, reason=reason, by=by)
    p.save(update_fields=["status", "last_activity_at"])
    proposal_event(p, by=by, kind=kind, description=description, organisation=organisation)


def proposal_chain(proposal, events=None) -> audit_chain.ChainReport:
    """Whether the proposal's timeline is as it was written. `events`: every one of its
    events, already read (in any order); otherwise they are read here."""
    return audit_chain.verify(
        proposal.events.order_by("sequence")
        if events is None
        else sorted(events, key=lambda event: event.sequence),
        head=proposal.events_head,
        count=proposal.events_count,
        domain=audit_chain.PROPOSAL,
        parent_id=proposal.pk,
    )


def proposal_locked(pk, *, for_event: bool = False) -> Proposal:
    """The proposal, its row locked until the transaction ends: state changes on one proposal
    are serialised. Only the proposal's row is locked (`of`), not its lead organisation's,
    which is read along for the notices. `for_event`: the hash of its last event is read in
    the same statement, for a `proposal_event(locked=True)` next (audit_chain.last_known)."""
    found = (_LOCKED_WITH_LAST if for_event else _LOCKED).instances(pk=pk)
    if not found:
        raise Proposal.DoesNotExist("Proposal matching query does not exist.")
    p = found[0]
    if for_event:
        audit_chain.last_known(p, p.chain_last_hash)
    return p


def _locked(pk, *, with_last: bool):
    proposals = Proposal.objects.select_for_update(of=("self",)).select_related("lead_organisation")
    if with_last:
        last = ProposalEvent.objects.filter(
            proposal=OuterRef("pk"), sequence=OuterRef("events_count")
        ).order_by()
        proposals = proposals.annotate(chain_last_hash=Subquery(last.values("hash")[:1]))
    return proposals.filter(pk=pk).order_by()


# Compiled once per connection (isf_portal/compiled.py), inside the transaction that locks
# (a locking read compiles only there): every state change of a proposal starts with it, and
# building the query cost several times running it.
_LOCKED = CompiledRead(lambda pk: _locked(pk, with_last=False), pk=int)
_LOCKED_WITH_LAST = CompiledRead(lambda pk: _locked(pk, with_last=True), pk=int)
