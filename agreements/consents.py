"""Every party agrees: one party proposes something about an agreement (a *kind*: end it, vary
it, and later publish it on the public register) and it is carried out only once every party
has agreed, each through its governance officer or signatory (permissions.Action.CONSENT).

    pending ──every party agreed──▶ agreed (the kind's handler carries it out)
    pending ──a party declines────▶ declined
    pending ──the proposer's party withdraws──▶ withdrawn
    pending ──the agreement ends otherwise───▶ lapsed

The proposer's own party counts as agreeing where the proposer may answer for it. Every
change is audited, goes on the agreement's timeline, and is told to the parties still to
answer (or, when it ends, to every party). One request of a kind is pending at a time (also a
database constraint).

A new kind: a `ConsentKind` value in models.py (and its migration), and a handler
registered with `@on_agreed(ConsentKind.X)` in the module that owns the change; the handler
runs inside the transaction that records the last agreement, with the agreement row locked.
docs/architecture.md, "Where to make a change", walks through it.
"""

from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from isf_portal.compiled import CompiledRead
from isf_portal.domain import DomainError, audit

from . import permissions
from .events import agreement_locked, timeline_add
from .models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
)
from .notices import tell_update

Handler = Callable[[Agreement, ConsentRequest], None]
HANDLERS: dict[str, Handler] = {}


class NotAllowed(DomainError):
    """The user may see the agreement but may not answer or withdraw (the view answers 403)."""


