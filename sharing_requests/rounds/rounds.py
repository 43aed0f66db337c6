"""A decision round's life: opening on a submitted version, each organisation's decision,
the steering group's votes, closing by the round's rule, withdrawal, and sending an
approved proposal back.

Every write locks the proposal row first, so acts on one proposal are serialised: two
final approvals arriving together give exactly one transition to *approved*.
"""

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import Notice, notify_many
from organisations.models import Organisation

from ..choices import ProposalStatus, Section
from ..events import proposal_event, proposal_locked, proposal_status_change
from ..models import (
    DecisionStatus,
    OrganisationDecision,
    Proposal,
    ProposalVersion,
    ReviewRound,
    RoundOutcome,
    SteeringVote,
    VoteChoice,
)
from ..notices import lead_tell
from ..workdays import add_working_days, working_days_from
from .access import (
    approvers_by_organisation,
    decision_capacity,
    decision_refusal,
    eligible_voters,
    vote_refusal,
)
from .rule import RoundRule, Vote, outcome

# Sent inside the transaction that approves a proposal, exactly once per approval: the
# agreements app listens and records the work of generating the agreement.
proposal_approved = Signal()

PROPOSAL_STATUS_FOR = {
    RoundOutcome.APPROVED: ProposalStatus.APPROVED,
    RoundOutcome.CHANGES_REQUESTED: ProposalStatus.CHANGES_REQUESTED,
    RoundOutcome.DECLINED: ProposalStatus.DECLINED,
    RoundOutcome.WITHDRAWN: ProposalStatus.WITHDRAWN,
}


def round_url(proposal) -> str:
    return reverse("requests:review", args=[proposal.reference])


# --- Opening a round ----------------------------------------------------------------------
def round_open(*, version_id: int) -> ReviewRound | None:
    """Open the decision round of a submitted version: a pending decision per participating
    organisation, and notifications to their approvers and, when the rule asks for its
    vote, the steering group.

    Idempotent: a version has at most one round; running this twice does nothing more."""
    with transaction.atomic():
        version = ProposalVersion.objects.get(pk=version_id)
        p = proposal_locked(version.proposal_id)
        existing = ReviewRound.objects.filter(version=version).first()
        if existing is not None or p.status != ProposalStatus.IN_REVIEW:
            return existing
        latest = p.versions.order_by("-number").first()
        if latest is not None and latest.pk != version.pk:
            return None  # a newer version was submitted since; its own round opens
        number = p.rounds.count() + 1
        rule = RoundRule.from_settings()
        review = ReviewRound(
            proposal=p,
            version=version,
            number=number,
            rule=rule.as_stored(),
            deadline=add_working_days(timezone.localdate(), rule.deadline_working_days),
        )
        audit(review, reason="isf.review.opened")
        review.save()
        party_ids = [party["organisation_id"] for party in version.snapshot["participants"]]
        organisations = list(Organisation.objects.filter(pk__in=party_ids))
        decisions = [
            audit(
                OrganisationDecision(round=review, organisation=organisation),
                reason="isf.review.decision_requested",
            )
            for organisation in organisations
        ]
        # Two inserts for them all (the rows, their history rows), not two per organisation;
        # each history row keeps its reason, as save() would have written it.
        bulk_create_with_history(decisions, OrganisationDecision)
        proposal_event(
            p,
            by=None,
            kind="round_opened",
            description=_("Review round %(n)s opened on version %(v)s")
            % {"n": number, "v": version.number},
        )
        title = _("Your decision is needed: %(ref)s %(title)s") % {
            "ref": p.reference,
            "title": p.title,
        }
        approvers = approvers_by_organisation([o.pk for o in organisations])
        notices = [
            Notice(
                user=user,
                kind=NotificationKind.REVIEW_REQUESTED,
                title=title,
                url=round_url(p),
                template="review_requested",
                context={"proposal": p, "organisation": organisation, "review": review},
                cc=[organisation.ig_mailbox],
            )
            for organisation in organisations
            for user in approvers[organisation.pk]
            if user.pk != p.submitted_by_id
        ]
        notices += [
            Notice(
                user=seat.user,
                kind=NotificationKind.REVIEW_REQUESTED,
                title=_("Steering group vote needed: %(ref)s %(title)s")
                % {"ref": p.reference, "title": p.title},
                url=round_url(p),
                template="review_requested",
                context={"proposal": p, "organisation": None, "review": review},
            )
            for seat in (eligible_voters(p) if rule.steering_vote_required else [])
        ]
        # Everyone together: their e-mails go out through one outbox row (notify_many).
        notify_many(notices)
    return review


