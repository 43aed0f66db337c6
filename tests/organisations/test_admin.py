"""Portal staff manage organisations, people and the steering group in Django admin."""

import pytest
from django.urls import reverse

from organisations.models import Membership, Role
from tests.factories import UserFactory, membership


def group_names(user, organisation) -> set[str]:
    return set(
        user.groups.filter(name__startswith=f"org-{organisation.pk}-").values_list(
            "name", flat=True
        )
    )


def form_data(response) -> dict:
    """The POST data a browser would send back for an admin change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value) if not hasattr(value, "pk") else str(value.pk)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data


@pytest.mark.parametrize("model", ["organisation", "user", "invitation", "steeringgroupmember"])
def test_staff_open_every_organisations_admin_list(client_for, staff_user, admin_a, model):
    response = client_for(staff_user).get(reverse(f"admin:organisations_{model}_changelist"))
    assert response.status_code == 200


def test_people_without_staff_status_cannot_open_admin(client_for, admin_a):
    response = client_for(admin_a).get(reverse("admin:organisations_organisation_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_staff_change_roles_in_admin_and_the_role_groups_follow(
    client_for, staff_user, member_a, org_a
):
    browser = client_for(staff_user)
    url = reverse("admin:organisations_organisation_change", args=[org_a.pk])
    data = form_data(browser.get(url))
    index = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-user"] == str(member_a.pk)
    )
    data[f"memberships-{index}-is_approver"] = "on"
    response = browser.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert membership(member_a, org_a).roles == [Role.MEMBER, Role.APPROVER]
    assert f"org-{org_a.pk}-approver" in group_names(member_a, org_a)


def test_staff_delete_a_membership_in_admin_and_the_person_loses_the_role_groups(
    client_for, staff_user, member_a, org_a
):
    browser = client_for(staff_user)
    url = reverse("admin:organisations_organisation_change", args=[org_a.pk])
    data = form_data(browser.get(url))
    index = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-user"] == str(member_a.pk)
    )
    data[f"memberships-{index}-DELETE"] = "on"
    assert browser.post(url, data).status_code == 302
    assert not Membership.objects.filter(user=member_a, organisation=org_a).exists()
    assert group_names(member_a, org_a) == set()


def test_membership_handed_to_someone_else_in_admin_takes_the_access_from_the_first(
    client_for, staff_user, member_a, org_a
):
    successor = UserFactory(full_name="Sam Successor")  # not yet at org_a
    browser = client_for(staff_user)
    url = reverse("admin:organisations_organisation_change", args=[org_a.pk])
    data = form_data(browser.get(url))
    index = next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data[f"memberships-{i}-user"] == str(member_a.pk)
    )
    data[f"memberships-{index}-user"] = str(successor.pk)
    assert browser.post(url, data).status_code == 302
    assert Membership.objects.filter(user=successor, organisation=org_a).exists()
    assert not Membership.objects.filter(user=member_a, organisation=org_a).exists()
    assert f"org-{org_a.pk}-member" in group_names(successor, org_a)
    assert group_names(member_a, org_a) == set()
