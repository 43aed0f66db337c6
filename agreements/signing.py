"""Signing: each party's signatories sign the exact draft PDF after re-entering their
password, or, if they sign in with their organisation's account, after signing in to it again
(organisations.sso_fresh), or decline with a reason (the proposal goes back to its authors).

Every write locks the agreement row first, so signatures on one agreement are serialised:
two final signatures arriving together see each other, and exactly one of them finds every
required signature in and queues the seal. The database's unique constraint (one signature
per party and capacity) backs this up.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import notify
from organisations import sso, sso_fresh
from organisations.models import SignatoryCapacity
from organisations.permissions import memberships
from outbox.services import outbox_enqueue
from sharing_requests.rounds.rounds import proposal_send_back
from sharing_requests.workdays import working_days_from

from . import permissions
from .events import agreement_locked, timeline_add
from .models import Agreement, AgreementParty, AgreementStatus, Signature, SignatureMethod
from .tasks import seal


class NotASignatory(DomainError):
    """The user may see the agreement but signs for none of its parties (the view: 403)."""


class WrongPassword(DomainError):
    """The password given to confirm a signature is not the user's."""


@dataclass(frozen=True)
class Owed:
    """A signature a user can give now: for `party`, in `capacity`."""

    party: AgreementParty
    capacity: str

    @property
    def key(self) -> str:
        return f"{self.party.pk}:{self.capacity}"

    @property
    def capacity_label(self) -> str:
        return str(SignatoryCapacity(self.capacity).label)


def fresh_sign_in_purpose(agreement: Agreement, key: str) -> str:
    """What a fresh sign-in to give one signature (an Owed.key) is bound to."""
    return f"sign:{agreement.reference}:{key}"


def _confirm_signatory(by, *, password: str, fresh_sign_in, purpose: str) -> tuple[str, str]:
    """How `by` proved it was them: the method and the vouching organisation's name."""
    identity = sso.identity_for(by)
    if identity is not None:
        idp = sso_fresh.verify(fresh_sign_in, user=by, purpose=purpose, identity=identity)
        return SignatureMethod.SSO, idp.organisation.name
    if not password or not by.check_password(password):
        raise WrongPassword(_("The password is not right. Enter your portal password."))
    return SignatureMethod.PASSWORD, ""


def _signatory_memberships(user, agreement):
    return permissions.holders(permissions.Action.SIGN, agreement, user=user)


def is_signatory_for(*, user, agreement: Agreement) -> bool:
    """Whether `user` signs for one of the agreement's parties in a capacity it requires."""
    for membership in _signatory_memberships(user, agreement):
        party = agreement.parties.get(organisation_id=membership.organisation_id)
        if membership.signatory_capacity in party.required_signatures:
            return True
    return False


def owed_by(*, user, agreement: Agreement) -> list[Owed]:
    """The signatures `user` can give on `agreement` now (none unless it awaits them)."""
    if agreement.status != AgreementStatus.AWAITING_SIGNATURES:
        return []
    capacities = dict(
        _signatory_memberships(user, agreement).values_list("organisation_id", "signatory_capacity")
    )
    signed = set(agreement.signatures.values_list("party_id", "capacity"))
    owed = []
    for party in agreement.parties.filter(organisation_id__in=capacities):
        capacity = capacities[party.organisation_id]
        if capacity in party.required_signatures and (party.pk, capacity) not in signed:
            owed.append(Owed(party=party, capacity=capacity))
    return owed


def missing_signatures(agreement: Agreement) -> list[tuple[AgreementParty, str]]:
    signed = set(agreement.signatures.values_list("party_id", "capacity"))
    return [
        (party, capacity)
        for party in agreement.parties.all()
        for capacity in party.required_signatures
        if (party.pk, capacity) not in signed
    ]


def awaiting_signature_of(*, user, request=None) -> list[tuple[Agreement, list[Owed]]]:
    """Agreements waiting for this user's signature (for the home page): at most three
    queries, however many wait. Given the request, the memberships it has read are used."""
    rule = permissions.POLICY[permissions.Action.SIGN]
    capacities = {
        pk: m.signatory_capacity for pk, m in memberships(request or user).items() if rule.allows(m)
    }
    if not capacities:
        return []
    agreements = (
        Agreement.objects.filter(
            status=AgreementStatus.AWAITING_SIGNATURES,
            pk__in=AgreementParty.objects.filter(organisation_id__in=capacities).values(
                "agreement_id"
            ),
        )
        .only("reference", "title", "status")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.filter(organisation_id__in=capacities),
                to_attr="own_parties",
            ),
            Prefetch(
                "signatures",
                queryset=Signature.objects.only("agreement_id", "party_id", "capacity"),
                to_attr="given",
            ),
        )
    )
    waiting = []
    for agreement in agreements:
        signed = {(s.party_id, s.capacity) for s in agreement.given}
        owed = [
            Owed(party=party, capacity=capacities[party.organisation_id])
            for party in agreement.own_parties
            if capacities[party.organisation_id] in party.required_signatures
            and (party.pk, capacities[party.organisation_id]) not in signed
        ]
        if owed:
            waiting.append((agreement, owed))
    return waiting


def _locked_awaiting_signatures(agreement: Agreement) -> Agreement:
    """The agreement, locked for the transaction the caller holds, provided it still awaits
    signatures (another signatory may have changed it since the page was shown)."""
    a = agreement_locked(agreement)
    if a.status != AgreementStatus.AWAITING_SIGNATURES:
        raise DomainError(
            _("This agreement is %(status)s: it is not waiting for signatures.")
            % {"status": a.get_status_display().lower()}
        )
    return a


