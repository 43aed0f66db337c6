"""The multi-agency decision: review rounds, organisations' decisions, the steering group's
vote, reminders and escalation.

Every write locks the proposal row first, so decisions on one proposal are serialised: two
final approvals arriving together give exactly one transition to *approved*.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import notify
from organisations.models import Delegation, Membership, Role, SteeringGroupMember
from organisations.services import role_group

from .choices import ProposalStatus, Section
from .models import (
    DecisionStatus,
    OrganisationDecision,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    ReminderLog,
    ReviewRound,
    RoundOutcome,
    SteeringVote,
    VoteChoice,
)
from .workdays import add_working_days, is_working_day, working_days_between

# Sent inside the transaction that approves a proposal, exactly once per approval: the
# agreements app listens and records the work of generating the agreement.
proposal_approved = Signal()

PROPOSAL_STATUS_FOR = {
    RoundOutcome.APPROVED: ProposalStatus.APPROVED,
    RoundOutcome.CHANGES_REQUESTED: ProposalStatus.CHANGES_REQUESTED,
    RoundOutcome.DECLINED: ProposalStatus.DECLINED,
    RoundOutcome.WITHDRAWN: ProposalStatus.WITHDRAWN,
}


def _url(proposal) -> str:
    return reverse("requests:review", args=[proposal.reference])


def _event(proposal, *, by, kind, description, organisation=None):
    ProposalEvent.objects.create(
        proposal=proposal,
        actor=by,
        kind=kind,
        description=description,
        organisation=organisation,
    )


def _locked_proposal(pk) -> Proposal:
    return Proposal.objects.select_for_update().select_related("lead_organisation").get(pk=pk)


def rule_description(rule: dict) -> list[str]:
    """The round's rule in plain English, shown on the proposal."""
    lines = []
    if rule.get("decline_ends_round", True):
        lines.append(_("A decline by any organisation ends the review at once."))
    else:
        lines.append(_("A decline counts once every organisation has decided."))
    lines += [
        _(
            "Otherwise the review waits for every organisation. If any requests changes, all "
            "the reasons go back to the authors together."
        ),
        _(
            "The steering group's vote closes when every member has voted, or at the deadline "
            "once at least %(n)s have. A majority of votes cast carries it; the chair breaks a "
            "tie."
        )
        % {"n": rule.get("steering_quorum", 3)},
        _("The proposal is approved when every organisation and the steering group approve."),
    ]
    return lines


# --- Who may act --------------------------------------------------------------------------
def delegations_in_force(*, today=None):
    """Delegations that let their delegate decide today: within their period, not revoked,
    the delegating approver still an approver of the organisation and the delegate still a
    member of it (a delegation lapses with the roles it rests on)."""
    today = today or timezone.localdate()
    return Delegation.objects.filter(
        revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    ).filter(
        Exists(
            Membership.objects.filter(
                user=OuterRef("approver"), organisation=OuterRef("organisation"), is_approver=True
            )
        ),
        Exists(
            Membership.objects.filter(
                user=OuterRef("delegate"), organisation=OuterRef("organisation")
            )
        ),
    )


def active_delegation(*, user, organisation, today=None, not_for=None):
    """The delegation that lets `user` decide for `organisation` today; never one from the
    person who submitted the proposal (`not_for`): they may not decide on it, so nobody may
    in their name."""
    delegations = delegations_in_force(today=today).filter(organisation=organisation, delegate=user)
    if not_for is not None:
        delegations = delegations.exclude(approver_id=not_for)
    return delegations.select_related("approver").order_by("pk").first()


def decision_capacity(*, user, decision) -> tuple[str, object] | None:
    """('approver', None) or ('delegate', approver) if `user` may decide for the decision's
    organisation; None otherwise."""
    if not user.is_authenticated:
        return None
    if Membership.objects.filter(
        user=user, organisation_id=decision.organisation_id, is_approver=True
    ).exists():
        return ("approver", None)
    delegation = active_delegation(
        user=user,
        organisation=decision.organisation,
        not_for=decision.round.proposal.submitted_by_id,
    )
    if delegation is not None:
        return ("delegate", delegation.approver)
    return None


