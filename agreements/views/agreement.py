"""The agreement and its documents: the agreement page (accessible HTML of the same content
as the PDF, the timeline and who signed when), the downloads, signing and declining, and the
verify page. Thin: the rules live in generation, signing, sealing and verification.

Every agreement page finds the agreement through permissions.agreement_for (404 for anyone
who is not a member of a party or of the steering group); actions a viewer may not take are
403; the verify page is the exception, open to anyone. Nothing here renders a PDF: that is
the worker's job, and every PDF served is an attachment.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.compiled import CompiledRead, prefetched_children
from isf_portal.domain import DomainError
from organisations import sso_fresh
from organisations.models import SignatoryCapacity
from organisations.sso import identity_for, provider_origins
from sharing_requests.permissions import start_organisation_list

from .. import consents, lifecycle, outcomes, publication, signing, throttle
from ..events import agreement_chain
from ..forms import DeclineForm, SignForm, VerifyForm
from ..models import Agreement, AgreementDownload, AgreementParty, AgreementStatus, Signature
from ..permissions import Action, agreement_for, may, viewer_codenames
from ..verification import verify_pdf

# Wrong passwords on the signing page, per person, before they must wait.
SIGN_PASSWORD_ATTEMPTS = 5
SIGN_PASSWORD_WINDOW_SECONDS = 15 * 60
# How often the "preparing the agreement" page asks whether it is ready.
POLL_SECONDS = 3


# --- The agreement page ---------------------------------------------------------------------
# Its reads have a fixed shape: compiled once per connection (isf_portal/compiled.py), run
# with the reference and ids of each visit. Of the proposal it was generated from the page
# shows only the reference, read with the agreement.
def _agreement(reference, **grants):
    found = Agreement.objects.annotate(proposal_reference=F("proposal__reference"))
    if grants:
        found = found.annotate(viewer_codenames=viewer_codenames(grants["user_id"]))
    return found.filter(reference=reference)[:1]


_AGREEMENT = (
    CompiledRead(_agreement, reference=str, user_id=int),  # with the viewer's grants
    CompiledRead(_agreement, reference=str),
)
_PARTIES = CompiledRead(
    lambda agreement_id: AgreementParty.objects.filter(agreement_id=agreement_id),
    agreement_id=int,
)
_LINKED_FIELDS = ("reference", "status", "terminates_on", "previous_id")
# The agreements that replace it, and (the second) also the one it replaces.
_LINKED = (
    CompiledRead(lambda pk: Agreement.objects.filter(previous_id=pk).only(*_LINKED_FIELDS), pk=int),
    CompiledRead(
        lambda pk, previous: Agreement.objects.filter(Q(previous_id=pk) | Q(pk=previous)).only(
            *_LINKED_FIELDS
        ),
        pk=int,
        previous=int,
    ),
)
_SIGNATURES = CompiledRead(
    lambda agreement_id: (
        Signature.objects.filter(agreement_id=agreement_id)
        .only("agreement_id", "party_id", "capacity", "name", "job_title", "signed_at", "method")
        .order_by("signed_at")
    ),
    agreement_id=int,
)


def _chain_for(request, agreement):
    """Whether the timeline is intact, for those who manage the agreement (its parties'
    governance officers and approvers); None for everyone else."""
    if not may(request, Action.MANAGE, agreement):
        return None
    return agreement_chain(agreement)


def _linked(agreement) -> tuple[Agreement | None, list[Agreement]]:
    """The agreement it replaces and those that replace it, newest first: links, with their
    reference and status, read in one query."""
    if agreement.previous_id is None:
        rows = _LINKED[0].instances(pk=agreement.pk)
    else:
        rows = _LINKED[1].instances(pk=agreement.pk, previous=agreement.previous_id)
    previous = next((a for a in rows if a.pk == agreement.previous_id), None)
    return previous, [a for a in rows if a.previous_id == agreement.pk]


def _page_context(request, agreement) -> dict:
    # Read once: the permission checks below find the parties here too (the lead among
    # them), as agreement.parties.all(), each party's agreement this one.
    parties = _PARTIES.instances(agreement_id=agreement.pk)
    prefetched_children([agreement], parties, "parties", AgreementParty, "agreement")
    previous, variations = _linked(agreement)
    # Each row names its party from `parties`: the signature's own party is not read again.
    signatures = _SIGNATURES.instances(agreement_id=agreement.pk, known={"agreement": agreement})
    signed = {(s.party_id, s.capacity): s for s in signatures}
    signature_rows = [
        {
            "party": party,
            "capacity": capacity,
            "capacity_label": SignatoryCapacity(capacity).label,
            "signature": signed.get((party.pk, capacity)),
        }
        for party in parties
        for capacity in party.required_signatures
    ]
    outcome_rows = outcomes.outcomes_of(agreement)
    pending = consents.pending_for_page(agreement, request.user)
    return {
        "agreement": agreement,
        "content": agreement.content or {},
        "sections": (agreement.content or {}).get("sections", []),
        "parties": parties,
        "signature_rows": signature_rows,
        "owed": signing.owed_by(user=request.user, agreement=agreement),
        "events": lifecycle.timeline(agreement, downloads=may(request, Action.OVERSEE, agreement)),
        "may_documents": may(request, Action.DOCUMENTS, agreement),
        "chain": _chain_for(request, agreement),
        "preparing": agreement.status == AgreementStatus.GENERATING,
        "sealing": agreement.status == AgreementStatus.SEALING,
        "poll_seconds": POLL_SECONDS,
        "previous": previous,
        "variations": variations,
        "outcomes": outcome_rows,
        "outcome_history": any(o.updates.all() for o in outcome_rows),
        "pending": pending,
        # The request, not its user: the permission checks keep the memberships on it.
        "publication": publication.publication_for_page(agreement, request, pending=pending),
    }


@login_required
def agreement_detail(request, reference):
    agreement = agreement_for(request, reference, read=_AGREEMENT)
    context = _page_context(request, agreement)
    if agreement.proposal_id:  # "start from this one" (an external one has no answers)
        context["start_organisations"] = start_organisation_list(request)
    return render(request, "agreements/agreement.html", context)


@login_required
def agreement_status(request, reference):
    """The small fragment the page polls while the agreement is being prepared or sealed (both
    are background work the person waits for). Answers 286 once it is done, which tells htmx
    to stop polling."""
    agreement = agreement_for(request, reference)
    preparing = agreement.status == AgreementStatus.GENERATING
    sealing = agreement.status == AgreementStatus.SEALING
    response = render(
        request,
        "agreements/agreement_status.html",
        {
            "agreement": agreement,
            "preparing": preparing,
            "sealing": sealing,
            "poll_seconds": POLL_SECONDS,
        },
    )
    if not (preparing or sealing):
        response.status_code = 286
    response["Cache-Control"] = "no-store"
    return response


@login_required
def agreement_download(request, reference, kind):
    """The draft or the signed PDF, each download recorded (and shown on the timeline to the
    parties' governance officers). Every member of a party downloads the signed PDF; the
    draft is for those the DOCUMENTS row allows (403 for other members)."""
    agreement = agreement_for(request, reference)
    if kind == "draft" and not may(request, Action.DOCUMENTS, agreement):
        raise PermissionDenied
    if kind == "draft":
        document, sha256 = agreement.draft_pdf, agreement.draft_sha256
    elif kind == "signed":
        document, sha256 = agreement.signed_pdf, agreement.signed_sha256
    else:
        raise Http404
    if not document:
        raise Http404
    AgreementDownload.objects.create(
        agreement=agreement, user=request.user, kind=kind, sha256=sha256
    )
    suffix = "signed" if kind == "signed" else "draft"
    # Always an attachment, never shown inline: a PDF recorded for an agreement signed outside
    # the portal is whatever a governance officer uploaded, scripts included.
    response = FileResponse(
        document.open("rb"),
        as_attachment=True,
        filename=f"{agreement.reference}-{suffix}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Signing --------------------------------------------------------------------------------
def _signing_agreement(request, reference):
    agreement = agreement_for(request, reference)
    if not signing.is_signatory_for(user=request.user, agreement=agreement):
        raise PermissionDenied
    return agreement


@login_required
@require_http_methods(["GET", "POST"])
def agreement_sign(request, reference):
    agreement = _signing_agreement(request, reference)
    owed = signing.owed_by(user=request.user, agreement=agreement)
    if not owed:
        return render(
            request,
            "agreements/sign_not_needed.html",
            {
                "agreement": agreement,
                "given": agreement.signatures.filter(signer=request.user),
            },
        )
    identity = identity_for(request.user)
    if identity is not None:
        return _sign_with_organisation_account(request, agreement, owed, identity[1])
    initial = {"job_title": request.user.job_title, "pdf_sha256": agreement.draft_sha256}
    form = SignForm(request.POST or None, owed=owed, initial=initial)
    if request.method == "POST" and form.is_valid():
        if throttle.count("sign-password", request.user.pk) >= SIGN_PASSWORD_ATTEMPTS:
            form.add_error(
                "password",
                _("You have entered a wrong password too many times. Try again in 15 minutes."),
            )
        else:
            try:
                signed = _record_signature(
                    request, agreement, owed, form, password=form.cleaned_data["password"]
                )
            except signing.WrongPassword as exc:
                throttle.hits("sign-password", request.user.pk, SIGN_PASSWORD_WINDOW_SECONDS)
                form.add_error("password", str(exc))
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                return signed
    return _sign_page(request, agreement, owed, form)


def _sign_with_organisation_account(request, agreement, owed, idp):
    """A single sign-on signatory: the form (without a password) first sends them to their
    provider to sign in again; back here, the same form, now confirmed, signs."""
    prefix = signing.fresh_sign_in_purpose(agreement, "")
    mark = sso_fresh.peek(request, prefix=prefix) or {}
    initial = {
        "job_title": request.user.job_title,
        "pdf_sha256": agreement.draft_sha256,
        **mark.get("initial", {}),
    }
    form = SignForm(request.POST or None, owed=owed, initial=initial, sso=True)
    if request.method == "GET":
        refused = sso_fresh.take_error(request, prefix=prefix)
        if refused:  # the provider's answer came back refused: say why, in the summary
            form.full_clean()  # an unbound form: no errors of its own
            form.cleaned_data = {}
            form.add_error(None, refused)
    elif form.is_valid():
        key = form.cleaned_data["signature"]
        purpose = signing.fresh_sign_in_purpose(agreement, key)
        if mark.get("purpose") != purpose or mark.get("error"):
            return sso_fresh.sign_in_again(
                request,
                idp,
                purpose=purpose,
                next_url=request.path,
                # Kept for the form shown on return: they have answered it already.
                initial={
                    "signature": key,
                    "job_title": form.cleaned_data["job_title"],
                    "confirm": True,
                },
            )
        try:
            fresh = sso_fresh.take(request, purpose=purpose)
            return _record_signature(request, agreement, owed, form, fresh_sign_in=fresh)
        except DomainError as exc:
            form.add_error(None, str(exc))
    mark = sso_fresh.peek(request, prefix=prefix)
    response = _sign_page(
        request,
        agreement,
        owed,
        form,
        sso={"organisation": idp.organisation.name, "fresh": bool(mark and "uid" in mark)},
    )
    # The form is answered by a redirect to the provider: CSP form-action covers it.
    response._csp_update = {"form-action": provider_origins()}
    return response


def _record_signature(request, agreement, owed, form, **confirmation):
    chosen = {o.key: o for o in owed}.get(form.cleaned_data["signature"])
    if chosen is None:
        raise DomainError(_("Select the signature you are giving"))
    signing.signature_record(
        agreement=agreement,
        by=request.user,
        party=chosen.party,
        capacity=chosen.capacity,
        pdf_sha256=form.cleaned_data["pdf_sha256"],
        job_title=form.cleaned_data["job_title"],
        **confirmation,
    )
    messages.success(
        request,
        _("You have signed %(ref)s for %(party)s.")
        % {"ref": agreement.reference, "party": chosen.party.name},
    )
    return redirect("agreements:detail", reference=agreement.reference)


def _sign_page(request, agreement, owed, form, sso=None):
    return render(
        request,
        "agreements/sign.html",
        {
            "agreement": agreement,
            "owed": owed,
            "form": form,
            "sso": sso,
            "pdf_size": agreement.draft_pdf.size if agreement.draft_pdf else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_decline(request, reference):
    agreement = _signing_agreement(request, reference)
    owed = signing.owed_by(user=request.user, agreement=agreement)
    if not owed:
        return redirect("agreements:sign", reference=agreement.reference)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signing.signature_decline(
                agreement=agreement, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "You have declined to sign %(ref)s. The proposal has gone back to its "
                    "authors with your reason."
                )
                % {"ref": agreement.reference},
            )
            return redirect("agreements:detail", reference=agreement.reference)
    return render(
        request,
        "agreements/sign_decline.html",
        {"agreement": agreement, "owed": owed, "form": form},
    )


# --- Verify an agreement --------------------------------------------------------------------
# Open to anyone: auditors and the public hold signed PDFs too. Limited per IP address and per
# person; verification itself bounds the work and redacts what the viewer may not see.
@require_http_methods(["GET", "POST"])
def agreement_verify(request):
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = throttle.verify_refusal(request)
        if refusal:
            form.add_error("pdf", refusal)
            status = 429
        else:
            upload = form.cleaned_data["pdf"]
            result = verify_pdf(
                b"".join(upload.chunks()),
                may_see=lambda agreement: may(request, Action.VIEW, agreement),
            )
    return render(
        request,
        "agreements/verify.html",
        {
            "form": form,
            "result": result,
            "can_view_match": bool(
                result and result.agreement and may(request, Action.VIEW, result.agreement)
            ),
        },
        status=status,
    )


urlpatterns = [
    path("verify/", agreement_verify, name="verify"),
    path("<str:reference>/", agreement_detail, name="detail"),
    path("<str:reference>/status/", agreement_status, name="status"),
    path("<str:reference>/download/<str:kind>/", agreement_download, name="download"),
    path("<str:reference>/sign/", agreement_sign, name="sign"),
    path("<str:reference>/sign/decline/", agreement_decline, name="decline"),
]