# --- Deciding and voting ------------------------------------------------------------------
def decision_record(
    *,
    decision: OrganisationDecision,
    by,
    status: str,
    comment: str,
    sections: list[str] | None = None,
) -> OrganisationDecision:
    """An organisation decides, through its approver or a delegate: once per round."""
    if status not in (
        DecisionStatus.APPROVED,
        DecisionStatus.CHANGES_REQUESTED,
        DecisionStatus.DECLINED,
    ):
        raise DomainError(_("Choose approve, request changes or decline"))
    with transaction.atomic():
        p = proposal_locked(decision.round.proposal_id)
        d = (
            OrganisationDecision.objects.select_for_update()
            .select_related("round", "organisation")
            .get(pk=decision.pk)
        )
        review = d.round
        refusal = decision_refusal(decision=d, proposal=p, by=by)
        if refusal:
            raise DomainError(refusal)
        capacity = decision_capacity(user=by, decision=d)
        if status != DecisionStatus.APPROVED and not comment.strip():
            raise DomainError(_("Give the reason for your decision"))
        d.status = status
        d.comment = comment.strip()
        d.sections = [s for s in (sections or []) if s in Section.values]
        d.decided_by = by
        d.on_behalf_of = capacity[1]
        d.decided_at = timezone.now()
        d.days_to_decide = working_days_from(review.opened_at, d.decided_at)
        audit(d, reason=f"isf.review.{status}", by=by)
        d.save()
        on_behalf = (
            _(" on behalf of %(name)s") % {"name": capacity[1].full_name} if capacity[1] else ""
        )
        proposal_event(
            p,
            by=by,
            kind="decision",
            organisation=d.organisation,
            description=_("%(org)s: %(decision)s%(behalf)s")
            % {
                "org": d.organisation.name,
                "decision": d.get_status_display().lower(),
                "behalf": on_behalf,
            },
        )
        _tell_lead(
            p,
            kind=NotificationKind.DECISION_MADE,
            title=_("%(org)s %(decision)s %(ref)s")
            % {
                "org": d.organisation.short_name,
                "decision": d.get_status_display().lower(),
                "ref": p.reference,
            },
            context={"decision": d},
        )
        round_evaluate(review, p, by=by)
    return d


def vote_record(*, review: ReviewRound, by, vote: str, comment: str = "") -> SteeringVote:
    """A steering-group member votes on a round: once, and not on what they submitted."""
    if vote not in VoteChoice.values:
        raise DomainError(_("Choose approve or do not approve"))
    with transaction.atomic():
        p = proposal_locked(review.proposal_id)
        r = ReviewRound.objects.select_for_update().get(pk=review.pk)
        refusal = vote_refusal(review=r, proposal=p, by=by)
        if refusal:
            raise DomainError(refusal)
        seat = eligible_voters(p).get(user=by)  # for its chair flag; the refusal let them vote
        if vote == VoteChoice.REJECT and not comment.strip():
            raise DomainError(_("Give the reason for your vote"))
        cast = SteeringVote(
            round=r, member=by, vote=vote, comment=comment.strip(), is_chair=seat.is_chair
        )
        audit(cast, reason=f"isf.review.vote_{vote}", by=by)
        try:
            with transaction.atomic():
                cast.save()
        except IntegrityError as exc:
            raise DomainError(_("You have already voted in this round.")) from exc
        proposal_event(
            p,
            by=by,
            kind="vote",
            description=_("Steering group vote: %(vote)s") % {"vote": cast.get_vote_display()},
        )
        round_evaluate(r, p, by=by)
    return cast


# --- Closing ------------------------------------------------------------------------------
def round_evaluate(review: ReviewRound, p: Proposal, *, by=None, at_deadline=False) -> None:
    """Apply the round's rule (rule.outcome) under the proposal's lock: record the steering
    group's result once it is known, and close the round when it is decided."""
    review.refresh_from_db()
    if not review.is_open:
        return
    rule = RoundRule.from_stored(review.rule)
    vote_open = rule.steering_vote_required and not review.steering_outcome
    result = outcome(
        rule,
        decisions=[d.status for d in review.decisions.all()],
        votes=[Vote(v.vote, v.is_chair) for v in review.votes.all()] if vote_open else (),
        voters=eligible_voters(p).count() if vote_open else 0,
        steering=review.steering_outcome,
        at_deadline=at_deadline,
    )
    if result.steering and not review.steering_outcome:
        review.steering_outcome = result.steering
        audit(review, reason="isf.review.steering_closed", by=by)
        review.save(update_fields=["steering_outcome"])
        proposal_event(
            p,
            by=None,
            kind="steering",
            description=_("The steering group's vote closed: %(result)s")
            % {"result": review.get_steering_outcome_display().lower()},
        )
    if result.round:
        _close(review, p, result.round, by=by)


