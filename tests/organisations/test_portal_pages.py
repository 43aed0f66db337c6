"""Pages of the portal as a whole: home, health check, layout, static pages, error pages."""

import socket

import pytest
from django.urls import reverse
from kombu import Connection

from isf_portal import views as portal_views
from isf_portal.celery import app as celery_app
from organisations.models import Role
from tests.factories import SteeringGroupMemberFactory, UserFactory, member_of


# --- Health ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "clamav": "not configured",
    }


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_when_it_refuses(client, monkeypatch):
    def broken_connection(*args, **kwargs):
        raise ConnectionRefusedError("broker is down")

    monkeypatch.setattr(celery_app, "connection_for_write", broken_connection)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
        "clamav": "not configured",
    }


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_when_nothing_listens_on_its_port(
    client, monkeypatch
):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setattr(
        celery_app,
        "connection_for_write",
        lambda *args, **kwargs: Connection(url, connect_timeout=1, transport_options={}),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "unreachable"
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    class NoDatabase:
        def cursor(self):
            raise OSError("database is down")

    monkeypatch.setattr(portal_views, "connection", NoDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["broker"] == "ok"


# --- Home -----------------------------------------------------------------------------------
def test_home_lists_the_users_organisations_and_roles(client_for, admin_a, org_a):
    response = client_for(admin_a).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, Ada" in html
    assert "Ardwick Borough Council" in html
    assert "Member, Organisation admin" in html


def test_home_tells_a_user_without_organisations_what_to_do(client_for, db):
    response = client_for(UserFactory(full_name="Lonely Person")).get(reverse("home"))
    html = response.content.decode()
    assert "You are not a member of any organisation yet" in html
    assert "Nothing is waiting for you right now." in html


def test_home_shows_an_admin_the_invitations_still_waiting(client_for, admin_a, invite):
    invite("waiting@ardwick.example")
    html = client_for(admin_a).get(reverse("home")).content.decode()
    assert "1 invitation you sent has not been accepted yet." in html
    assert "waiting@ardwick.example" in html


def test_home_does_not_show_invitations_to_members_who_are_not_admins(client_for, member_a, invite):
    invite("waiting@ardwick.example")
    html = client_for(member_a).get(reverse("home")).content.decode()
    assert "waiting@ardwick.example" not in html


def test_home_tells_a_steering_group_member_of_their_seat(client_for, steering_member):
    html = client_for(steering_member).get(reverse("home")).content.decode()
    assert "You sit on the steering group for Steering Combined Authority." in html
    assert reverse("steering-group") in html


def test_home_tells_the_chair_they_chair(client_for, db):
    seat = SteeringGroupMemberFactory(is_chair=True)
    html = client_for(seat.user).get(reverse("home")).content.decode()
    assert "You chair the steering group" in html


def test_home_escapes_html_in_organisation_names(client_for, admin_a, org_a):
    org_a.name = "<script>alert('org')</script>"
    org_a.save()
    html = client_for(admin_a).get(reverse("home")).content.decode()
    assert "<script>alert('org')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;org&#x27;)&lt;/script&gt;" in html


# --- Layout ---------------------------------------------------------------------------------
def test_layout_has_the_service_name_skip_link_phase_banner_and_footer_but_no_crown(client, db):
    html = client.get(reverse("home")).content.decode()
    assert "Greater Manchester Information Sharing Portal" in html
    assert 'class="govuk-skip-link"' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "govuk-phase-banner" in html
    assert reverse("accessibility") in html and reverse("privacy") in html
    assert "govuk-header__logotype" not in html  # the crown
    assert "GDS Transport" not in html


def test_navigation_lists_the_users_organisations_and_steering_group(
    client_for, admin_a, org_a, org_b
):
    member_of(org_b, Role.APPROVER, user=admin_a)
    SteeringGroupMemberFactory(user=admin_a, organisation=org_a)
    html = client_for(admin_a).get(reverse("organisations:list")).content.decode()
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    assert reverse("organisations:detail", args=[org_a.slug]) in nav
    assert reverse("organisations:detail", args=[org_b.slug]) in nav
    assert "Ardwick" in nav and "BPNT" in nav
    assert reverse("steering-group") in nav
    assert reverse("accounts:sign-out") in nav


def test_signed_in_pages_carry_the_session_timeout_warning(client_for, member_a, settings):
    html = client_for(member_a).get(reverse("home")).content.decode()
    assert 'id="session-timeout-dialog"' in html
    assert f'data-timeout-seconds="{settings.SESSION_IDLE_TIMEOUT}"' in html
    assert reverse("accounts:keep-alive") in html


def test_signed_out_pages_have_no_session_timeout_warning(client, db):
    assert 'id="session-timeout-dialog"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("name", ["accessibility", "privacy"])
def test_accessibility_statement_and_privacy_notice_are_public(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200


def test_unknown_page_gets_the_portal_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_forbidden_page_gets_the_portal_403_page(client_for, member_a, org_a):
    response = client_for(member_a).get(reverse("organisations:edit", args=[org_a.slug]))
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
