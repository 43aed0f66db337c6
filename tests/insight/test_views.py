"""/insight/ and its CSVs: who sees what (outsiders 404, governance officers their own
organisation only), filters that keep the page working with a bad value, and downloads whose
cells no spreadsheet runs."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from organisations.models import Organisation, Role
from tests.factories import OrganisationFactory, member_of

from .builders import close, decide, in_review

pytestmark = pytest.mark.django_db

PAGE = reverse("insight:insight")


@pytest.fixture
def decided(org_a, org_b, member_a):
    r = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="Decided", submitted=date(2025, 9, 1)
    )
    decide(r, org_a, on=date(2025, 9, 3))
    decide(r, org_b, on=date(2025, 9, 15), status="changes_requested", sections=["who"])
    close(r, on=date(2025, 9, 15), outcome="changes_requested")
    return r


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("persona", ["member_a", "readonly_a", "approver_b", "outsider"])
def test_people_without_an_oversight_role_get_404(request, client_for, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(PAGE).status_code == 404
    assert client_for(user).get(reverse("insight:figure-csv", args=["stages"])).status_code == 404


def test_the_steering_group_sees_the_region(client_for, steering_member, decided, org_a):
    response = client_for(steering_member).get(PAGE + "?period=all")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Time from submission to decision" in body
    assert '<svg class="isf-chart__svg"' in body and 'role="img"' in body
    assert "Show the data" in body
    # Every organisation is offered as a filter.
    assert (org_a.pk, org_a.name) in response.context["form"].fields["organisation"].choices
    sections = {f.slug: f for f, *_drawn in response.context["figures"]}["sections"]
    assert sections.rows == [["Who", 1]]


def test_portal_administrators_see_the_region(client_for, staff_user, decided):
    assert client_for(staff_user).get(PAGE).status_code == 200


def test_a_governance_officer_sees_only_their_organisations_proposals(
    client_for, governance_a, decided, org_a, org_c, outsider
):
    elsewhere = in_review(
        lead=org_c,
        partners=[OrganisationFactory(slug="elsewhere")],
        author=outsider,
        title="Not Ardwick's",
        submitted=date(2025, 9, 1),
    )
    close(elsewhere, on=date(2025, 9, 2), outcome="approved")
    response = client_for(governance_a).get(PAGE + "?period=all")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["organisation"].choices == [(org_a.pk, org_a.name)]
    decisions = {f.slug: f for f, *_drawn in response.context["figures"]}["decision-times"]
    assert [row[1] for row in decisions.rows] == [1]  # their proposal only, not org C's
    # Asking for another organisation is refused, and their own figures are still shown.
    response = client_for(governance_a).get(PAGE + f"?organisation={org_c.pk}&period=all")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    decisions = {f.slug: f for f, *_drawn in response.context["figures"]}["decision-times"]
    assert [row[1] for row in decisions.rows] == [1]
    csv_response = client_for(governance_a).get(
        reverse("insight:figure-csv", args=["decision-times"]) + f"?organisation={org_c.pk}"
    )
    assert csv_response.status_code == 200
    assert "Not Ardwick" not in csv_response.content.decode()


def test_a_governance_officer_filtering_without_an_organisation_gets_their_own(
    client_for, governance_a, decided, org_a
):
    # Another filter alone (as a link to ?period=24 sends) is no error: their organisation
    # is the one shown.
    response = client_for(governance_a).get(PAGE + "?period=24")
    assert response.status_code == 200
    assert "govuk-error-summary" not in response.content.decode()
    assert response.context["scope"].organisation == org_a
    assert response.context["form"].errors == {}


def test_a_bad_filter_value_shows_an_error_and_keeps_the_others(client_for, steering_member):
    response = client_for(steering_member).get(PAGE + "?period=forever&sector=nhs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert response.context["scope"].sector == "nhs"


def test_each_figure_downloads_as_csv_with_neutralised_cells(
    client_for, steering_member, org_a, decided
):
    org_a.name = '=HYPERLINK("http://evil.example")'
    org_a.save(update_fields=["name"])
    response = client_for(steering_member).get(
        reverse("insight:figure-csv", args=["organisations"]) + "?period=all"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="insight-organisations')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Organisation"
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert (
        client_for(steering_member).get(reverse("insight:figure-csv", args=["nothing"])).status_code
        == 404
    )


def test_markup_in_an_organisation_name_is_escaped_in_the_chart(
    client_for, steering_member, org_b, decided
):
    org_b.name = "<script>alert(1)</script> Trust"
    org_b.save(update_fields=["name"])
    body = client_for(steering_member).get(PAGE + "?period=all").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Trust" in body


def test_the_menu_links_insight_for_those_who_may_see_it(client_for, governance_b, member_a):
    assert 'href="/insight/"' in client_for(governance_b).get(reverse("home")).content.decode()
    assert 'href="/insight/"' not in client_for(member_a).get(reverse("home")).content.decode()


def test_a_governance_officer_of_an_inactive_organisation_gets_404(client_for, governance_b, org_b):
    Organisation.objects.filter(pk=org_b.pk).update(is_active=False)  # not audited: test setup
    assert 'href="/insight/"' not in client_for(governance_b).get(reverse("home")).content.decode()
    assert client_for(governance_b).get(PAGE).status_code == 404
    csv_url = reverse("insight:figure-csv", args=["stages"])
    assert client_for(governance_b).get(csv_url).status_code == 404


def test_an_inactive_organisation_is_not_among_the_choices(client_for, org_a, org_b):
    both = member_of(org_a, Role.GOVERNANCE_OFFICER, email="two@example.org", full_name="Two Hats")
    member_of(org_b, Role.GOVERNANCE_OFFICER, user=both)
    Organisation.objects.filter(pk=org_b.pk).update(is_active=False)  # not audited: test setup
    response = client_for(both).get(PAGE + f"?organisation={org_b.pk}")
    assert response.status_code == 200
    assert response.context["scope"].organisation == org_a


def test_a_governance_officer_of_two_organisations_chooses_between_them(client_for, org_a, org_b):
    both = member_of(org_a, Role.GOVERNANCE_OFFICER, email="two@example.org", full_name="Two Hats")
    member_of(org_b, Role.GOVERNANCE_OFFICER, user=both)
    response = client_for(both).get(PAGE + f"?organisation={org_b.pk}")
    assert response.status_code == 200
    assert response.context["scope"].organisation == org_b


def test_the_steering_group_filters_by_any_organisation(
    client_for, steering_member, decided, org_c, outsider
):
    elsewhere = in_review(
        lead=org_c,
        partners=[OrganisationFactory(slug="elsewhere")],
        author=outsider,
        title="Elsewhere",
        submitted=date(2025, 9, 1),
    )
    close(elsewhere, on=date(2025, 9, 2), outcome="approved")
    response = client_for(steering_member).get(PAGE + f"?organisation={org_c.pk}&period=all")
    assert response.status_code == 200
    assert response.context["scope"].organisation == org_c
    body = response.content.decode()
    assert f'<option value="{org_c.pk}" selected>' in body
    decisions = {f.slug: f for f, *_drawn in response.context["figures"]}["decision-times"]
    assert [row[1] for row in decisions.rows] == [1]  # org C's proposal only
    # An organisation that is not in the list: an error, and the whole region's figures.
    response = client_for(steering_member).get(PAGE + "?organisation=999999&period=all")
    assert response.status_code == 200
    assert "Select an organisation from the list" in response.content.decode()
    assert response.context["scope"].organisation is None
    decisions = {f.slug: f for f, *_drawn in response.context["figures"]}["decision-times"]
    assert [row[1] for row in decisions.rows] == [2]


def test_the_filters_written_once_show_each_person_their_own_organisations(
    client_for, org_a, org_b, steering_member
):
    # The field groups are kept per value shown (isf_portal.forms.written_field_groups): two
    # governance officers asking the same thing still see their own organisation, and each
    # group is what Django's template writes.
    a = member_of(org_a, Role.GOVERNANCE_OFFICER, email="ga@example.org", full_name="A")
    b = member_of(org_b, Role.GOVERNANCE_OFFICER, email="gb@example.org", full_name="B")
    for user, mine, theirs in ((a, org_a, org_b), (b, org_b, org_a), (a, org_a, org_b)):
        response = client_for(user).get(PAGE + "?period=24")
        body = response.content.decode()
        assert f'<option value="{mine.pk}"' in body
        assert f'<option value="{theirs.pk}"' not in body
        form = response.context["form"]
        groups = form.field_groups()
        assert groups == {name: form[name].as_field_group() for name in form.fields}
    response = client_for(steering_member).get(PAGE + "?period=24")
    assert f'<option value="{org_b.pk}">' in response.content.decode()