def _close(review: ReviewRound, p: Proposal, outcome: str, *, by) -> None:
    review.closed_at = timezone.now()
    review.days_open = working_days_from(review.opened_at, review.closed_at)
    review.outcome = outcome
    audit(review, reason=f"isf.review.closed_{outcome}", by=by)
    review.save(update_fields=["closed_at", "days_open", "outcome"])
    p.status = PROPOSAL_STATUS_FOR[outcome]
    p.last_activity_at = review.closed_at
    audit(p, reason=f"isf.proposal.{outcome}", by=by)
    p.save(update_fields=["status", "last_activity_at"])
    label = RoundOutcome(outcome).label
    proposal_event(
        p,
        by=None,
        kind="outcome",
        description=_("Review round %(n)s closed: %(outcome)s")
        % {"n": review.number, "outcome": str(label).lower()},
    )
    kind = (
        NotificationKind.CHANGES_REQUESTED
        if outcome == RoundOutcome.CHANGES_REQUESTED
        else NotificationKind.OUTCOME
    )
    title = _("%(ref)s %(title)s: %(outcome)s") % {
        "ref": p.reference,
        "title": p.title,
        "outcome": str(label).lower(),
    }
    # All the reasons go back together: in the notification and the e-mail, not only on the
    # proposal's page.
    reasons = [
        d
        for d in review.decisions.select_related("organisation")
        if d.status in (DecisionStatus.CHANGES_REQUESTED, DecisionStatus.DECLINED) and d.comment
    ]
    _tell_lead(
        p,
        kind=kind,
        title=title,
        context={"review": review, "outcome": label, "reasons": reasons},
        url=reverse("requests:detail", args=[p.reference]),
        body="\n".join(f"{d.organisation.name}: {d.comment}" for d in reasons),
    )
    if outcome == RoundOutcome.APPROVED:
        proposal_approved.send(sender=Proposal, proposal=p, review=review)


def _tell_lead(p: Proposal, *, kind, title, context, url=None, body=""):
    """The proposer's organisation hears of each decision and the outcome (notices.lead_tell:
    the submitter and those of the lead organisation who may edit the proposal, who answer
    what the round asks for), with its IG mailbox copied."""
    lead_tell(
        p,
        kind=kind,
        title=title,
        url=url or round_url(p),
        template="review_update",
        context=context,
        body=body,
    )


# --- Leaving the round --------------------------------------------------------------------
def round_withdraw(*, proposal: Proposal, by, reason: str) -> None:
    """Called by proposal_withdraw for a proposal in review: the round closes and everyone
    still waiting to decide or vote is told."""
    review = proposal.rounds.select_for_update().filter(closed_at__isnull=True).first()
    if review is None:
        return
    review.closed_at = timezone.now()
    review.days_open = working_days_from(review.opened_at, review.closed_at)
    review.outcome = RoundOutcome.WITHDRAWN
    audit(review, reason="isf.review.closed_withdrawn", by=by)
    review.save(update_fields=["closed_at", "days_open", "outcome"])
    pending = review.decisions.filter(status=DecisionStatus.PENDING)
    approvers = approvers_by_organisation(pending.values_list("organisation_id", flat=True))
    waiting = {user for users in approvers.values() for user in users}
    if RoundRule.from_stored(review.rule).steering_vote_required:
        voted = set(review.votes.values_list("member_id", flat=True))
        waiting |= {s.user for s in eligible_voters(proposal) if s.user_id not in voted}
    # Whoever withdrew it knows, and the submitter was never asked to decide.
    waiting = {u for u in waiting if u.pk not in (by.pk, proposal.submitted_by_id)}
    title = _("%(ref)s has been withdrawn: no decision is needed") % {"ref": proposal.reference}
    notify_many(
        [
            Notice(
                user=user,
                kind=NotificationKind.WITHDRAWN,
                title=title,
                url=reverse("requests:detail", args=[proposal.reference]),
                template="review_update",
                context={"proposal": proposal, "outcome": _("withdrawn"), "reason": reason},
            )
            for user in sorted(waiting, key=lambda u: u.pk)
        ]
    )


def proposal_send_back(*, proposal: Proposal, by, reason: str) -> Proposal:
    """An approved proposal goes back to its authors as *changes requested* (for example a
    signatory declined to sign). The reason is on the timeline and in the notification."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        if p.status != ProposalStatus.APPROVED:
            raise DomainError(_("Only an approved proposal can be sent back."))
        proposal_status_change(
            p,
            status=ProposalStatus.CHANGES_REQUESTED,
            by=by,
            reason="isf.proposal.sent_back",
            kind="sent_back",
            description=_("Sent back for changes: %(reason)s") % {"reason": reason},
        )
        _tell_lead(
            p,
            kind=NotificationKind.CHANGES_REQUESTED,
            title=_("%(ref)s has been sent back for changes") % {"ref": p.reference},
            context={"outcome": _("changes requested"), "reason": reason},
            url=reverse("requests:detail", args=[p.reference]),
        )
    return p