def signature_record(
    *,
    agreement: Agreement,
    by,
    party: AgreementParty,
    capacity: str,
    pdf_sha256: str,
    job_title: str,
    password: str = "",
    fresh_sign_in: sso_fresh.FreshSignIn | None = None,
) -> Signature:
    """`by` signs the draft for `party` in `capacity`, confirming with their password, or, for
    a single sign-on user, with a recent sign-in to their provider for this very signature.

    Nothing is recorded unless that confirmation holds, the agreement awaits this signature
    and `pdf_sha256` is the draft's (the exact PDF the signatory was shown). The last required
    signature queues the seal, exactly once."""
    purpose = fresh_sign_in_purpose(agreement, f"{party.pk}:{capacity}")
    method, vouched_by = _confirm_signatory(
        by, password=password, fresh_sign_in=fresh_sign_in, purpose=purpose
    )
    job_title = job_title.strip()
    if not job_title:
        raise DomainError(_("Enter your job title"))
    with transaction.atomic():
        a = _locked_awaiting_signatures(agreement)
        if pdf_sha256 != a.draft_sha256:
            raise DomainError(
                _("The agreement has changed since you opened it. Read it again, then sign.")
            )
        owed = {o.key: o for o in owed_by(user=by, agreement=a)}
        key = f"{party.pk}:{capacity}"
        if key not in owed:
            if is_signatory_for(user=by, agreement=a):
                raise DomainError(
                    _("%(party)s's signature as %(capacity)s has already been given.")
                    % {"party": party.name, "capacity": SignatoryCapacity(capacity).label}
                )
            raise NotASignatory(
                _("You cannot sign this agreement for %(party)s.") % {"party": party.name}
            )
        signature = Signature(
            agreement=a,
            party=party,
            capacity=capacity,
            signer=by,
            name=by.full_name,
            job_title=job_title[:150],
            organisation_name=party.name,
            pdf_sha256=a.draft_sha256,
            method=method,
            identity_provider_name=vouched_by[:200],
            signed_at=timezone.now(),
        )
        signature.days_to_sign = working_days_from(a.created_at, signature.signed_at)
        audit(signature, reason="isf.agreement.signed", by=by)
        try:
            with transaction.atomic():
                signature.save()
        except IntegrityError as exc:
            raise DomainError(_("This signature has already been given.")) from exc
        timeline_add(
            a,
            by=by,
            kind="signed",
            description=_("Signed for %(party)s by %(name)s, %(job)s (%(capacity)s); %(method)s")
            % {
                "party": party.name,
                "name": by.full_name,
                "job": signature.job_title,
                "capacity": SignatoryCapacity(capacity).label,
                "method": method_text(signature),
            },
        )
        if not missing_signatures(a):
            a.status = AgreementStatus.SEALING
            audit(a, reason="isf.agreement.all_signed", by=by)
            a.save(update_fields=["status"])
            timeline_add(
                a,
                by=None,
                kind="all_signed",
                description=_("Every required signature is in; the agreement is being sealed"),
            )
            outbox_enqueue(task=seal, kwargs={"agreement_id": a.pk})
    return signature


def method_text(signature: Signature) -> str:
    """How the signatory confirmed it was them, in words (agreement page, timeline, PDF)."""
    if signature.method == SignatureMethod.SSO:
        return _("confirmed by signing in again with %(org)s's account") % {
            "org": signature.identity_provider_name or signature.organisation_name
        }
    return _("confirmed with their portal password")


def signature_decline(*, agreement: Agreement, by, reason: str) -> Agreement:
    """A signatory declines to sign: the agreement is withdrawn and the proposal goes back to
    its authors as *changes requested*, with the reason."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason you are not signing"))
    with transaction.atomic():
        a = _locked_awaiting_signatures(agreement)
        owed = owed_by(user=by, agreement=a)
        if not owed:
            if is_signatory_for(user=by, agreement=a):
                raise DomainError(_("You have already signed this agreement."))
            raise NotASignatory(_("Only a signatory of one of the parties can decline."))
        party = owed[0].party
        a.status = AgreementStatus.WITHDRAWN
        a.ended_at = timezone.now()
        a.end_reason = _("%(party)s declined to sign: %(reason)s") % {
            "party": party.name,
            "reason": reason,
        }
        audit(a, reason="isf.agreement.declined", by=by)
        a.save(update_fields=["status", "ended_at", "end_reason"])
        timeline_add(
            a,
            by=by,
            kind="declined",
            description=_("%(name)s declined to sign for %(party)s: %(reason)s")
            % {"name": by.full_name, "party": party.name, "reason": reason},
        )
        if a.proposal_id is not None:
            proposal_send_back(
                proposal=a.proposal,
                by=by,
                reason=_("%(party)s's signatory declined to sign %(ref)s: %(reason)s")
                % {"party": party.name, "ref": a.reference, "reason": reason},
            )
        _tell_signatories_withdrawn(a, by=by, party=party, reason=reason)
    return a


def _tell_signatories_withdrawn(agreement, *, by, party, reason) -> None:
    """The other parties' signatories stop waiting: the agreement will not be signed."""
    url = reverse("agreements:detail", args=[agreement.reference])
    users = {
        m.user
        for m in permissions.holders(permissions.Action.SIGN, agreement)
        .filter(user__is_active=True)
        .select_related("user")
        if m.user_id != by.pk
    }
    for user in sorted(users, key=lambda u: u.pk):
        notify(
            user=user,
            kind=NotificationKind.AGREEMENT,
            title=_("%(ref)s will not be signed: %(party)s declined")
            % {"ref": agreement.reference, "party": party.name},
            url=url,
            template="agreement_withdrawn",
            context={"agreement": agreement, "party": party, "reason": reason},
        )
