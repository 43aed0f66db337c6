"""Organisation admins change roles and remove members; nobody else can."""

import pytest
from django.urls import reverse

from organisations.models import Membership, Role
from tests.factories import member_of, membership


def roles_url(organisation, member):
    return reverse("organisations:member-roles", args=[organisation.slug, member.pk])


def remove_url(organisation, member):
    return reverse("organisations:member-remove", args=[organisation.slug, member.pk])


def detail_url(organisation):
    return reverse("organisations:detail", args=[organisation.slug])


def group_names(user, organisation) -> set[str]:
    return set(
        user.groups.filter(name__startswith=f"org-{organisation.pk}-").values_list(
            "name", flat=True
        )
    )


def groups_for(organisation, *roles) -> set[str]:
    """The groups a member holding `roles` is in: one per role, plus everyone's ("all")."""
    return {f"org-{organisation.pk}-{role}" for role in [*roles, "all"]}


# --- Changing roles -------------------------------------------------------------------------
def test_admin_changes_a_members_roles_with_history_and_groups_in_step(
    client_for, admin_a, member_a, org_a
):
    target = membership(member_a, org_a)
    history_before = target.history.count()
    response = client_for(admin_a).post(
        roles_url(org_a, target), {"roles": [Role.MEMBER, Role.APPROVER, Role.SIGNATORY]}
    )
    assert response.status_code == 302
    assert response.url == detail_url(org_a)
    target.refresh_from_db()
    assert target.roles == [Role.MEMBER, Role.APPROVER, Role.SIGNATORY]
    assert target.history.count() == history_before + 1
    latest = target.history.first()
    assert latest.history_change_reason == "isf.membership.roles_changed"
    assert latest.history_user == admin_a
    assert group_names(member_a, org_a) == groups_for(org_a, "member", "approver", "signatory")


def test_roles_change_shows_on_the_organisation_history(client_for, admin_a, member_a, org_a):
    browser = client_for(admin_a)
    browser.post(roles_url(org_a, membership(member_a, org_a)), {"roles": [Role.APPROVER]})
    html = browser.get(detail_url(org_a)).content.decode()
    assert "Roles changed: Mia Member" in html
    assert "Roles: Approver" in html