def on_agreed(kind: str) -> Callable[[Handler], Handler]:
    """Register what carries out a kind once every party has agreed: `handler(agreement,
    consent)`, called with the agreement row locked, `consent.closed_by` the last to agree."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


# --- Reading --------------------------------------------------------------------------------
def consent_url(consent: ConsentRequest) -> str:
    return reverse("agreements:consent", args=[consent.agreement.reference, consent.pk])


def pending(agreement: Agreement):
    return agreement.consents.filter(status=ConsentStatus.PENDING).select_related(
        "proposed_by", "party"
    )


def summary(consent: ConsentRequest) -> str:
    """What is asked, in a few words: "End the agreement on 1 July 2026"."""
    text = consent.get_kind_display()
    if consent.proposed_date:
        text = _("%(what)s on %(date)s") % {
            "what": text,
            "date": formats.date_format(consent.proposed_date, "j F Y"),
        }
    return text


def answers(consent: ConsentRequest) -> list[dict]:
    """Each party with its answer (None while it has not answered)."""
    given = {r.party_id: r for r in consent.responses.select_related("by")}
    return [
        {"party": party, "response": given.get(party.pk)}
        for party in consent.agreement.parties.all()
    ]


def waiting_for(consent: ConsentRequest) -> list[AgreementParty]:
    answered = consent.responses.values_list("party_id", flat=True)
    return list(consent.agreement.parties.exclude(pk__in=answered).select_related("organisation"))


def answerable_parties(consent: ConsentRequest, user) -> list[AgreementParty]:
    """The parties still to answer that this user may answer for."""
    if consent.status != ConsentStatus.PENDING:
        return []
    may_answer = {
        m.organisation_id
        for m in permissions.holders(permissions.Action.CONSENT, consent.agreement, user=user)
    }
    return [p for p in waiting_for(consent) if p.organisation_id in may_answer]


def proposing_party(agreement: Agreement, user, action=permissions.Action.MANAGE):
    """The party a user proposes for: the first (the lead first) where their roles allow
    `action`; None if there is none."""
    held = {m.organisation_id for m in permissions.holders(action, agreement, user=user)}
    return next((p for p in agreement.parties.all() if p.organisation_id in held), None)


_PENDING_FOR_PAGE = CompiledRead(
    lambda agreement_id: (
        ConsentRequest.objects.filter(agreement_id=agreement_id, status=ConsentStatus.PENDING)
        .select_related("proposed_by", "party")
        .only(
            "agreement_id",
            "kind",
            "status",
            "proposed_date",
            "party__name",
            "proposed_by__full_name",
        )
    ),
    agreement_id=int,
)


def pending_for_page(agreement: Agreement, user) -> list[ConsentRequest]:
    """What the parties are still asked to agree to, each with its `summary`, the parties
    still to answer (`waiting`) and whether this user may answer (`answerable`)."""
    # Only what the page shows of each (and its answers need): the proposer's whole user
    # row and the party's were most of this read's cost.
    # A read of a fixed shape, compiled once per connection (isf_portal/compiled.py).
    rows = _PENDING_FOR_PAGE.instances(agreement_id=agreement.pk, known={"agreement": agreement})
    for consent in rows:
        consent.summary = summary(consent)
        consent.waiting = _names(waiting_for(consent))
        consent.answerable = bool(answerable_parties(consent, user))
    return rows


def may_withdraw(consent: ConsentRequest, user) -> bool:
    """The proposer, or whoever may propose or answer for the proposing party."""
    if consent.status != ConsentStatus.PENDING or not user.is_authenticated:
        return False
    if consent.proposed_by_id == user.pk:
        return True
    return any(
        permissions.holders(action, consent.agreement, user=user, party=consent.party).exists()
        for action in (permissions.Action.MANAGE, permissions.Action.CONSENT)
    )


# --- Helpers --------------------------------------------------------------------------------
def _names(parties) -> str:
    return ", ".join(p.name for p in parties)


def _tell(consent: ConsentRequest, *, message: str, reason: str = "", parties=None, exclude=None):
    tell_update(
        consent.agreement,
        message=message,
        reason=reason,
        exclude=exclude,
        template="agreement_consent",
        url=consent_url(consent),
        action=permissions.Action.CONSENT,
        parties=parties,
    )


def _record_answer(consent, *, party, by, agreed: bool, comment: str = "") -> ConsentResponse:
    response = ConsentResponse(
        request=consent, party=party, agreed=agreed, by=by, comment=comment.strip()
    )
    audit(response, reason="isf.consent.agreed" if agreed else "isf.consent.declined", by=by)
    response.save()
    return response


def _close(consent: ConsentRequest, *, status: str, by) -> None:
    consent.status = status
    consent.closed_at = timezone.now()
    consent.closed_by = by
    audit(consent, reason=f"isf.consent.{status}", by=by)
    consent.save(update_fields=["status", "closed_at", "closed_by"])


def _carry_out_if_agreed(agreement: Agreement, consent: ConsentRequest, *, by) -> bool:
    if waiting_for(consent):
        return False
    _close(consent, status=ConsentStatus.AGREED, by=by)
    timeline_add(
        agreement,
        by=by,
        kind=f"consent_{consent.kind}_agreed",
        description=_("Every party agreed: %(what)s") % {"what": summary(consent).lower()},
    )
    HANDLERS[consent.kind](agreement, consent)
    return True


def _locked(consent: ConsentRequest) -> tuple[Agreement, ConsentRequest]:
    """Lock the agreement, then the request (always in this order), and check both."""
    agreement = agreement_locked(consent.agreement_id)
    c = ConsentRequest.objects.select_for_update().get(pk=consent.pk)
    c.agreement = agreement
    if c.status != ConsentStatus.PENDING:
        raise DomainError(
            _("This proposal is no longer waiting for answers: %(status)s.")
            % {"status": c.get_status_display().lower()}
        )
    return agreement, c


# --- Writing --------------------------------------------------------------------------------
def consent_propose(
    *, agreement: Agreement, kind: str, by, reason: str, proposed_date=None
) -> ConsentRequest:
    """One party asks every party to agree. Call inside the transaction that holds the
    agreement's row lock (the kind's own service checks what the kind needs first). The
    proposer's party agrees at once where the proposer may answer for it; if that is every
    party, the kind is carried out now."""
    if kind not in HANDLERS:
        raise DomainError(_("The parties cannot be asked to agree to this."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason"))
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(_("Only the parties to an agreement in force are asked to agree."))
    party = proposing_party(agreement, by)
    if party is None:
        raise NotAllowed(_("Only a party to the agreement can propose this."))
    if agreement.consents.filter(kind=kind, status=ConsentStatus.PENDING).exists():
        raise DomainError(_("This is already waiting for the parties to agree."))
    consent = ConsentRequest(
        agreement=agreement,
        kind=kind,
        party=party,
        proposed_by=by,
        reason=reason,
        proposed_date=proposed_date,
    )
    audit(consent, reason="isf.consent.proposed", by=by)
    consent.save()
    for own in answerable_parties(consent, by):
        _record_answer(consent, party=own, by=by, agreed=True, comment=_("Proposed it."))
    waiting = waiting_for(consent)
    timeline_add(
        agreement,
        by=by,
        kind=f"consent_{kind}_proposed",
        description=_("%(party)s proposed: %(what)s. %(reason)s")
        % {"party": party.name, "what": summary(consent).lower(), "reason": reason}
        + (
            " " + _("Waiting for %(parties)s to agree.") % {"parties": _names(waiting)}
            if waiting
            else ""
        ),
    )
    if not _carry_out_if_agreed(agreement, consent, by=by):
        _tell(
            consent,
            message=_("%(party)s proposes: %(what)s. Your organisation's answer is needed")
            % {"party": party.name, "what": summary(consent).lower()},
            reason=reason,
            parties=waiting,
            exclude=by,
        )
    return consent


def consent_answer(
    *, consent: ConsentRequest, party: AgreementParty, by, agreed: bool, comment: str = ""
) -> ConsentRequest:
    """A party's governance officer or signatory agrees or declines for it. A decline ends
    the request (with the reason); the last agreement carries it out."""
    comment = comment.strip()
    if not agreed and not comment:
        raise DomainError(_("Give the reason for declining"))
    with transaction.atomic():
        agreement, c = _locked(consent)
        if party.pk not in {p.pk for p in answerable_parties(c, by)}:
            raise NotAllowed(
                _("Only a governance officer or signatory of %(party)s can answer for it.")
                % {"party": party.name}
            )
        _record_answer(c, party=party, by=by, agreed=agreed, comment=comment)
        if agreed:
            timeline_add(
                agreement,
                by=by,
                kind="consent_agreed",
                description=_("%(party)s agreed: %(what)s")
                % {"party": party.name, "what": summary(c).lower()},
            )
            _carry_out_if_agreed(agreement, c, by=by)
        else:
            _close(c, status=ConsentStatus.DECLINED, by=by)
            timeline_add(
                agreement,
                by=by,
                kind="consent_declined",
                description=_("%(party)s declined: %(what)s. %(reason)s")
                % {"party": party.name, "what": summary(c).lower(), "reason": comment},
            )
            _tell(
                c,
                message=_("%(party)s declined: %(what)s")
                % {"party": party.name, "what": summary(c).lower()},
                reason=comment,
                exclude=by,
            )
    return c


def consent_withdraw(*, consent: ConsentRequest, by) -> ConsentRequest:
    """The proposing party takes its proposal back before every party has agreed."""
    with transaction.atomic():
        agreement, c = _locked(consent)
        if not may_withdraw(c, by):
            raise NotAllowed(_("Only the party that proposed this can withdraw it."))
        _close(c, status=ConsentStatus.WITHDRAWN, by=by)
        timeline_add(
            agreement,
            by=by,
            kind="consent_withdrawn",
            description=_("%(party)s withdrew its proposal: %(what)s")
            % {"party": c.party.name, "what": summary(c).lower()},
        )
        _tell(
            c,
            message=_("%(party)s withdrew its proposal: %(what)s")
            % {"party": c.party.name, "what": summary(c).lower()},
            exclude=by,
        )
    return c


def consents_lapse(agreement: Agreement, *, by=None) -> int:
    """The agreement ended another way: what was still waiting lapses. Call under the
    agreement's row lock."""
    lapsed = 0
    for c in ConsentRequest.objects.select_for_update().filter(
        agreement=agreement, status=ConsentStatus.PENDING
    ):
        c.agreement = agreement
        _close(c, status=ConsentStatus.LAPSED, by=by)
        timeline_add(
            agreement,
            by=by,
            kind="consent_lapsed",
            description=_("No longer asked, as the agreement has ended: %(what)s")
            % {"what": summary(c).lower()},
        )
        lapsed += 1
    return lapsed
