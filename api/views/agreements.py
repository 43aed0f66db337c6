"""Agreements, the register and organisations through the API (read only: signing stays in
the browser, as it needs a fresh sign-in)."""

from django.db.models import Exists, OuterRef, Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from agreements import permissions
from agreements.filters import RegisterFilter
from agreements.models import (
    Agreement,
    AgreementGroupObjectPermission,
    AgreementParty,
    AgreementStatus,
)
from agreements.register import ANY_STATUS
from organisations.models import Organisation

from ..serializers import (
    AgreementSerializer,
    OrganisationSerializer,
    RegisterEntrySerializer,
)
from .common import ByCreated, ByName, etag_response
from .proposals import ERRORS


def agreements_visible_to(user):
    """The agreements the caller may open: the VIEW row's grant, one EXISTS subquery."""
    grants = AgreementGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=permissions.POLICY[permissions.Action.VIEW].grant,
        group__user=user,
    )
    return Agreement.objects.filter(Exists(grants))


def _parties():
    return Prefetch("parties", AgreementParty.objects.select_related("organisation"))


class AgreementFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AgreementStatus.choices)
    organisation = filters.CharFilter(
        method="party", help_text="An organisation's slug: agreements it is party to."
    )

    class Meta:
        model = Agreement
        fields = ["status", "organisation"]

    def party(self, queryset, name, value):
        return queryset.filter(
            Exists(
                AgreementParty.objects.filter(agreement=OuterRef("pk"), organisation__slug=value)
            )
        )


class AgreementList(generics.ListAPIView):
    """The agreements the caller may open, newest first."""

    serializer_class = AgreementSerializer
    pagination_class = ByCreated
    filterset_class = AgreementFilter
    queryset = Agreement.objects.none()  # for the schema; get_queryset filters by caller

    def get_queryset(self):
        return (
            agreements_visible_to(self.request.user)
            .select_related("proposal")
            .prefetch_related(_parties())
        )


class AgreementDetail(APIView):
    @extend_schema(responses={200: AgreementSerializer, 304: None, **ERRORS})
    def get(self, request, reference):
        """An agreement: parties, status, dates, the SHA-256 of the sealed PDF and where to
        download it. `ETag`/`If-None-Match` supported."""
        agreement = permissions.agreement_for(request, reference)
        return etag_response(
            request, AgreementSerializer(agreement, context={"request": request}).data
        )


class ApiRegisterFilter(RegisterFilter):
    """The register page's filters, but not its `sort`: the cursor pagination needs one fixed
    order of unique values (newest first), and the register's dates may be empty."""

    sort = None


@extend_schema(
    parameters=[
        OpenApiParameter(
            "organisation",
            str,
            description="An organisation's slug (or id): the agreements it is party to.",
        ),
        OpenApiParameter(
            "status",
            str,
            enum=[ANY_STATUS, *AgreementStatus.values],
            description=f"One status, or `{ANY_STATUS}`; without it, active agreements only "
            "(as on the register page).",
        ),
    ]
)
class Register(generics.ListAPIView):
    """The register of agreements every signed-in partner sees, with the register page's
    filters (active agreements unless `status` says otherwise; `status=any` for every one);
    `url` is given for the agreements the caller may open."""

    serializer_class = RegisterEntrySerializer
    pagination_class = ByCreated
    filterset_class = ApiRegisterFilter

    def get_queryset(self):
        # ApiRegisterFilter reads the summary's columns and the parties (register_entries).
        return Agreement.objects.all()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "visible": getattr(self, "_visible", set())}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._visible = permissions.visible_ids(
            user=self.request.user, agreement_ids=[a.pk for a in page or []]
        )
        return page


class OrganisationList(generics.ListAPIView):
    """The organisations in the portal."""

    serializer_class = OrganisationSerializer
    pagination_class = ByName
    queryset = Organisation.objects.filter(is_active=True)
