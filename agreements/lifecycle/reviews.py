"""Reviews of an active agreement (continue; vary and terminate, proposed to every party and
carried out once all agree: consents.py) and a new version replacing the old (on_activated)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import MeasurableOutcome
from sharing_requests.rounds.rounds import proposal_send_back

from .. import consents
from ..events import agreement_locked, timeline_add
from ..models import (
    Agreement,
    AgreementReview,
    AgreementStatus,
    ConsentKind,
    ConsentRequest,
    ReviewOutcome,
)
from ..notices import tell_update
from .common import (
    IN_PREPARATION,
    _close_open_reviews,
    _date,
    _require_active,
    _require_manager,
    open_agreement_review,
    pending_change,
    previous_for,
    scheduled_termination,
)


# --- Reviews --------------------------------------------------------------------------------
def agreement_review_open(*, agreement: Agreement, by) -> AgreementReview:
    """A party's governance officer or approver opens a review of an active agreement. One
    review is open at a time (also a database constraint)."""
    with transaction.atomic():
        a = agreement_locked(agreement)
        _require_manager(a, by)
        _require_active(a)
        if open_agreement_review(a) is not None:
            raise DomainError(_("A review of this agreement is already open."))
        ending = scheduled_termination(a)
        if ending is not None:
            raise DomainError(
                _("This agreement has been terminated from %(date)s: it cannot be reviewed.")
                % {"date": _date(ending)}
            )
        review = AgreementReview(agreement=a, opened_by=by)
        audit(review, reason="isf.agreement.review_opened", by=by)
        review.save()
        timeline_add(
            a,
            by=by,
            kind="review_opened",
            description=_("Review opened by %(name)s") % {"name": by.full_name},
        )
        tell_update(a, message=_("a review has been opened"), exclude=by)
    return review


def _locked_open_review(review: AgreementReview, by) -> tuple[Agreement, AgreementReview]:
    """Lock the agreement, then the review (always in this order), and check both."""
    a = agreement_locked(review.agreement_id)
    r = AgreementReview.objects.select_for_update().get(pk=review.pk)
    _require_manager(a, by)
    if r.closed_at is not None:
        raise DomainError(_("This review has already closed."))
    _require_active(a)
    return a, r


def _close(r: AgreementReview, *, by, outcome: str, reason: str = "", **fields) -> None:
    r.outcome = outcome
    r.reason = reason
    r.closed_by = by
    r.closed_at = timezone.now()
    for name, value in fields.items():
        setattr(r, name, value)
    audit(r, reason=f"isf.agreement.review_{outcome}", by=by)
    r.save()


def agreement_review_continue(
    *, review: AgreementReview, by, new_review_date: date, comment: str = ""
) -> Agreement:
    """The review ends in continue: the agreement stays in force with a new review date, in
    the future and no later than its end date. Reminders follow the new date."""
    with transaction.atomic():
        a, r = _locked_open_review(review, by)
        _require_nothing_pending(a)
        missing = outcomes_missing(r)
        if missing:
            raise DomainError(
                _("Record what each outcome achieved before the review continues: %(list)s")
                % {"list": "; ".join(o.description for o in missing)}
            )
        today = timezone.localdate()
        if new_review_date is None or new_review_date <= today:
            raise DomainError(_("The new review date must be in the future."))
        if a.end_date and new_review_date > a.end_date:
            raise DomainError(
                _("The new review date must be on or before the agreement's end date, %(date)s.")
                % {"date": _date(a.end_date)}
            )
        old = a.review_date
        _close(
            r,
            by=by,
            outcome=ReviewOutcome.CONTINUE,
            reason=comment.strip(),
            new_review_date=new_review_date,
        )
        a.review_date = new_review_date
        audit(a, reason="isf.agreement.review_continued", by=by)
        a.save(update_fields=["review_date"])
        if old:
            description = _(
                "Review closed: continue. Review date moved from %(old)s to %(new)s"
            ) % {"old": _date(old), "new": _date(new_review_date)}
        else:
            description = _("Review closed: continue. Next review on %(new)s") % {
                "new": _date(new_review_date)
            }
        timeline_add(a, by=by, kind="review_continued", description=description)
        tell_update(
            a,
            message=_("reviewed, continues until the next review on %(date)s")
            % {"date": _date(new_review_date)},
            reason=comment.strip(),
            exclude=by,
        )
    return a


def outcomes_missing(review: AgreementReview) -> list[MeasurableOutcome]:
    """The proposal's measurable outcomes with no update recorded during this review
    (agreements/outcomes.py records them)."""
    proposal_id = review.agreement.proposal_id
    if proposal_id is None:
        return []
    done = review.outcome_updates.values("outcome_id")
    return list(MeasurableOutcome.objects.filter(proposal_id=proposal_id).exclude(pk__in=done))


def _require_nothing_pending(a: Agreement) -> None:
    waiting = pending_change(a)
    if waiting is not None:
        raise DomainError(
            _("%(what)s is already waiting for the parties to agree.")
            % {"what": consents.summary(waiting)}
        )


def variation_problem(a: Agreement) -> str:
    """Why the agreement cannot be varied now ('' if it can)."""
    if a.proposal_id is None:
        return _(
            "This agreement was signed outside the portal, so there is no proposal to "
            "vary. Start a new proposal for the new version, or terminate this one."
        )
    in_preparation = (
        Agreement.objects.filter(proposal_id=a.proposal_id, status__in=IN_PREPARATION)
        .exclude(pk=a.pk)
        .exists()
    )
    if in_preparation or a.proposal.status != ProposalStatus.APPROVED:
        return _("A new version of %(ref)s is already being prepared.") % {
            "ref": a.proposal.reference
        }
    return ""


def agreement_review_vary(*, review: AgreementReview, by, reason: str) -> ConsentRequest:
    """The review proposes a variation: once every party has agreed (consents.py), the
    agreement's proposal goes back to its authors as *changes requested* and the new version
    goes through review and signing again (variation_agreed). The agreement stays in force
    until the new version is active, which then supersedes it (on_activated)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say what needs to change"))
    with transaction.atomic():
        a, _r = _locked_open_review(review, by)
        _require_nothing_pending(a)
        problem = variation_problem(a)
        if problem:
            raise DomainError(problem)
        return consents.consent_propose(agreement=a, kind=ConsentKind.VARY, by=by, reason=reason)


