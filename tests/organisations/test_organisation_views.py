"""The organisation page and the form its admins keep the details up to date with."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation, Role
from tests.factories import member_of

ICO_FORMAT_MESSAGE = (
    "Enter an ICO registration number in the correct format, like Z1234567 or ZA123456"
)


def edit_url(organisation):
    return reverse("organisations:edit", args=[organisation.slug])


def detail_url(organisation):
    return reverse("organisations:detail", args=[organisation.slug])


def details(organisation, **changes) -> dict:
    """The edit form's answers as they stand, with `changes` applied."""
    answers = {
        "short_name": organisation.short_name,
        "ico_registration_number": organisation.ico_registration_number,
        "ods_code": organisation.ods_code,
        "dpo_name": organisation.dpo_name,
        "dpo_email": organisation.dpo_email,
        "ig_mailbox": organisation.ig_mailbox,
        "dspt_status": organisation.dspt_status,
    }
    answers.update(changes)
    return answers


# --- Editing the details ---------------------------------------------------------------------
def test_admin_updates_the_details_and_the_change_is_recorded(client_for, admin_a, org_a):
    response = client_for(admin_a).post(
        edit_url(org_a),
        details(
            org_a,
            ico_registration_number="ZA654321",
            dpo_name="Dana Protector",
            ig_mailbox="ig@ardwick.example",
        ),
    )
    assert response.status_code == 302
    assert response.url == detail_url(org_a)
    org_a.refresh_from_db()
    assert org_a.ico_registration_number == "ZA654321"
    assert org_a.dpo_name == "Dana Protector"
    assert org_a.ig_mailbox == "ig@ardwick.example"
    latest = org_a.history.first()
    assert latest.history_change_reason == "isf.organisation.updated"
    assert latest.history_user == admin_a
    assert latest.ico_registration_number == "ZA654321"


def test_saving_unchanged_details_records_no_history(client_for, admin_a, org_a):
    before = org_a.history.count()
    response = client_for(admin_a).post(edit_url(org_a), details(org_a))
    assert response.status_code == 302
    assert org_a.history.count() == before


