"""The review page: the frozen proposal, every organisation's decision so far, the steering
group's vote, and the forms for each capacity the signed-in person holds."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from isf_portal.compiled import CompiledRead, prefetched_children
from isf_portal.domain import DomainError
from isf_portal.forms import GovukForm
from organisations.permissions import POLICY as ORGANISATION_POLICY
from organisations.permissions import Action as OrganisationAction
from organisations.permissions import memberships

from .. import permissions, selectors
from ..choices import ProposalStatus, Section
from ..models import (
    DecisionStatus,
    OrganisationDecision,
    Proposal,
    ReviewRound,
    SteeringVote,
    VoteChoice,
)
from ..permissions import POLICY, Action
from ..rounds.access import decision_capacity, decision_refusal, vote_refusal
from ..rounds.rounds import decision_record, vote_record
from ..rounds.rule import RoundRule, rule_description
from ..snapshot import changes_between, section_texts
from ..workdays import working_days_between
from .common import proposal_context

# What the page shows of each decision and vote (decisions.html), and what deciding needs.
DECISION_FIELDS = (
    "round",
    "organisation__name",
    "organisation__short_name",
    "status",
    "comment",
    "sections",
    "decided_at",
    "decided_by__full_name",
    "on_behalf_of__full_name",
)
VOTE_FIELDS = ("round", "member__full_name", "vote", "comment", "is_chair")


def _may_hold_capacity(membership) -> bool:
    """Whether someone with this membership (or None) of an organisation may decide for it at
    all: as its approver (the DECIDE row) or as an approver's delegate, which needs a role
    there (delegations_in_force's DEPUTISE row). Nobody else has a capacity, so their
    delegations are not looked for: one query per organisation saved."""
    return POLICY[Action.DECIDE].allows(membership) or ORGANISATION_POLICY[
        OrganisationAction.DEPUTISE
    ].allows(membership)


class DecisionForm(GovukForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Your decision"),
        choices=[
            (DecisionStatus.APPROVED, gettext_lazy("Approve")),
            (DecisionStatus.CHANGES_REQUESTED, gettext_lazy("Request changes")),
            (DecisionStatus.DECLINED, gettext_lazy("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Reason or comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Needed when you request changes or decline. The authors and "
            "every organisation taking part see it."
        ),
    )
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Which sections do the changes concern?"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Optional. The reasons are shown against these sections."),
    )

    def clean(self):
        data = super().clean()
        if data.get("status") in (DecisionStatus.CHANGES_REQUESTED, DecisionStatus.DECLINED) and (
            not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Enter the reason for your decision"))
        return data


class VoteForm(GovukForm):
    vote = forms.ChoiceField(
        label=gettext_lazy("Your vote"), choices=VoteChoice.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Needed if you do not approve."),
    )

    def clean(self):
        data = super().clean()
        if data.get("vote") == VoteChoice.REJECT and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Enter the reason for your vote"))
        return data


# The proposal, its rounds (with their versions) and the rounds' decisions and votes: reads
# compiled once (isf_portal/compiled.py), compiling them cost more CPU than running them.
# Display-only rows: of the people and organisations only what the page shows.
_PROPOSAL = CompiledRead(
    lambda reference: Proposal.objects.select_related("lead_organisation").filter(
        reference=reference
    )[:1],
    reference=str,
)
_ROUNDS = CompiledRead(
    lambda proposal_id: ReviewRound.objects.filter(proposal_id=proposal_id).select_related(
        "version"
    ),
    proposal_id=int,
)
_DECISIONS = CompiledRead(
    lambda proposal_id: (
        OrganisationDecision.objects.filter(round__proposal_id=proposal_id)
        .select_related("organisation", "decided_by", "on_behalf_of")
        .only(*DECISION_FIELDS)
    ),
    proposal_id=int,
)
_VOTES = CompiledRead(
    lambda proposal_id: (
        SteeringVote.objects.filter(round__proposal_id=proposal_id)
        .select_related("member")
        .only(*VOTE_FIELDS)
    ),
    proposal_id=int,
)


def _rounds(proposal) -> list:
    """The proposal's rounds, newest first, each with its decisions and votes prefetched: what
    prefetch_related("decisions", "votes") gives, in as many queries (none for the decisions
    and votes of a proposal without rounds)."""
    rounds = _ROUNDS.instances(proposal_id=proposal.pk, known={"proposal": proposal})
    if not rounds:
        return rounds
    for read, name, model in (
        (_DECISIONS, "decisions", OrganisationDecision),
        (_VOTES, "votes", SteeringVote),
    ):
        prefetched_children(rounds, read.instances(proposal_id=proposal.pk), name, model, "round")
    return rounds


def _review_context(request, proposal, *, decision_forms=None, vote_form=None, error_form=None):
    """Everything the review page shows. `error_form` is the form just submitted with errors:
    its summary heads the page even when the form itself is no longer offered (the round
    closed, or the organisation has decided meanwhile)."""
    rounds = _rounds(proposal)
    current = rounds[0] if rounds else None
    capacities = []
    if current is not None and current.is_open:
        pending = [d for d in current.decisions.all() if d.status == DecisionStatus.PENDING]
        held = memberships(request) if pending else {}
        for decision in pending:
            if not _may_hold_capacity(held.get(decision.organisation_id)):
                continue
            capacity = decision_capacity(user=request.user, decision=decision, request=request)
            if capacity is None:
                continue
            if proposal.submitted_by_id == request.user.pk:
                # Said, not silently left out (#12 item 12): an approver or delegate who
                # submitted the proposal sees why there is no form.
                capacities.append({"decision": decision, "capacity": capacity, "refused": True})
                continue
            form = (decision_forms or {}).get(decision.pk) or DecisionForm(prefix=f"d{decision.pk}")
            capacities.append({"decision": decision, "capacity": capacity, "form": form})
    rule = RoundRule.from_stored(current.rule) if current is not None else None
    can_vote = bool(
        current is not None
        and current.is_open
        and rule.steering_vote_required
        and not current.steering_outcome
        and permissions.may(request, permissions.Action.VOTE, proposal)
        and proposal.submitted_by_id != request.user.pk
        # The votes were read with the round: whether this person voted is among them.
        and not any(v.member_id == request.user.pk for v in current.votes.all())
    )
    snapshot = current.version.snapshot if current else None
    previous_changes = None
    if current is not None and len(rounds) > 1:
        previous_changes = changes_between(rounds[1].version.snapshot, snapshot)
    labels = dict(Section.choices)
    return proposal_context(
        request,
        proposal,
        rounds=rounds,
        current=current,
        capacities=capacities,
        vote_form=(vote_form or VoteForm(prefix="vote")) if can_vote else None,
        frozen=[(labels[key], rows) for key, rows in section_texts(snapshot).items()]
        if snapshot
        else [],
        changes=[(labels[key], rows) for key, rows in previous_changes.items()]
        if previous_changes is not None
        else None,
        rule=rule_description(rule) if rule else [],
        error_form=error_form,
        timeline=selectors.timeline(proposal=proposal),
    )


class Refusal:
    """An illegal move (the round closed, already decided, ...) for the page's error summary:
    the form it came from is no longer offered, so the message stands alone."""

    def __init__(self, message: str):
        self.errors = [message]
        self.error_summary = [("", message)]


def _refused(request, proposal, message: str):
    return render(
        request,
        "sharing_requests/review.html",
        _review_context(request, proposal, error_form=Refusal(message)),
        status=400,
    )


@login_required
def review_page(request, reference):
    proposal = permissions.proposal_for(request, reference, read=_PROPOSAL)
    if proposal.status == ProposalStatus.DRAFT and not proposal.rounds.exists():
        raise Http404
    return render(request, "sharing_requests/review.html", _review_context(request, proposal))


@login_required
@require_POST
def decide(request, reference, decision_pk):
    proposal = permissions.proposal_for(request, reference)
    decision = get_object_or_404(
        OrganisationDecision.objects.select_related("round", "organisation"),
        pk=decision_pk,
        round__proposal=proposal,
    )
    if decision_capacity(user=request.user, decision=decision) is None:
        raise PermissionDenied
    form = DecisionForm(request.POST, prefix=f"d{decision.pk}")
    refusal = decision_refusal(decision=decision, proposal=proposal, by=request.user)
    if refusal:
        # Say why, rather than what is wrong with a form that is no longer on offer.
        return _refused(request, proposal, refusal)
    if form.is_valid():
        try:
            decision_record(
                decision=decision,
                by=request.user,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
                sections=form.cleaned_data["sections"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your decision for %(org)s has been recorded")
                % {"org": decision.organisation.name},
            )
            return redirect("requests:review", reference=proposal.reference)
    return render(
        request,
        "sharing_requests/review.html",
        _review_context(request, proposal, decision_forms={decision.pk: form}, error_form=form),
        status=400,
    )


@login_required
@require_POST
def vote(request, reference):
    proposal = permissions.proposal_for(request, reference)
    permissions.require(request, permissions.Action.VOTE, proposal)
    current = proposal.rounds.filter(closed_at__isnull=True).first()
    form = VoteForm(request.POST, prefix="vote")
    refusal = vote_refusal(review=current, proposal=proposal, by=request.user)
    if refusal:
        return _refused(request, proposal, refusal)
    if form.is_valid():
        try:
            vote_record(
                review=current,
                by=request.user,
                vote=form.cleaned_data["vote"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your vote has been recorded"))
            return redirect("requests:review", reference=proposal.reference)
    return render(
        request,
        "sharing_requests/review.html",
        _review_context(request, proposal, vote_form=form, error_form=form),
        status=400,
    )


STEERING_PAGE = 25  # proposals a page of the steering list


@login_required
def steering_reviews(request):
    """Every proposal in review, with its time in review and each organisation's status,
    the overdue ones first, 25 to a page. For the steering group only."""
    if not permissions.may(request, permissions.Action.STEERING_LIST):
        raise Http404
    today = timezone.localdate()
    number = request.GET.get("page")
    try:  # the page the Paginator will give (a bad number: the first; too high: counted)
        asked = max(int(number), 1)
    except (TypeError, ValueError):
        asked = 1
    proposals = selectors.in_review(
        overdue_after_working_days=settings.REVIEW_ESCALATION_WORKING_DAYS,
        today=today,
        offset=(asked - 1) * STEERING_PAGE,
        limit=STEERING_PAGE,
    )
    page = Paginator(proposals, STEERING_PAGE).get_page(number)
    decisions, votes = selectors.round_details(p["round_id"] for p in page if p["round_id"])
    rows = []
    opening_rule = RoundRule.from_settings()
    for proposal in page:
        round_id = proposal["round_id"]
        opened = timezone.localdate(proposal["opened_at"]) if proposal["opened_at"] else today
        rows.append(
            {
                "proposal": proposal,
                "days": working_days_between(opened, today),
                "decisions": decisions.get(round_id, []),
                "votes": votes.get(round_id, 0),
                "vote_required": (
                    RoundRule.from_stored(proposal["round_rule"]) if round_id else opening_rule
                ).steering_vote_required,
            }
        )
    return render(
        request,
        "sharing_requests/steering_reviews.html",
        {
            "rows": rows,
            "page": page,
            "show_votes": any(row["vote_required"] for row in rows),
        },
    )