def eligible_voters(proposal):
    """Steering-group members who may vote: everyone but the person who submitted it."""
    return SteeringGroupMember.objects.exclude(user_id=proposal.submitted_by_id).select_related(
        "user"
    )


def _approvers_by_organisation(organisation_ids) -> dict[int, list]:
    """Everyone who may decide for each organisation today, its approvers and their
    delegates, by organisation id: two queries, whatever the number of organisations."""
    found = {pk: set() for pk in organisation_ids}
    for m in Membership.objects.filter(
        organisation_id__in=found, is_approver=True, user__is_active=True
    ).select_related("user"):
        found[m.organisation_id].add(m.user)
    for d in (
        delegations_in_force()
        .filter(organisation_id__in=found, delegate__is_active=True)
        .select_related("delegate")
    ):
        found[d.organisation_id].add(d.delegate)
    return {pk: sorted(users, key=lambda u: u.pk) for pk, users in found.items()}


# --- Opening a round ----------------------------------------------------------------------
def round_open(*, version_id: int) -> ReviewRound | None:
    """Open the review round of a submitted version: a pending decision per participating
    organisation, decide permissions for their approvers, and notifications.

    Idempotent: a version has at most one round; running this twice does nothing more."""
    with transaction.atomic():
        version = ProposalVersion.objects.get(pk=version_id)
        p = _locked_proposal(version.proposal_id)
        existing = ReviewRound.objects.filter(version=version).first()
        if existing is not None or p.status != ProposalStatus.IN_REVIEW:
            return existing
        latest = p.versions.order_by("-number").first()
        if latest is not None and latest.pk != version.pk:
            return None  # a newer version was submitted since; its own round opens
        number = p.rounds.count() + 1
        review = ReviewRound(
            proposal=p,
            version=version,
            number=number,
            rule=dict(settings.REVIEW_RULE),
            deadline=add_working_days(
                timezone.localdate(), settings.REVIEW_RULE["deadline_working_days"]
            ),
        )
        audit(review, reason="isf.review.opened")
        review.save()
        from organisations.models import Organisation

        party_ids = [party["organisation_id"] for party in version.snapshot["participants"]]
        organisations = list(Organisation.objects.filter(pk__in=party_ids))
        for organisation in organisations:
            decision = OrganisationDecision(round=review, organisation=organisation)
            audit(decision, reason="isf.review.decision_requested")
            decision.save()
            assign_perm(
                "decide_proposal", role_group(organisation=organisation, role=Role.APPROVER), p
            )
        _event(
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
        approvers = _approvers_by_organisation([o.pk for o in organisations])
        for organisation in organisations:
            for user in approvers[organisation.pk]:
                if user.pk == p.submitted_by_id:
                    continue
                notify(
                    user=user,
                    kind=NotificationKind.REVIEW_REQUESTED,
                    title=title,
                    url=_url(p),
                    template="review_requested",
                    context={"proposal": p, "organisation": organisation, "review": review},
                    cc=[organisation.ig_mailbox],
                )
        for seat in eligible_voters(p):
            notify(
                user=seat.user,
                kind=NotificationKind.REVIEW_REQUESTED,
                title=_("Steering group vote needed: %(ref)s %(title)s")
                % {"ref": p.reference, "title": p.title},
                url=_url(p),
                template="review_requested",
                context={"proposal": p, "organisation": None, "review": review},
            )
    return review


# --- Deciding and voting ------------------------------------------------------------------
def decision_refusal(*, decision: OrganisationDecision, proposal: Proposal, by) -> str:
    """Why `by` may not decide `decision` now ('' if they may). The service checks it under
    the proposal's lock; the review page uses it to explain a refused form."""
    if not decision.round.is_open:
        return _("This review round has closed: no more decisions are taken.")
    if decision.status != DecisionStatus.PENDING:
        return _("%(org)s has already decided in this round.") % {"org": decision.organisation.name}
    if decision_capacity(user=by, decision=decision) is None:
        return _("You cannot decide for %(org)s.") % {"org": decision.organisation.name}
    if proposal.submitted_by_id == by.pk:
        return _("You submitted this proposal, so you cannot decide on it.")
    return ""


def vote_refusal(*, review: ReviewRound | None, proposal: Proposal, by) -> str:
    """Why `by` may not vote on `review` now ('' if they may)."""
    if review is None or not review.is_open or review.steering_outcome:
        return _("The steering group's vote on this round has closed.")
    if not SteeringGroupMember.objects.filter(user=by).exists():
        return _("Only steering-group members vote.")
    if proposal.submitted_by_id == by.pk:
        return _("You submitted this proposal, so you cannot vote on it.")
    if review.votes.filter(member=by).exists():
        return _("You have already voted in this round.")
    return ""


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
        p = _locked_proposal(decision.round.proposal_id)
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
        audit(d, reason=f"isf.review.{status}", by=by)
        d.save()
        on_behalf = (
            _(" on behalf of %(name)s") % {"name": capacity[1].full_name} if capacity[1] else ""
        )
        _event(
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
        _evaluate(review, p, by=by)
    return d


def vote_record(*, review: ReviewRound, by, vote: str, comment: str = "") -> SteeringVote:
    """A steering-group member votes on a round: once, and not on what they submitted."""
    if vote not in VoteChoice.values:
        raise DomainError(_("Choose approve or do not approve"))
    with transaction.atomic():
        p = _locked_proposal(review.proposal_id)
        r = ReviewRound.objects.select_for_update().get(pk=review.pk)
        refusal = vote_refusal(review=r, proposal=p, by=by)
        if refusal:
            raise DomainError(refusal)
        seat = SteeringGroupMember.objects.get(user=by)
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
        _event(
            p,
            by=by,
            kind="vote",
            description=_("Steering group vote: %(vote)s") % {"vote": cast.get_vote_display()},
        )
        _evaluate(r, p, by=by)
    return cast


def steering_result(review: ReviewRound, proposal, *, at_deadline: bool) -> str:
    """'' while the vote is open; otherwise approve or reject."""
    voters = list(eligible_voters(proposal))
    votes = list(review.votes.all())
    if not voters:
        return VoteChoice.APPROVE  # no steering group to vote: organisations decide alone
    quorum = review.rule.get("steering_quorum", 3)
    everyone = len(votes) >= len(voters)
    if not everyone and not (at_deadline and len(votes) >= quorum):
        return ""
    approve = sum(v.vote == VoteChoice.APPROVE for v in votes)
    reject = len(votes) - approve
    if approve != reject:
        return VoteChoice.APPROVE if approve > reject else VoteChoice.REJECT
    chair = next((v for v in votes if v.is_chair), None)
    return chair.vote if chair else VoteChoice.REJECT  # a tie without the chair does not carry


def _evaluate(review: ReviewRound, p: Proposal, *, by=None, at_deadline=False) -> None:
    """Close the round if its rule is met."""
    review.refresh_from_db()
    if not review.is_open:
        return
    if not review.steering_outcome:
        result = steering_result(review, p, at_deadline=at_deadline)
        if result:
            review.steering_outcome = result
            audit(review, reason="isf.review.steering_closed", by=by)
            review.save(update_fields=["steering_outcome"])
            _event(
                p,
                by=None,
                kind="steering",
                description=_("The steering group's vote closed: %(result)s")
                % {"result": review.get_steering_outcome_display().lower()},
            )
    statuses = [d.status for d in review.decisions.all()]
    if DecisionStatus.DECLINED in statuses and review.rule.get("decline_ends_round", True):
        return _close(review, p, RoundOutcome.DECLINED, by=by)
    if DecisionStatus.PENDING in statuses:
        return None
    if DecisionStatus.DECLINED in statuses:
        return _close(review, p, RoundOutcome.DECLINED, by=by)
    if DecisionStatus.CHANGES_REQUESTED in statuses:
        return _close(review, p, RoundOutcome.CHANGES_REQUESTED, by=by)
    if review.steering_outcome == VoteChoice.APPROVE:
        return _close(review, p, RoundOutcome.APPROVED, by=by)
    if review.steering_outcome == VoteChoice.REJECT:
        return _close(review, p, RoundOutcome.DECLINED, by=by)
    return None


def _close(review: ReviewRound, p: Proposal, outcome: str, *, by) -> None:
    review.closed_at = timezone.now()
    review.outcome = outcome
    audit(review, reason=f"isf.review.closed_{outcome}", by=by)
    review.save(update_fields=["closed_at", "outcome"])
    p.status = PROPOSAL_STATUS_FOR[outcome]
    p.last_activity_at = review.closed_at
    audit(p, reason=f"isf.proposal.{outcome}", by=by)
    p.save(update_fields=["status", "last_activity_at"])
    label = RoundOutcome(outcome).label
    _event(
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
    """The proposer's organisation hears of each decision and the outcome: the submitter and
    the lead organisation's members, with its IG mailbox copied."""
    users = {
        m.user
        for m in Membership.objects.filter(
            organisation=p.lead_organisation, is_member=True, user__is_active=True
        ).select_related("user")
    }
    if p.submitted_by:
        users.add(p.submitted_by)
    for user in sorted(users, key=lambda u: u.pk):
        notify(
            user=user,
            kind=kind,
            title=title,
            url=url or _url(p),
            template="review_update",
            context={"proposal": p, **context},
            body=body,
            cc=[p.lead_organisation.ig_mailbox],
        )


# --- Leaving review -----------------------------------------------------------------------
def round_withdraw(*, proposal: Proposal, by, reason: str) -> None:
    """Called by proposal_withdraw for a proposal in review: the round closes and everyone
    still waiting to decide or vote is told."""
    review = proposal.rounds.select_for_update().filter(closed_at__isnull=True).first()
    if review is None:
        return
    review.closed_at = timezone.now()
    review.outcome = RoundOutcome.WITHDRAWN
    audit(review, reason="isf.review.closed_withdrawn", by=by)
    review.save(update_fields=["closed_at", "outcome"])
    pending = review.decisions.filter(status=DecisionStatus.PENDING)
    approvers = _approvers_by_organisation(pending.values_list("organisation_id", flat=True))
    waiting = {user for users in approvers.values() for user in users}
    voted = set(review.votes.values_list("member_id", flat=True))
    waiting |= {s.user for s in eligible_voters(proposal) if s.user_id not in voted}
    # Whoever withdrew it knows, and the submitter was never asked to decide.
    waiting = {u for u in waiting if u.pk not in (by.pk, proposal.submitted_by_id)}
    for user in sorted(waiting, key=lambda u: u.pk):
        notify(
            user=user,
            kind=NotificationKind.WITHDRAWN,
            title=_("%(ref)s has been withdrawn: no decision is needed")
            % {"ref": proposal.reference},
            url=reverse("requests:detail", args=[proposal.reference]),
            template="review_update",
            context={"proposal": proposal, "outcome": _("withdrawn"), "reason": reason},
        )


def proposal_send_back(*, proposal: Proposal, by, reason: str) -> Proposal:
    """An approved proposal goes back to its authors as *changes requested* (for example a
    signatory declined to sign). The reason is on the timeline and in the notification."""
    with transaction.atomic():
        p = _locked_proposal(proposal.pk)
        if p.status != ProposalStatus.APPROVED:
            raise DomainError(_("Only an approved proposal can be sent back."))
        p.status = ProposalStatus.CHANGES_REQUESTED
        p.last_activity_at = timezone.now()
        audit(p, reason="isf.proposal.sent_back", by=by)
        p.save(update_fields=["status", "last_activity_at"])
        _event(
            p,
            by=by,
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


# --- Daily work ---------------------------------------------------------------------------
def review_daily(*, today=None) -> dict:
    """Reminders, escalations and steering votes that close at their deadline.

    Idempotent: ReminderLog makes sure nobody hears twice about the same step on one day.
    Runs on working days only, so a weekend never repeats Friday's reminders."""
    today = today or timezone.localdate()
    counts = {"reminders": 0, "escalations": 0, "closed": 0}
    if not is_working_day(today):
        return counts
    every = settings.REVIEW_REMINDER_WORKING_DAYS
    escalate_after = settings.REVIEW_ESCALATION_WORKING_DAYS
    chair = SteeringGroupMember.objects.filter(is_chair=True).select_related("user").first()
    open_rounds = ReviewRound.objects.filter(closed_at__isnull=True).select_related(
        "proposal", "proposal__lead_organisation"
    )
    for review in open_rounds:
        days = working_days_between(timezone.localdate(review.opened_at), today)
        pending = list(
            review.decisions.filter(status=DecisionStatus.PENDING).select_related("organisation")
        )
        remind = pending if days >= every and days % every == 0 else []
        approvers = _approvers_by_organisation([d.organisation_id for d in remind])
        for d in remind:
            for user in approvers[d.organisation_id]:
                if user.pk == review.proposal.submitted_by_id:
                    continue
                # The log row and the reminder commit together: a reminder that fails is
                # not recorded as sent, so the next run sends it.
                with transaction.atomic():
                    if not _log_once(d, user, "reminder", today):
                        continue
                    notify(
                        user=user,
                        kind=NotificationKind.REMINDER,
                        title=_("Reminder: your decision on %(ref)s is waiting")
                        % {"ref": review.proposal.reference},
                        url=_url(review.proposal),
                        template="review_reminder",
                        context={
                            "proposal": review.proposal,
                            "days": days,
                            "organisation": d.organisation,
                        },
                        cc=[d.organisation.ig_mailbox],
                    )
                counts["reminders"] += 1
        due = days >= escalate_after and (days - escalate_after) % every == 0
        if due and chair:
            with transaction.atomic():
                overdue = [
                    d.organisation for d in pending if _log_once(d, chair.user, "escalation", today)
                ]
                if overdue:
                    notify(
                        user=chair.user,
                        kind=NotificationKind.ESCALATION,
                        title=_("Overdue decisions on %(ref)s")
                        % {"ref": review.proposal.reference},
                        url=_url(review.proposal),
                        template="review_escalation",
                        context={"proposal": review.proposal, "days": days, "overdue": overdue},
                    )
                    counts["escalations"] += 1
        if not review.steering_outcome and today >= review.deadline:
            with transaction.atomic():
                p = _locked_proposal(review.proposal_id)
                _evaluate(review, p, at_deadline=True)
                review.refresh_from_db()
                counts["closed"] += bool(review.steering_outcome)
    return counts


def _log_once(decision, user, kind, today) -> bool:
    _row, created = ReminderLog.objects.get_or_create(
        decision=decision, user=user, kind=kind, sent_on=today
    )
    return created


# --- Reading ------------------------------------------------------------------------------
def awaiting_decision(*, user, limit: int | None = None):
    """The decisions and votes waiting for this user, in every capacity they hold, oldest
    first (at most `limit` of each)."""
    org_ids = set(
        Membership.objects.filter(user=user, is_approver=True).values_list(
            "organisation_id", flat=True
        )
    )
    org_ids |= set(
        delegations_in_force().filter(delegate=user).values_list("organisation_id", flat=True)
    )
    decisions = (
        OrganisationDecision.objects.filter(
            status=DecisionStatus.PENDING,
            round__closed_at__isnull=True,
            organisation_id__in=sorted(org_ids),
        )
        .exclude(round__proposal__submitted_by=user)
        .select_related("organisation", "round__proposal")
        .only(
            "organisation__name",
            "round__opened_at",
            "round__proposal__reference",
            "round__proposal__title",
        )
        .order_by("round__opened_at", "pk")
    )
    votes = ReviewRound.objects.none()
    if SteeringGroupMember.objects.filter(user=user).exists():
        votes = (
            ReviewRound.objects.filter(closed_at__isnull=True, steering_outcome="")
            .exclude(votes__member=user)
            .exclude(proposal__submitted_by=user)
            .select_related("proposal")
            .only("deadline", "opened_at", "proposal__reference", "proposal__title")
            .order_by("opened_at", "pk")
        )
    return list(decisions[:limit]) if org_ids else [], list(votes[:limit])
