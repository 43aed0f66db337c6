"""Review rounds through the API: the rounds of a proposal, an organisation's decision, a
steering-group vote, and comments, through the review page's forms and the same services."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from sharing_requests import permissions, services
from sharing_requests.forms import CommentForm
from sharing_requests.models import OrganisationDecision, ReviewRound
from sharing_requests.rounds.access import decision_capacity, decision_refusal, vote_refusal
from sharing_requests.rounds.reads import awaiting_decision
from sharing_requests.rounds.rounds import decision_record, vote_record
from sharing_requests.views.review import DecisionForm, VoteForm

from ..binding import form_data, valid
from ..serializers import AwaitingSerializer, ProposalDetailSerializer, RoundSerializer
from .common import Conflict, forbidden
from .proposals import ERRORS, JSON_OBJECT, saved


class RoundList(APIView):
    @extend_schema(responses={200: RoundSerializer(many=True), **ERRORS})
    def get(self, request, reference):
        """Every review round of the proposal, newest first, with its decisions and votes."""
        proposal = permissions.proposal_for(request, reference)
        rounds = (
            ReviewRound.objects.filter(proposal=proposal)
            .prefetch_related("decisions__organisation", "decisions__decided_by", "votes__member")
            .order_by("-number")
        )
        return Response(RoundSerializer(rounds, many=True).data)


class Decide(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, reference, organisation):
        """Record the decision of `organisation` (its slug) in the open round: `status`
        (approved, changes_requested, declined), `comment` (needed unless approving) and
        `sections` (the sections the changes concern)."""
        proposal = permissions.proposal_for(request, reference)
        decision = get_object_or_404(
            OrganisationDecision.objects.select_related("round", "organisation"),
            round__proposal=proposal,
            round__closed_at__isnull=True,
            organisation__slug=organisation,
        )
        if decision_capacity(user=request.user, decision=decision) is None:
            raise forbidden(_("You cannot decide for %(org)s.") % {"org": decision.organisation})
        refusal = decision_refusal(decision=decision, proposal=proposal, by=request.user)
        if refusal:
            raise Conflict(detail=refusal)
        form = valid(DecisionForm(form_data(DecisionForm, request.data)))
        decision_record(
            decision=decision,
            by=request.user,
            status=form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
            sections=form.cleaned_data["sections"],
        )
        return saved(request, proposal, f"decision_{form.cleaned_data['status']}")


class Vote(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, reference):
        """A steering-group member's vote on the open round: `vote` (approve, reject) and
        `comment` (needed to reject)."""
        proposal = permissions.proposal_for(request, reference)
        if not permissions.may(request, permissions.Action.VOTE, proposal):
            raise forbidden(_("Only steering-group members vote."))
        current = proposal.rounds.filter(closed_at__isnull=True).first()
        refusal = vote_refusal(review=current, proposal=proposal, by=request.user)
        if refusal:
            raise Conflict(detail=refusal)
        form = valid(VoteForm(form_data(VoteForm, request.data)))
        vote_record(
            review=current,
            by=request.user,
            vote=form.cleaned_data["vote"],
            comment=form.cleaned_data["comment"],
        )
        return saved(request, proposal, f"vote_{form.cleaned_data['vote']}")


class Comment(APIView):
    @extend_schema(request=JSON_OBJECT, responses={201: ProposalDetailSerializer, **ERRORS})
    def post(self, request, reference):
        """Comment on the vision statement for one of your organisations taking part
        (`organisation`: its id; `text`)."""
        proposal = permissions.proposal_for(request, reference)
        organisations = permissions.comment_organisations(request, proposal)
        if not organisations:
            raise forbidden(_("Only members of the organisations taking part can comment."))
        form = valid(
            CommentForm(
                form_data(CommentForm, request.data, organisations=organisations),
                organisations=organisations,
            )
        )
        services.comment_add(
            proposal=proposal,
            organisation=form.cleaned_data["organisation"],
            text=form.cleaned_data["text"],
            by=request.user,
        )
        response = saved(request, proposal, "comment")
        response.status_code = status.HTTP_201_CREATED
        return response


class Awaiting(APIView):
    @extend_schema(responses={200: AwaitingSerializer, **ERRORS})
    def get(self, request):
        """The decisions and steering votes waiting for the caller, oldest first."""
        decisions, votes = awaiting_decision(user=request.user, limit=100)
        return Response(AwaitingSerializer({"decisions": decisions, "votes": votes}).data)