def test_bad_ico_number_on_the_edit_form_shows_the_error_and_keeps_the_other_answers(
    client_for, admin_a, org_a
):
    saved_number = org_a.ico_registration_number
    response = client_for(admin_a).post(
        edit_url(org_a),
        details(org_a, ico_registration_number="Q1234567", dpo_name="Dana Protector"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "There is a problem" in html
    assert ICO_FORMAT_MESSAGE in html
    # Linked from the summary to the field, and shown against it.
    assert 'href="#id_ico_registration_number"' in html
    assert 'id="id_ico_registration_number-error"' in html
    # The other answers are kept, and so is what they typed.
    assert 'value="Dana Protector"' in html
    assert 'value="Q1234567"' in html
    assert "<title>Change the details of Ardwick Borough Council – Error" in html
    org_a.refresh_from_db()
    assert org_a.ico_registration_number == saved_number
    assert org_a.dpo_name == "Data Protection Officer"


def test_edit_form_upper_cases_the_ico_number_and_ods_code(client_for, admin_b, org_b):
    response = client_for(admin_b).post(
        edit_url(org_b),
        details(org_b, ico_registration_number=" za123456 ", ods_code="r0a", dspt_status="met"),
    )
    assert response.status_code == 302
    org_b.refresh_from_db()
    assert org_b.ico_registration_number == "ZA123456"
    assert org_b.ods_code == "R0A"


def test_bad_ods_code_on_the_edit_form_is_refused(client_for, admin_b, org_b):
    response = client_for(admin_b).post(edit_url(org_b), details(org_b, ods_code="R0A!"))
    assert response.status_code == 200
    assert "Enter an ODS code of 3 to 6 capital letters and numbers" in response.content.decode()
    org_b.refresh_from_db()
    assert org_b.ods_code == ""


def test_nhs_organisation_must_give_its_dspt_status(client_for, admin_b, org_b):
    assert org_b.sector == "nhs"
    response = client_for(admin_b).post(
        edit_url(org_b), details(org_b, dspt_status="", dpo_name="Dana Protector")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "dspt_status" in form.errors
    html = response.content.decode()
    assert 'href="#id_dspt_status_0"' in html
    assert 'value="Dana Protector"' in html
    org_b.refresh_from_db()
    assert org_b.dspt_status == "met"
    assert org_b.dpo_name == "Data Protection Officer"


def test_organisation_outside_health_and_care_may_leave_dspt_status_blank(
    client_for, outsider, org_c
):
    response = client_for(outsider).post(edit_url(org_c), details(org_c, dspt_status=""))
    assert response.status_code == 302
    org_c.refresh_from_db()
    assert org_c.dspt_status == ""


def test_edit_form_cannot_change_the_name_or_sector(client_for, admin_a, org_a):
    client_for(admin_a).post(
        edit_url(org_a), details(org_a, name="Renamed Council", sector="police", slug="x")
    )
    org_a.refresh_from_db()
    assert (org_a.name, org_a.sector, org_a.slug) == (
        "Ardwick Borough Council",
        "local_authority",
        "ardwick",
    )


def test_edit_page_shows_the_saved_details(client_for, admin_a, org_a):
    response = client_for(admin_a).get(edit_url(org_a))
    assert response.status_code == 200
    assert f'value="{org_a.ico_registration_number}"' in response.content.decode()


# --- The organisation page -----------------------------------------------------------------
def test_member_sees_the_organisation_its_people_and_history(client_for, member_a, admin_a, org_a):
    response = client_for(member_a).get(detail_url(org_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ardwick Borough Council" in html
    assert org_a.ico_registration_number in html
    assert "Mia Member" in html and "Ada Admin" in html
    assert "Your roles: Member" in html
    assert "Roles granted" in html  # the history of the memberships
    # Not an admin: no way to change anything.
    assert edit_url(org_a) not in html
    assert reverse("organisations:invite", args=[org_a.slug]) not in html


def test_read_only_member_sees_the_page_marked_read_only(client_for, readonly_a, org_a):
    response = client_for(readonly_a).get(detail_url(org_a))
    assert response.status_code == 200
    assert "Your roles: Read only" in response.content.decode()


def test_admin_sees_the_links_to_manage_the_organisation_and_waiting_invitations(
    client_for, admin_a, member_a, org_a, invite
):
    invitation, _token = invite("waiting@ardwick.example")
    response = client_for(admin_a).get(detail_url(org_a))
    html = response.content.decode()
    assert edit_url(org_a) in html
    assert reverse("organisations:invite", args=[org_a.slug]) in html
    assert "waiting@ardwick.example" in html
    assert reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk]) in html
    membership = member_a.memberships.get(organisation=org_a)
    assert reverse("organisations:member-roles", args=[org_a.slug, membership.pk]) in html


def test_waiting_invitations_are_hidden_from_members_who_are_not_admins(
    client_for, member_a, org_a, invite
):
    invitation, _token = invite("waiting@ardwick.example")
    response = client_for(member_a).get(detail_url(org_a))
    html = response.content.decode()
    assert "Invitations waiting" not in html
    assert list(response.context["invitations"]) == []
    assert reverse("organisations:invitation-cancel", args=[org_a.slug, invitation.pk]) not in html


def test_portal_staff_see_any_organisation_and_may_manage_it(client_for, staff_user, org_a):
    browser = client_for(staff_user)
    assert browser.get(detail_url(org_a)).status_code == 200
    assert browser.get(edit_url(org_a)).status_code == 200


def test_organisation_list_shows_only_the_users_organisations(client_for, org_a, org_b, org_c):
    user = member_of(org_a, Role.MEMBER, full_name="Two Hats")
    member_of(org_b, Role.APPROVER, user=user)
    response = client_for(user).get(reverse("organisations:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ardwick Borough Council" in html
    assert "Bradford Park NHS Trust" in html
    assert "Collyhurst Housing" not in html


def test_inactive_organisation_drops_out_of_the_list(client_for, member_a, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(is_active=False)  # not audited: test setup
    response = client_for(member_a).get(reverse("organisations:list"))
    assert "Ardwick Borough Council" not in response.content.decode()
    assert "You are not a member of any organisation yet" in response.content.decode()


def test_organisation_page_query_count_does_not_grow_with_its_members(client_for, admin_a, org_a):

    def queries_for_page() -> int:
        browser = client_for(admin_a)
        browser.get(detail_url(org_a))  # the session's first renewal and the navigation cache
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(detail_url(org_a)).status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        member_of(org_a, Role.MEMBER, full_name=f"Early Member {n}")
    few = queries_for_page()
    for n in range(12):
        member_of(org_a, Role.APPROVER, full_name=f"Later Member {n}")
    assert queries_for_page() == few


def test_organisation_page_escapes_html_in_names_and_job_titles(client_for, admin_a, org_a):
    member_of(
        org_a,
        Role.MEMBER,
        full_name="<script>alert(1)</script>",
        job_title='<img src=x onerror="alert(2)">',
        email="mallory@ardwick.example",
    )
    response = client_for(admin_a).get(detail_url(org_a))
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


@pytest.mark.django_db
def test_organisation_page_escapes_html_in_the_organisation_details(client_for, admin_a, org_a):
    org_a.short_name = "<b>Ard</b>"
    org_a.dpo_name = "<script>alert('dpo')</script>"
    org_a.save()
    response = client_for(admin_a).get(detail_url(org_a))
    html = response.content.decode()
    assert "<script>alert('dpo')</script>" not in html
    assert "<b>Ard</b>" not in html  # in the page and in the navigation
    assert "&lt;b&gt;Ard&lt;/b&gt;" in html
