"""A proposal's timeline and its row lock: the one writer of ProposalEvent and the one way
to lock a proposal for a state change, shared by the proposal services and the decision
rounds."""

from .models import Proposal, ProposalEvent


def proposal_event(proposal, *, by, kind: str, description: str, organisation=None) -> None:
    """One line on the proposal's timeline."""
    ProposalEvent.objects.create(
        proposal=proposal, actor=by, kind=kind, description=description, organisation=organisation
    )


def proposal_locked(pk) -> Proposal:
    """The proposal, its row locked until the transaction ends: state changes on one proposal
    are serialised. Only the proposal's row is locked (`of`), not its lead organisation's,
    which is read along for the notices."""
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("lead_organisation")
        .get(pk=pk)
    )