def test_taking_every_role_away_leaves_a_read_only_member(client_for, admin_a, member_a, org_a):
    target = membership(member_a, org_a)
    # A browser sends the CSRF token even when no box is ticked (the test client skips the check).
    response = client_for(admin_a).post(roles_url(org_a, target), {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.roles == []
    assert target.role_labels == ["Read only"]
    assert group_names(member_a, org_a) == groups_for(org_a)


def test_roles_page_shows_the_current_roles_ticked(client_for, admin_a, approver_b, org_a):
    member_of(org_a, Role.APPROVER, Role.SIGNATORY, user=approver_b)
    response = client_for(admin_a).get(roles_url(org_a, membership(approver_b, org_a)))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="approver" checked' in html
    assert 'value="signatory" checked' in html
    assert 'value="member" checked' not in html


def test_saving_the_same_roles_writes_no_history(client_for, admin_a, member_a, org_a):
    target = membership(member_a, org_a)
    before = target.history.count()
    client_for(admin_a).post(roles_url(org_a, target), {"roles": [Role.MEMBER]})
    assert target.history.count() == before


def test_unknown_role_is_refused_by_the_form(client_for, admin_a, member_a, org_a):
    target = membership(member_a, org_a)
    response = client_for(admin_a).post(roles_url(org_a, target), {"roles": ["emperor"]})
    assert response.status_code == 200
    assert "roles" in response.context["form"].errors
    target.refresh_from_db()
    assert target.roles == [Role.MEMBER]


def test_last_admin_cannot_be_demoted(client_for, admin_a, org_a):
    own = membership(admin_a, org_a)
    before = own.history.count()
    response = client_for(admin_a).post(roles_url(org_a, own), {"roles": [Role.MEMBER]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ardwick Borough Council must keep at least one organisation admin" in html
    assert "govuk-error-summary" in html
    own.refresh_from_db()
    assert own.is_org_admin
    assert own.history.count() == before
    assert f"org-{org_a.pk}-org_admin" in group_names(admin_a, org_a)


def test_admin_may_step_down_once_there_is_another_admin(client_for, admin_a, member_a, org_a):
    browser = client_for(admin_a)
    browser.post(
        roles_url(org_a, membership(member_a, org_a)), {"roles": [Role.MEMBER, Role.ORG_ADMIN]}
    )
    response = browser.post(roles_url(org_a, membership(admin_a, org_a)), {"roles": ["member"]})
    assert response.status_code == 302
    assert membership(admin_a, org_a).roles == [Role.MEMBER]
    assert membership(member_a, org_a).is_org_admin
    # No longer an admin: the next request is refused.
    assert browser.get(roles_url(org_a, membership(member_a, org_a))).status_code == 403


# --- Removing -------------------------------------------------------------------------------
def test_remove_page_asks_first_and_removes_nothing_on_get(client_for, admin_a, member_a, org_a):
    target = membership(member_a, org_a)
    response = client_for(admin_a).get(remove_url(org_a, target))
    assert response.status_code == 200
    assert "Remove Mia Member from the organisation?" in response.content.decode()
    assert Membership.objects.filter(pk=target.pk).exists()


def test_admin_removes_a_member_who_loses_access_on_their_next_request(
    client_for, admin_a, member_a, org_a, new_client
):
    members_browser = new_client(member_a)
    assert members_browser.get(detail_url(org_a)).status_code == 200
    target = membership(member_a, org_a)

    response = client_for(admin_a).post(remove_url(org_a, target))
    assert response.status_code == 302
    assert response.url == detail_url(org_a)
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert group_names(member_a, org_a) == set()
    removed = Membership.history.filter(id=target.pk).first()
    assert removed.history_type == "-"
    assert removed.history_change_reason == "isf.membership.removed"
    assert removed.history_user == admin_a

    # Same session, next request: gone.
    assert members_browser.get(detail_url(org_a)).status_code == 404
    assert "Ardwick" not in members_browser.get(reverse("organisations:list")).content.decode()


def test_removal_shows_on_the_organisation_history(client_for, admin_a, member_a, org_a):
    browser = client_for(admin_a)
    browser.post(remove_url(org_a, membership(member_a, org_a)))
    assert (
        "Removed from the organisation: Mia Member"
        in browser.get(detail_url(org_a)).content.decode()
    )


def test_removing_someone_from_one_organisation_leaves_their_others(
    client_for, admin_a, approver_b, org_a, org_b
):
    member_of(org_a, Role.MEMBER, user=approver_b)
    client_for(admin_a).post(remove_url(org_a, membership(approver_b, org_a)))
    assert not Membership.objects.filter(user=approver_b, organisation=org_a).exists()
    assert membership(approver_b, org_b).roles == [Role.APPROVER]
    assert group_names(approver_b, org_b) == groups_for(org_b, "approver")


def test_last_admin_cannot_be_removed(client_for, admin_a, org_a):
    own = membership(admin_a, org_a)
    response = client_for(admin_a).post(remove_url(org_a, own))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Ardwick Borough Council must keep at least one organisation admin" in html
    assert Membership.objects.filter(pk=own.pk).exists()
    assert f"org-{org_a.pk}-org_admin" in group_names(admin_a, org_a)


def test_admin_who_removes_themselves_goes_home_and_loses_access(
    client_for, admin_a, member_a, org_a
):
    browser = client_for(admin_a)
    browser.post(
        roles_url(org_a, membership(member_a, org_a)), {"roles": [Role.MEMBER, Role.ORG_ADMIN]}
    )
    response = browser.post(remove_url(org_a, membership(admin_a, org_a)))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert browser.get(detail_url(org_a)).status_code == 404


# --- Who may ------------------------------------------------------------------------------
@pytest.fixture
def org_a_pages(org_a, member_a, readonly_a, invite):
    """Every page that manages org_a, with the method and data that would change something."""
    target = membership(readonly_a, org_a)
    invitation, _token = invite("waiting@ardwick.example")
    return [
        ("get", roles_url(org_a, target), None),
        ("post", roles_url(org_a, target), {"roles": [Role.ORG_ADMIN]}),
        ("get", remove_url(org_a, target), None),
        ("post", remove_url(org_a, target), {}),
        ("get", reverse("organisations:edit", args=[org_a.slug]), None),
        (
            "post",
            reverse("organisations:edit", args=[org_a.slug]),
            {"short_name": "Hijacked", "ico_registration_number": "Z7654321"},
        ),
        ("get", reverse("organisations:invite", args=[org_a.slug]), None),
        (
            "post",
            reverse("organisations:invite", args=[org_a.slug]),
            {"email": "friend@evil.example", "roles": ["org_admin"]},
        ),
        (
            "post",
            reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk]),
            {},
        ),
    ]


def assert_org_a_unchanged(org_a, readonly_a):
    org_a.refresh_from_db()
    assert org_a.short_name == "Ardwick"
    target = membership(readonly_a, org_a)
    assert target.roles == []
    assert not org_a.invitations.filter(email="friend@evil.example").exists()
    assert org_a.invitations.get(email="waiting@ardwick.example").is_open


def test_member_who_is_not_an_admin_gets_403_on_every_management_page(
    client_for, member_a, readonly_a, org_a, org_a_pages
):
    browser = client_for(member_a)
    for method, url, data in org_a_pages:
        response = getattr(browser, method)(url, data or {})
        assert response.status_code == 403, (method, url)
    assert_org_a_unchanged(org_a, readonly_a)


def test_read_only_member_gets_403_on_every_management_page(
    client_for, readonly_a, org_a, org_a_pages
):
    browser = client_for(readonly_a)
    for method, url, data in org_a_pages:
        assert getattr(browser, method)(url, data or {}).status_code == 403, (method, url)
    assert_org_a_unchanged(org_a, readonly_a)


def test_admin_of_another_organisation_gets_404_on_every_management_page(
    client_for, admin_b, readonly_a, org_a, org_a_pages
):
    browser = client_for(admin_b)
    for method, url, data in org_a_pages:
        response = getattr(browser, method)(url, data or {})
        assert response.status_code == 404, (method, url)
        assert "Ardwick" not in response.content.decode()
    assert_org_a_unchanged(org_a, readonly_a)


def test_admin_cannot_reach_another_organisations_member_through_their_own(
    client_for, admin_a, approver_b, org_a, org_b
):
    theirs = membership(approver_b, org_b)
    browser = client_for(admin_a)
    assert browser.post(roles_url(org_a, theirs), {"roles": ["org_admin"]}).status_code == 404
    assert browser.post(remove_url(org_a, theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.roles == [Role.APPROVER]


def test_success_banner_escapes_html_in_the_members_name(client_for, admin_a, org_a):
    evil = member_of(org_a, Role.MEMBER, full_name="<script>alert(1)</script>")
    response = client_for(admin_a).post(
        roles_url(org_a, membership(evil, org_a)), {"roles": [Role.APPROVER]}, follow=True
    )
    html = response.content.decode()
    assert "Roles updated for &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
