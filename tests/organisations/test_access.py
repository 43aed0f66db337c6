"""Every page: what an outsider and a signed-out visitor get."""

import pytest
from django.urls import reverse

from tests.factories import membership

# (name, method, needs) — `needs` says which arguments the URL takes.
ORGANISATION_PAGES = [
    ("organisations:detail", "get", "slug"),
    ("organisations:edit", "get", "slug"),
    ("organisations:edit", "post", "slug"),
    ("organisations:invite", "get", "slug"),
    ("organisations:invite", "post", "slug"),
    ("organisations:invitation-cancel", "post", "invitation"),
    ("organisations:member-roles", "get", "membership"),
    ("organisations:member-roles", "post", "membership"),
    ("organisations:member-remove", "get", "membership"),
    ("organisations:member-remove", "post", "membership"),
]


@pytest.fixture
def org_a_url(org_a, member_a, invite):
    invitation, _token = invite("waiting@ardwick.example")
    args = {
        "slug": [org_a.slug],
        "invitation": [org_a.slug, invitation.pk],
        "membership": [org_a.slug, membership(member_a, org_a).pk],
    }

    def url(name, needs):
        return reverse(name, args=args[needs])

    return url


def send(browser, method, url):
    """GET the page, or POST the change an attacker would want."""
    if method == "post":
        return browser.post(url, {"roles": ["org_admin"], "short_name": "Hijacked"})
    return browser.get(url)


def assert_sent_to_sign_in(response, url):
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:sign-in')}?next={url}"


@pytest.mark.parametrize(("name", "method", "needs"), ORGANISATION_PAGES)
def test_outsider_gets_404_for_organisation_page(
    client_for, outsider, org_a, member_a, org_a_url, name, method, needs
):
    url = org_a_url(name, needs)
    response = send(client_for(outsider), method, url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Ardwick" not in html
    assert "Page not found" in html
    # Nothing changed behind the 404.
    assert membership(member_a, org_a).roles == ["member"]
    assert org_a.invitations.get(email="waiting@ardwick.example").is_open


@pytest.mark.parametrize(("name", "method", "needs"), ORGANISATION_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_for_organisation_page(
    client, org_a, member_a, org_a_url, name, method, needs
):
    url = org_a_url(name, needs)
    response = send(client, method, url)
    assert_sent_to_sign_in(response, url)
    assert membership(member_a, org_a).roles == ["member"]
    assert org_a.invitations.get(email="waiting@ardwick.example").is_open


def test_unknown_organisation_is_404(client_for, member_a):
    assert client_for(member_a).get("/organisations/no-such-place/").status_code == 404


@pytest.mark.parametrize("name", ["organisations:list", "steering-group"])
def test_anonymous_visitor_is_sent_to_sign_in_for_signed_in_pages(client, name):
    assert_sent_to_sign_in(client.get(reverse(name)), reverse(name))


def test_anonymous_visitor_gets_the_start_page_at_home(client, org_a):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "start.html"
    html = response.content.decode()
    assert reverse("accounts:sign-in") in html
    assert "Ardwick" not in html


def test_outsider_home_page_shows_only_their_own_organisation(
    client_for, outsider, org_a, member_a
):
    response = client_for(outsider).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Collyhurst Housing" in html
    assert "Ardwick" not in html


def test_outsider_organisation_list_shows_only_their_own_organisation(
    client_for, outsider, org_a, member_a
):
    response = client_for(outsider).get(reverse("organisations:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Collyhurst Housing" in html
    assert "Ardwick" not in html


def test_steering_group_page_is_open_to_every_signed_in_user(client_for, outsider, steering_member):
    response = client_for(outsider).get(reverse("steering-group"))
    assert response.status_code == 200
    assert "Stella Steering" in response.content.decode()


def test_steering_group_page_names_the_chair(client_for, steering_member):
    seat = steering_member.steering_seat
    seat.is_chair = True
    seat.save()
    response = client_for(steering_member).get(reverse("steering-group"))
    html = response.content.decode()
    assert "Stella Steering" in html
    assert "Chair" in html


def test_keep_alive_refuses_anonymous_visitors_with_401(client):
    assert client.post(reverse("accounts:keep-alive")).status_code == 401


def test_keep_alive_renews_a_signed_in_session_with_204(client_for, outsider):
    browser = client_for(outsider)
    response = browser.post(reverse("accounts:keep-alive"))
    assert response.status_code == 204
    assert response.cookies["sessionid"].value  # the session cookie is sent again, renewed


def test_keep_alive_is_post_only(client_for, outsider):
    assert client_for(outsider).get(reverse("accounts:keep-alive")).status_code == 405
