"""Did the vision come true? Each measurable outcome of an agreement's proposal has a baseline
and a target; at each review, and whenever a party's governance officer or approver or the
proposal's lead updates them, they record what was achieved, a judgement (met, partly met,
not met) and the evidence. A review cannot end in *continue* without an update of each
outcome made during it (lifecycle/reviews.py, outcomes_missing)."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from sharing_requests.models import MeasurableOutcome

from . import permissions
from .events import agreement_locked, timeline_add
from .lifecycle.common import NotAllowed, open_agreement_review
from .models import Agreement, AgreementStatus, OutcomeJudgement, OutcomeUpdate


def outcomes_of(agreement: Agreement) -> list[MeasurableOutcome]:
    """The proposal's outcomes, each with its updates (newest first) read in one query."""
    if agreement.proposal_id is None:
        return []
    updates = OutcomeUpdate.objects.select_related("recorded_by", "agreement", "review")
    return list(
        MeasurableOutcome.objects.filter(proposal_id=agreement.proposal_id).prefetch_related(
            Prefetch("updates", queryset=updates)
        )
    )


def may_record(request_or_user, agreement: Agreement) -> bool:
    """A party's governance officer or approver, or a member of the proposal's lead."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.proposal_id is None:
        return False
    return permissions.may(request_or_user, permissions.Action.MANAGE, agreement) or (
        permissions.may(request_or_user, permissions.Action.DOCUMENTS_LEAD, agreement)
    )


def record_outcome_updates(*, agreement: Agreement, by, entries: list[dict]) -> list[OutcomeUpdate]:
    """Record one update per entry ({outcome, achieved, judgement, evidence}), tied to the open
    review if there is one; audited and put on the agreement's timeline."""
    if not entries:
        raise DomainError(_("Record what was achieved for at least one outcome"))
    with transaction.atomic():
        a = agreement_locked(agreement)
        if not may_record(by, a):
            raise NotAllowed(
                _(
                    "Only a governance officer or an approver of one of the parties, or the "
                    "proposal's lead, can record outcomes of an active agreement."
                )
            )
        review = open_agreement_review(a)
        own = {o.pk for o in MeasurableOutcome.objects.filter(proposal_id=a.proposal_id)}
        updates = []
        for entry in entries:
            outcome = entry["outcome"]
            if outcome.pk not in own:
                raise DomainError(_("That outcome is not one of this agreement's."))
            if entry["judgement"] not in OutcomeJudgement.values:
                raise DomainError(_("Select whether the outcome was met"))
            achieved, evidence = entry["achieved"].strip(), entry["evidence"].strip()
            if not achieved or not evidence:
                raise DomainError(_("Say what was achieved and give the evidence"))
            update = OutcomeUpdate(
                outcome=outcome,
                agreement=a,
                review=review,
                achieved=achieved,
                judgement=entry["judgement"],
                evidence=evidence,
                recorded_by=by,
            )
            audit(update, reason="isf.agreement.outcome_recorded", by=by)
            update.save()
            timeline_add(
                a,
                by=by,
                kind="outcome_recorded",
                description=_("Outcome “%(outcome)s”: %(judgement)s. Achieved: %(achieved)s")
                % {
                    "outcome": outcome.description,
                    "judgement": update.get_judgement_display().lower(),
                    "achieved": achieved,
                },
            )
            updates.append(update)
    return updates
