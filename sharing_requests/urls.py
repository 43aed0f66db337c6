from django.urls import path

from .views import dashboard, dpia, items, parties, review, sections, start_from, submit, vision

app_name = "requests"

urlpatterns = [
    path("", dashboard.proposal_list, name="list"),
    path("new/", dashboard.proposal_start, name="start"),
    path("in-review/", review.steering_reviews, name="steering-reviews"),
    path("<str:reference>/", sections.proposal_detail, name="detail"),
    path("<str:reference>/sections/<str:section>/", sections.section_page, name="section"),
    # Pages of plain questions (questions.PAGES), named as declared ("purpose-edit").
    *[
        path(
            f"<str:reference>/{name}/edit/",
            sections.fields_edit,
            {"page": name},
            name=page.url_name,
        )
        for name, page in sections.FIELD_PAGES.items()
    ],
    path("<str:reference>/vision/", vision.vision_edit, name="vision"),
    path("<str:reference>/vision/preview/", vision.vision_preview, name="vision-preview"),
    path("<str:reference>/vision/history/", vision.vision_history, name="vision-history"),
    path("<str:reference>/vision/comments/", vision.vision_comment, name="vision-comment"),
    path("<str:reference>/vision/endorse/", vision.vision_endorse, name="vision-endorse"),
    # Repeating lists.
    *[
        route
        for kind in items.ITEMS
        for route in (
            path(
                f"<str:reference>/{kind}s/add/",
                items.item_edit,
                {"kind": kind},
                name=f"{kind}-add",
            ),
            path(
                f"<str:reference>/{kind}s/<int:pk>/",
                items.item_edit,
                {"kind": kind},
                name=f"{kind}-edit",
            ),
            path(
                f"<str:reference>/{kind}s/<int:pk>/remove/",
                items.item_remove,
                {"kind": kind},
                name=f"{kind}-remove",
            ),
        )
    ],
    path("<str:reference>/actions/<int:pk>/done/", items.action_mark, name="action-mark"),
    path("<str:reference>/participants/add/", parties.participant_edit, name="participant-add"),
    path(
        "<str:reference>/participants/<int:pk>/", parties.participant_edit, name="participant-edit"
    ),
    path(
        "<str:reference>/participants/<int:pk>/remove/",
        parties.participant_remove,
        name="participant-remove",
    ),
    path(
        "<str:reference>/lawful-basis/<int:participant_pk>/<str:direction>/",
        parties.lawful_basis_edit,
        name="lawful-basis",
    ),
    path("<str:reference>/screening/", dpia.screening_edit, name="screening"),
    path("<str:reference>/screening/outcome/", dpia.screening_outcome, name="screening-outcome"),
    path("<str:reference>/dpia/", dpia.dpia_edit, name="dpia"),
    path("<str:reference>/dpia/download/", dpia.dpia_download, name="dpia-download"),
    path("<str:reference>/check/", submit.check_answers, name="check"),
    path("<str:reference>/start-from/", start_from.proposal_start_from, name="start-from"),
    path("<str:reference>/submit/", submit.submit, name="submit"),
    path("<str:reference>/submitted/", submit.submitted, name="submitted"),
    path("<str:reference>/withdraw/", submit.withdraw, name="withdraw"),
    path("<str:reference>/print/", submit.print_view, name="print"),
    path("<str:reference>/review/", review.review_page, name="review"),
    path("<str:reference>/review/decisions/<int:decision_pk>/", review.decide, name="decide"),
    path("<str:reference>/review/vote/", review.vote, name="vote"),
]
