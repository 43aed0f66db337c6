"""Proposals through the API: the list and detail the caller may see, and the lead's writes
to a draft (start, pages of answers, the vision, the repeating lists, parties, lawful bases,
the DPIA screening, completing a section, submitting) through the pages' forms and services."""

from django.db.models import Prefetch
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from sharing_requests import permissions, services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.completeness import all_problems, data_flags
from sharing_requests.forms import (
    CompletionForm,
    LawfulBasisForm,
    ParticipantForm,
    ScreeningForm,
    StartForm,
    VisionForm,
    page_form,
)
from sharing_requests.models import LawfulBasis, Participant, Proposal, VisionStatement
from sharing_requests.views.items import ITEMS
from sharing_requests.views.sections import FIELD_PAGES

from ..binding import Invalid, form_data, valid
from ..serializers import ErrorSerializer, ProposalDetailSerializer, ProposalSummarySerializer
from .common import ByNewest, etag_response, forbidden, record_write

JSON_OBJECT = {"application/json": {"type": "object", "additionalProperties": True}}
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ProposalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ProposalStatus.choices)
    organisation = filters.CharFilter(
        method="party", help_text="An organisation's slug: proposals it takes part in."
    )
    updated_since = filters.IsoDateTimeFilter(field_name="last_activity_at", lookup_expr="gte")

    class Meta:
        model = Proposal
        fields = ["status", "organisation", "updated_since"]

    def party(self, queryset, name, value):
        return queryset.filter(participants__organisation__slug=value)


def detail_data(request, reference: str) -> dict:
    queryset = Proposal.objects.select_related("vision").prefetch_related(
        "sections",
        Prefetch("participants", Participant.objects.select_related("organisation")),
    )
    proposal = permissions.proposal_for(request, reference, queryset=queryset)
    return ProposalDetailSerializer(proposal, context={"request": request}).data


class ProposalList(generics.ListAPIView):
    """The proposals the caller may see, most recently active first."""

    serializer_class = ProposalSummarySerializer
    pagination_class = ByNewest
    filterset_class = ProposalFilter

    def get_queryset(self):
        return permissions.objects_for(self.request.user).select_related("lead_organisation")

    @extend_schema(
        request=JSON_OBJECT,
        responses={201: ProposalDetailSerializer, **ERRORS},
        description="Start a draft: `lead_organisation` (an organisation's id) and `title`.",
    )
    def post(self, request):
        organisations = permissions.start_organisations(request)
        form = valid(
            StartForm(
                form_data(StartForm, request.data, organisations=organisations),
                organisations=organisations,
            )
        )
        proposal = services.proposal_create(
            lead_organisation=form.cleaned_data["lead_organisation"],
            title=form.cleaned_data["title"],
            by=request.user,
        )
        response = saved(request, proposal, "proposal_create")
        response.status_code = status.HTTP_201_CREATED
        return response


class ProposalDetail(APIView):
    @extend_schema(responses={200: ProposalDetailSerializer, 304: None, **ERRORS})
    def get(self, request, reference):
        """A proposal: its answers, the state of its sections, its parties, and each
        organisation's decision in the latest round. `ETag`/`If-None-Match` supported."""
        return etag_response(request, detail_data(request, reference))


def editing(request, reference) -> Proposal:
    """The proposal (404 if the caller may not see it) if they may edit it (403)."""
    proposal = permissions.proposal_for(request, reference)
    if not permissions.may(request, permissions.Action.EDIT, proposal):
        raise forbidden(_("Only members of the lead organisation can change this proposal."))
    return proposal


# Steps in a proposal's life that its timeline records; an API write of one says so there.
ON_TIMELINE = ("proposal_create", "submit", "decision_", "vote_", "comment")


def saved(request, proposal, action: str) -> Response:
    on_timeline = action.startswith(ON_TIMELINE)
    record_write(
        request,
        action=action,
        target=proposal.reference,
        proposal=proposal if on_timeline else None,
    )
    return Response(detail_data(request, proposal.reference))


def _revision(form):
    return form.cleaned_data.get("revision")


class PageEdit(APIView):
    @extend_schema(
        request=JSON_OBJECT,
        responses={200: ProposalDetailSerializer, **ERRORS},
        parameters=[OpenApiParameter("page", str, enum=sorted(FIELD_PAGES), location="path")],
    )
    def patch(self, request, reference, page):
        """Answer some of a page's plain questions (the page's field names, questions.py);
        the others keep their answers. `revision` (optional): the section's revision you
        read, to be told if someone saved it since."""
        if page not in FIELD_PAGES:
            raise Invalid({"page": [_("There is no such page")]})
        proposal = editing(request, reference)
        form_class = page_form(page)
        initial = model_to_dict(proposal, fields=form_class.Meta.fields)
        data = form_data(form_class, request.data, initial=initial, instance=proposal)
        form = valid(form_class(data, instance=proposal))
        services.proposal_update(
            proposal=proposal,
            section=FIELD_PAGES[page].section,
            data={name: form.cleaned_data[name] for name in form_class.Meta.fields},
            by=request.user,
            revision=_revision(form),
        )
        return saved(request, proposal, f"page_{page}")


