"""Reads behind the pages that show a proposal's answers: the answers summary (the task list,
a section's page, check your answers, print) and the reasons the last round sent back."""

from django.db.models import Prefetch

from isf_portal.compiled import CompiledRead, prefetched, prefetched_children

from .choices import DPIA_INDICATORS, Direction, ProposalStatus
from .completeness import basis_warnings, data_flags, dpia_outcome
from .models import (
    Action,
    DataItem,
    DecisionStatus,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
)


def change_requests(*, proposal, latest_round=None) -> dict:
    """The reasons the last round sent back, by section (None: not pinned to a section).

    Shown while the proposal is back with its authors (changes requested). `latest_round`:
    its latest round, when the caller has read it (closed, it is the last closed one)."""
    if proposal.status != ProposalStatus.CHANGES_REQUESTED:
        return {}
    if latest_round is not None and latest_round.closed_at is not None:
        last = latest_round
    else:
        last = proposal.rounds.filter(closed_at__isnull=False).first()
    if last is None:
        return {}
    found: dict = {}
    for decision in last.decisions.filter(
        status__in=[DecisionStatus.CHANGES_REQUESTED, DecisionStatus.DECLINED]
    ).select_related("organisation", "decided_by"):
        for section in decision.sections or [None]:
            found.setdefault(section, []).append(decision)
    return found


# The parties with what the answers show of them, and their lawful bases: compiled once (see
# isf_portal/compiled.py: building these two querysets cost more CPU than running them). Of its
# organisation only what the answers show (its name, and its sector for the bases' warnings):
# an organisation row has fourteen columns.
_PARTIES = CompiledRead(
    lambda proposal_id: (
        Participant.objects.filter(proposal_id=proposal_id)
        .select_related("organisation")
        .only(
            *(f.attname for f in Participant._meta.concrete_fields),
            *(f"organisation__{name}" for name in ("name", "short_name", "sector")),
        )
    ),
    proposal_id=int,
)
_BASES = CompiledRead(
    lambda proposal_id: LawfulBasis.objects.filter(participant__proposal_id=proposal_id),
    proposal_id=int,
)
_DATA_ITEMS = CompiledRead(
    lambda proposal_id: DataItem.objects.filter(proposal_id=proposal_id), proposal_id=int
)


def parties_read(proposal, *, bases: bool = True) -> list:
    """The proposal's parties, kept as its prefetched `participants` (the permission checks
    on its parties read them there), each with its `lawful_bases` when `bases`: what
    prefetch_related("participants", "participants__lawful_bases") gives, in two queries."""
    parties = _PARTIES.instances(proposal_id=proposal.pk, known={"proposal": proposal})
    if bases and parties:
        bases_read = _BASES.instances(proposal_id=proposal.pk)
        prefetched_children(parties, bases_read, "lawful_bases", LawfulBasis, "participant")
    prefetched(proposal, "participants", parties, Participant)
    return parties


def answers_context(*, proposal) -> dict:
    """Everything the answers summary (check answers, print, read-only view) shows.

    A proposal read with how many actions and outcomes it has (`action_count`,
    `outcome_count`: the task list's DETAIL) is not asked for a list it has none of."""
    if "participants" in getattr(proposal, "_prefetched_objects_cache", {}):
        participants = list(proposal.participants.all())  # read by the page (parties_read)
    else:
        participants = parties_read(proposal)
    data_items = _DATA_ITEMS.instances(proposal_id=proposal.pk, known={"proposal": proposal})
    flags = data_flags(proposal, data_items)
    bases = []
    for party in participants:
        by_direction = {b.direction: b for b in party.lawful_bases.all()}
        for direction in party.directions:
            basis = by_direction.get(direction)
            bases.append(
                {
                    "participant": party,
                    "direction": direction,
                    "direction_label": Direction(direction).label,
                    "basis": basis,
                    "warnings": basis_warnings(basis, party.organisation) if basis else [],
                }
            )
    # What each outcome achieved, recorded on its agreements (agreements/outcomes.py).
    updates = MeasurableOutcome._meta.get_field("updates").related_model.objects
    outcomes = (
        list(
            proposal.outcomes.prefetch_related(
                Prefetch("updates", queryset=updates.select_related("recorded_by", "agreement"))
            )
        )
        if _may_have(proposal, "outcome_count")
        else []
    )
    return {
        "vision": proposal.vision,
        "outcomes": outcomes,
        "outcome_history": any(o.updates.all() for o in outcomes),
        "data_items": data_items,
        "participants": participants,
        "bases": bases,
        "flags": flags,
        "actions": list(
            proposal.actions.select_related("owner_organisation", "done_by").only(
                *(f.attname for f in Action._meta.concrete_fields),
                "owner_organisation__short_name",
                "done_by__full_name",
            )
        )
        if _may_have(proposal, "action_count")
        else [],
        "dpia": dpia_outcome(proposal),
        "dpia_labels": [
            str(label)
            for key, label, _hint, _d in DPIA_INDICATORS
            if key in (proposal.dpia_indicators or [])
        ],
    }


def _may_have(proposal, count: str) -> bool:
    """False when the proposal was read with a `count` of some rows, and it is nought."""
    return getattr(proposal, count, None) != 0


def vision_feedback(*, proposal) -> dict:
    """The comments on and endorsements of the vision statement, for the pages that list
    them (the task list counts them: sections.proposal_detail)."""
    return {
        "comments": list(proposal.comments.select_related("author", "organisation")),
        "endorsements": list(proposal.endorsements.select_related("user", "organisation")),
    }
