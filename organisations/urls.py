from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/edit/", views.organisation_edit, name="edit"),
    path("<slug:slug>/invite/", views.invitation_new, name="invite"),
    path(
        "<slug:slug>/invitations/<int:pk>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("<slug:slug>/members/<int:pk>/roles/", views.membership_roles, name="member-roles"),
    path("<slug:slug>/members/<int:pk>/remove/", views.membership_remove, name="member-remove"),
    path("<slug:slug>/delegations/", views.delegations, name="delegations"),
    path(
        "<slug:slug>/delegations/<int:pk>/revoke/",
        views.delegation_revoke,
        name="delegation-revoke",
    ),
]