class VisionEdit(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def patch(self, request, reference):
        """Change parts of the vision statement (its parts' names, as in the detail)."""
        proposal = editing(request, reference)
        vision = VisionStatement.objects.get(proposal=proposal)
        initial = model_to_dict(vision, fields=VisionStatement.PARTS)
        form = valid(
            VisionForm(
                form_data(VisionForm, request.data, initial=initial, instance=vision),
                instance=vision,
            )
        )
        parts = {part: form.cleaned_data[part] for part in VisionStatement.PARTS}
        services.vision_update(
            proposal=proposal, parts=parts, by=request.user, revision=_revision(form)
        )
        return saved(request, proposal, "vision")


class ItemAdd(APIView):
    @extend_schema(
        request=JSON_OBJECT,
        responses={201: ProposalDetailSerializer, **ERRORS},
        parameters=[OpenApiParameter("kind", str, enum=sorted(ITEMS), location="path")],
    )
    def post(self, request, reference, kind):
        """Add a measurable outcome, a data item or an action (the fields of its page)."""
        if kind not in ITEMS:
            raise Invalid({"kind": [_("There is no such list")]})
        proposal = editing(request, reference)
        model, form_class, section, _noun = ITEMS[kind]
        kwargs = {"proposal": proposal} if "proposal" in _init_kwargs(form_class) else {}
        form = valid(form_class(form_data(form_class, request.data, **kwargs), **kwargs))
        services.item_save(
            proposal=proposal,
            section=section,
            instance=model(),
            data={name: form.cleaned_data[name] for name in form_class.Meta.fields},
            by=request.user,
            kind=kind,
            revision=_revision(form),
        )
        response = saved(request, proposal, f"{kind}_add")
        response.status_code = status.HTTP_201_CREATED
        return response


def _init_kwargs(form_class) -> set[str]:
    code = form_class.__init__.__code__
    return set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])


class ParticipantAdd(APIView):
    @extend_schema(request=JSON_OBJECT, responses={201: ProposalDetailSerializer, **ERRORS})
    def post(self, request, reference):
        """Invite an organisation (`organisation`: its id; `role`, `controller_role`,
        `contact_name`, `contact_email`)."""
        proposal = editing(request, reference)
        instance = Participant()
        form = valid(
            ParticipantForm(
                form_data(ParticipantForm, request.data, proposal=proposal, instance=instance),
                instance=instance,
                proposal=proposal,
            )
        )
        _participant_save(request, proposal, instance, form)
        response = saved(request, proposal, "participant_add")
        response.status_code = status.HTTP_201_CREATED
        return response


class ParticipantEdit(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def patch(self, request, reference, pk):
        """Change what a party does (`role`, `controller_role`, its contact)."""
        proposal = editing(request, reference)
        instance = get_object_or_404(Participant, pk=pk, proposal=proposal)
        initial = model_to_dict(instance, fields=ParticipantForm.Meta.fields)
        initial.pop("organisation", None)
        data = form_data(
            ParticipantForm, request.data, initial=initial, proposal=proposal, instance=instance
        )
        form = valid(ParticipantForm(data, instance=instance, proposal=proposal))
        _participant_save(request, proposal, instance, form)
        return saved(request, proposal, "participant_change")


def _participant_save(request, proposal, instance, form):
    services.participant_save(
        proposal=proposal,
        instance=instance,
        data={name: form.cleaned_data[name] for name in form.fields if name != "revision"},
        by=request.user,
        revision=_revision(form),
    )


class LawfulBasisEdit(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def put(self, request, reference, pk, direction):
        """A party's lawful basis for one direction it shares in (`provides`/`receives`)."""
        proposal = editing(request, reference)
        participant = get_object_or_404(Participant, pk=pk, proposal=proposal)
        if direction not in participant.directions:
            raise Invalid({"direction": [_("This organisation does not share that way")]})
        instance = LawfulBasis.objects.filter(participant=participant, direction=direction).first()
        instance = instance or LawfulBasis(participant=participant, direction=direction)
        flags = data_flags(proposal)
        data = form_data(LawfulBasisForm, request.data, flags=flags, instance=instance)
        form = valid(LawfulBasisForm(data, instance=instance, flags=flags))
        services.lawful_basis_save(
            proposal=proposal,
            instance=instance,
            data={name: form.cleaned_data[name] for name in form.fields if name != "revision"},
            by=request.user,
            revision=_revision(form),
        )
        return saved(request, proposal, "lawful_basis")


class ScreeningEdit(APIView):
    @extend_schema(request=JSON_OBJECT, responses={200: ProposalDetailSerializer, **ERRORS})
    def put(self, request, reference):
        """The DPIA screening: `indicators`, a list of the ICO's indicators that apply, or
        ["none"]."""
        proposal = editing(request, reference)
        form = valid(ScreeningForm(form_data(ScreeningForm, request.data)))
        services.proposal_update(
            proposal=proposal,
            section=Section.PRACTICAL,
            data={"dpia_indicators": form.cleaned_data["indicators"], "dpia_screened": True},
            by=request.user,
            revision=_revision(form),
        )
        return saved(request, proposal, "screening")


class SectionMark(APIView):
    @extend_schema(
        request=JSON_OBJECT,
        responses={200: ProposalDetailSerializer, **ERRORS},
        parameters=[OpenApiParameter("section", str, enum=Section.values, location="path")],
    )
    def put(self, request, reference, section):
        """'Have you completed this section?': `completed` is "yes" or "no"."""
        if section not in Section.values:
            raise Invalid({"section": [_("There is no such section")]})
        proposal = editing(request, reference)
        form = valid(CompletionForm(form_data(CompletionForm, request.data)))
        services.section_mark(
            proposal=proposal,
            section=section,
            completed=form.cleaned_data["completed"],
            by=request.user,
        )
        return saved(request, proposal, f"section_{section}")


class Submit(APIView):
    @extend_schema(request=None, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, reference):
        """Submit the proposal for review; every section must be complete (the problems are
        listed by section otherwise)."""
        proposal = editing(request, reference)
        problems = all_problems(proposal) if proposal.is_editable else {}
        if problems:
            raise Invalid(
                {
                    str(section): [str(p.message) for p in found]
                    for section, found in problems.items()
                }
            )
        services.proposal_submit(proposal=proposal, by=request.user)
        return saved(request, proposal, "submit")
