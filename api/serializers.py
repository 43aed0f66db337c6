"""What the API shows of each object (read-only serializers; writes go through the forms and
services the pages use, see api/binding.py)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.models import Agreement, AgreementParty
from agreements.register import SUMMARY_FIELDS
from organisations.models import Organisation
from sharing_requests.models import (
    OrganisationDecision,
    Proposal,
    ReviewRound,
    SteeringVote,
)
from sharing_requests.questions import questions


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "slug", "name", "short_name", "sector", "ico_registration_number"]


class DecisionSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decided_by = serializers.CharField(source="decided_by.full_name", default=None)

    class Meta:
        model = OrganisationDecision
        fields = ["organisation", "status", "comment", "sections", "decided_by", "decided_at"]


class VoteSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.full_name")

    class Meta:
        model = SteeringVote
        fields = ["member", "vote", "comment", "is_chair", "voted_at"]


class RoundSerializer(serializers.ModelSerializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    votes = VoteSerializer(many=True, read_only=True)
    is_open = serializers.BooleanField()

    class Meta:
        model = ReviewRound
        fields = [
            "number",
            "opened_at",
            "deadline",
            "closed_at",
            "is_open",
            "outcome",
            "steering_outcome",
            "decisions",
            "votes",
        ]


class ProposalSummarySerializer(serializers.ModelSerializer):
    lead_organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "reference",
            "title",
            "status",
            "lead_organisation",
            "created_at",
            "submitted_at",
            "last_activity_at",
            "url",
        ]

    def get_url(self, proposal) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:proposal-detail", args=[proposal.reference])
        )


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.slug")
    is_lead = serializers.BooleanField()
    role = serializers.CharField()
    controller_role = serializers.CharField()
    directions = serializers.ListField(child=serializers.CharField())


class SectionSerializer(serializers.Serializer):
    section = serializers.CharField()
    status = serializers.CharField()
    revision = serializers.IntegerField()


class ProposalDetailSerializer(ProposalSummarySerializer):
    answers = serializers.SerializerMethodField()
    vision = serializers.SerializerMethodField()
    sections = SectionSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    decisions = serializers.SerializerMethodField()

    class Meta(ProposalSummarySerializer.Meta):
        fields = [
            *ProposalSummarySerializer.Meta.fields,
            "answers",
            "vision",
            "sections",
            "participants",
            "decisions",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_answers(self, proposal) -> dict:
        """Every plain question's answer by field name (questions.py declares them)."""
        values = {}
        for question in questions():
            value = getattr(proposal, question.name)
            values[question.name] = value.isoformat() if hasattr(value, "isoformat") else value
        return values

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_vision(self, proposal) -> dict:
        vision = getattr(proposal, "vision", None)
        return {part: getattr(vision, part) for part in vision.PARTS} if vision else {}

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, proposal):
        """Each organisation's decision in the latest round (none before the first)."""
        review = proposal.rounds.order_by("-number").first()
        if review is None:
            return []
        decisions = review.decisions.select_related("organisation", "decided_by")
        return DecisionSerializer(decisions, many=True).data


class AgreementPartySerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["organisation", "name", "role", "controller_role", "is_lead"]


class AgreementSerializer(serializers.ModelSerializer):
    parties = AgreementPartySerializer(many=True, read_only=True)
    proposal = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    signed_pdf_sha256 = serializers.CharField(source="signed_sha256")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "reference",
            "title",
            "status",
            "proposal",
            "is_external",
            "start_date",
            "end_date",
            "review_date",
            "created_at",
            "activated_at",
            "ended_at",
            "signed_pdf_sha256",
            "download_url",
            "parties",
        ]

    def get_download_url(self, agreement) -> str | None:
        """The signed PDF, for those who may read the agreement (the caller, here)."""
        if not agreement.signed_pdf:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("agreements:download", args=[agreement.reference, "signed"])
        )


class RegisterEntrySerializer(serializers.ModelSerializer):
    """A row of the register every signed-in partner sees; `url` only where the caller may
    open the agreement."""

    parties = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [*SUMMARY_FIELDS, "parties", "url"]

    def get_parties(self, agreement) -> list[str]:
        return [party.name for party in agreement.parties.all()]

    def get_url(self, agreement) -> str | None:
        if agreement.pk not in self.context.get("visible", set()):
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:agreement-detail", args=[agreement.reference])
        )


class AwaitingDecisionSerializer(serializers.Serializer):
    proposal = serializers.CharField(source="round.proposal.reference")
    title = serializers.CharField(source="round.proposal.title")
    organisation = serializers.CharField(source="organisation.slug")
    opened_at = serializers.DateTimeField(source="round.opened_at")


class AwaitingVoteSerializer(serializers.Serializer):
    proposal = serializers.CharField(source="proposal.reference")
    title = serializers.CharField(source="proposal.title")
    deadline = serializers.DateField()
    opened_at = serializers.DateTimeField()


class AwaitingSerializer(serializers.Serializer):
    decisions = AwaitingDecisionSerializer(many=True)
    votes = AwaitingVoteSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """A refused request: `detail`, and for invalid input `errors` by field path."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