def agreement_review_terminate(
    *, review: AgreementReview, by, reason: str, end_date: date
) -> ConsentRequest:
    """The review proposes ending the agreement, with the reason and the date asked for.
    Once every party has agreed (consents.py) it ends on that date or at the end of its
    notice period after the last agreement, whichever is later (termination_agreed)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for ending the agreement"))
    if end_date is None:
        raise DomainError(_("Enter the date the agreement ends"))
    with transaction.atomic():
        a, _r = _locked_open_review(review, by)
        if a.start_date and end_date < a.start_date:
            raise DomainError(
                _("The agreement cannot end before it started, on %(date)s.")
                % {"date": _date(a.start_date)}
            )
        if a.end_date and end_date > a.end_date:
            raise DomainError(
                _("The date must be on or before the agreement's end date, %(date)s.")
                % {"date": _date(a.end_date)}
            )
        _require_nothing_pending(a)
        return consents.consent_propose(
            agreement=a, kind=ConsentKind.TERMINATE, by=by, reason=reason, proposed_date=end_date
        )


@consents.on_agreed(ConsentKind.VARY)
def variation_agreed(a: Agreement, consent: ConsentRequest) -> None:
    """Every party agreed to vary it: the review closes in vary and the proposal goes back."""
    problem = variation_problem(a)
    if problem:
        raise DomainError(problem)
    by = consent.proposed_by
    review = open_agreement_review(a)
    if review is not None:
        _close(review, by=by, outcome=ReviewOutcome.VARY, reason=consent.reason)
    proposal = a.proposal
    proposal_send_back(
        proposal=proposal,
        by=by,
        reason=_("agreement %(ref)s is being varied: %(reason)s")
        % {"ref": a.reference, "reason": consent.reason},
    )
    timeline_add(
        a,
        by=consent.closed_by,
        kind="review_varied",
        description=_("Varied: proposal %(proposal)s reopened for a new version: %(reason)s")
        % {"proposal": proposal.reference, "reason": consent.reason},
    )
    tell_update(a, message=_("a new version is being prepared"), reason=consent.reason)


@consents.on_agreed(ConsentKind.TERMINATE)
def termination_agreed(a: Agreement, consent: ConsentRequest) -> None:
    """Every party agreed to end it: it ends on the later of the date asked for and the end
    of its notice period from today (never after its own end date). Until then it stays
    active, "Ending on <date>", and a review due after that date is no longer scheduled."""
    today = timezone.localdate()
    ends = max(consent.proposed_date, today + timedelta(days=a.notice_days))
    if a.end_date and ends > a.end_date:
        ends = a.end_date
    by = consent.proposed_by
    review = open_agreement_review(a)
    if review is not None:
        _close(review, by=by, outcome=ReviewOutcome.TERMINATE, reason=consent.reason, end_date=ends)
    if ends <= today:
        _terminate(a, by=consent.closed_by, reason=consent.reason, end_date=ends)
        return
    a.terminates_on = a.end_date = ends
    a.end_reason = consent.reason
    fields = ["terminates_on", "end_date", "end_reason"]
    if a.review_date and a.review_date > ends:
        a.review_date = None
        fields.append("review_date")
    audit(a, reason="isf.agreement.termination_scheduled", by=consent.closed_by)
    a.save(update_fields=fields)
    timeline_add(
        a,
        by=consent.closed_by,
        kind="termination_scheduled",
        description=_("Ends on %(date)s (%(days)s days' notice): %(reason)s")
        % {"date": _date(ends), "days": a.notice_days, "reason": consent.reason},
    )
    tell_update(a, message=_("ends on %(date)s") % {"date": _date(ends)}, reason=consent.reason)


def _terminate(a: Agreement, *, by, reason: str, end_date: date) -> None:
    a.status = AgreementStatus.TERMINATED
    a.end_date = end_date
    a.end_reason = reason
    a.ended_at = timezone.now()
    audit(a, reason="isf.agreement.terminated", by=by)
    a.save(update_fields=["status", "end_date", "end_reason", "ended_at"])
    _close_open_reviews(a, reason=_("The agreement was terminated."))
    timeline_add(
        a,
        by=by,
        kind="terminated",
        description=_("Terminated from %(date)s: %(reason)s")
        % {"date": _date(end_date), "reason": reason},
    )
    tell_update(a, message=_("terminated"), reason=reason, exclude=by)


# --- Activation of a new version ------------------------------------------------------------
def on_activated(agreement: Agreement, *, by=None) -> Agreement | None:
    """Call inside the transaction that makes `agreement` active.

    If it is a new version of an agreement still in force (its proposal was varied), link it
    to that agreement (`previous`) and mark the old one *superseded*. Returns the superseded
    agreement, or None. Idempotent: calling it twice changes nothing more."""
    with transaction.atomic():
        a = agreement_locked(agreement)
        if a.previous_id is None:
            previous = previous_for(proposal=a.proposal, exclude=a) if a.proposal_id else None
            if previous is None:
                return None
            a.previous = previous
            audit(a, reason="isf.agreement.linked_to_previous", by=by)
            a.save(update_fields=["previous"])
        # The caller holds the same row in memory and may save it after this call.
        agreement.previous_id = a.previous_id
        old = agreement_locked(a.previous_id)
        if old.status != AgreementStatus.ACTIVE:
            return None
        old.status = AgreementStatus.SUPERSEDED
        old.ended_at = timezone.now()
        old.end_reason = _("Replaced by %(ref)s") % {"ref": a.reference}
        audit(old, reason="isf.agreement.superseded", by=by)
        old.save(update_fields=["status", "ended_at", "end_reason"])
        _close_open_reviews(old, reason=_("A new version replaced the agreement."))
        timeline_add(
            old,
            by=by,
            kind="superseded",
            description=_("Superseded by the new version %(ref)s") % {"ref": a.reference},
        )
        timeline_add(
            a,
            by=by,
            kind="replaces",
            description=_("Replaces %(ref)s, now superseded") % {"ref": old.reference},
        )
    return old
