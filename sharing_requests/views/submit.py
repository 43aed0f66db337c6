"""Check your answers, submit, withdraw and print."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError

from .. import permissions, services, similar
from ..answers import answers_context, vision_feedback
from ..choices import ProposalStatus
from ..completeness import all_problems
from ..forms import WithdrawForm
from ..rounds.rule import RoundRule
from .common import editable_proposal, editing_proposal, proposal_context


@login_required
@editing_proposal
def check_answers(request, proposal):
    problems = [p for found in all_problems(proposal).values() for p in found]
    return render(
        request,
        "sharing_requests/check_answers.html",
        proposal_context(
            request,
            proposal,
            problems=problems,
            existing=similar.similar(request, similar.Wanted.about(proposal)),
            **answers_context(proposal=proposal),
        ),
    )


@login_required
@require_POST
@editing_proposal
def submit(request, proposal):
    try:
        services.proposal_submit(proposal=proposal, by=request.user)
    except services.SubmitBlocked as blocked:
        return render(
            request,
            "sharing_requests/check_answers.html",
            proposal_context(
                request, proposal, problems=blocked.problems, **answers_context(proposal=proposal)
            ),
            status=400,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("requests:detail", reference=proposal.reference)
    # Post/redirect/get: refreshing the confirmation must not submit again.
    return redirect("requests:submitted", reference=proposal.reference)


@login_required
def submitted(request, reference):
    """The confirmation of the latest submission, for anyone who may see the proposal."""
    proposal = permissions.proposal_for(request, reference)
    version = proposal.versions.select_related("round").first()
    if version is None:
        raise Http404
    if proposal.status != ProposalStatus.IN_REVIEW:
        # Decided, sent back or withdrawn since: "now in review" would no longer be true.
        return redirect("requests:detail", reference=proposal.reference)
    # The round opens through the outbox just after submission; until it has, the rule it
    # will open with is the one in force now.
    review = getattr(version, "round", None)
    rule = RoundRule.from_stored(review.rule) if review else RoundRule.from_settings()
    return render(
        request,
        "sharing_requests/submitted.html",
        proposal_context(
            request, proposal, version=version, steering_vote=rule.steering_vote_required
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, reference):
    proposal = editable_proposal(request, reference)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_withdraw(
                proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("%(reference)s has been withdrawn") % {"reference": proposal.reference}
            )
            return redirect("requests:detail", reference=proposal.reference)
    return render(
        request, "sharing_requests/withdraw.html", proposal_context(request, proposal, form=form)
    )


@login_required
def print_view(request, reference):
    """The whole proposal on paper, for IG boards that meet in person."""
    proposal = permissions.proposal_for(request, reference)
    return render(
        request,
        "sharing_requests/print.html",
        proposal_context(
            request,
            proposal,
            **answers_context(proposal=proposal),
            **vision_feedback(proposal=proposal),
        ),
    )
