"""/api/v1/: the partner API, its OpenAPI schema and its documentation."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from .views import agreements, docs, proposals, rounds

app_name = "api"

P = "proposals/<str:reference>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    path("organisations/", agreements.OrganisationList.as_view(), name="organisations"),
    path("proposals/", proposals.ProposalList.as_view(), name="proposals"),
    path(P, proposals.ProposalDetail.as_view(), name="proposal-detail"),
    path(P + "pages/<str:page>/", proposals.PageEdit.as_view(), name="proposal-page"),
    path(P + "vision/", proposals.VisionEdit.as_view(), name="proposal-vision"),
    path(P + "items/<str:kind>/", proposals.ItemAdd.as_view(), name="proposal-item"),
    path(P + "participants/", proposals.ParticipantAdd.as_view(), name="proposal-participants"),
    path(
        P + "participants/<int:pk>/",
        proposals.ParticipantEdit.as_view(),
        name="proposal-participant",
    ),
    path(
        P + "participants/<int:pk>/bases/<str:direction>/",
        proposals.LawfulBasisEdit.as_view(),
        name="proposal-basis",
    ),
    path(P + "screening/", proposals.ScreeningEdit.as_view(), name="proposal-screening"),
    path(P + "sections/<str:section>/", proposals.SectionMark.as_view(), name="proposal-section"),
    path(P + "submit/", proposals.Submit.as_view(), name="proposal-submit"),
    path(P + "comments/", rounds.Comment.as_view(), name="proposal-comments"),
    path(P + "rounds/", rounds.RoundList.as_view(), name="proposal-rounds"),
    path(P + "decisions/<str:organisation>/", rounds.Decide.as_view(), name="proposal-decide"),
    path(P + "votes/", rounds.Vote.as_view(), name="proposal-vote"),
    path("agreements/", agreements.AgreementList.as_view(), name="agreements"),
    path(
        "agreements/<str:reference>/",
        agreements.AgreementDetail.as_view(),
        name="agreement-detail",
    ),
    path("register/", agreements.Register.as_view(), name="register"),
    path("me/awaiting/", rounds.Awaiting.as_view(), name="awaiting"),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", docs.not_found),
]
