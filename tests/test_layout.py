"""The layout's own tags (isf_portal/templatetags/layout.py): `{% fixed %}` parts, the same on every
page, are drawn once and repeated, never with anything of the request they were drawn for; the
service navigation is each person's own, escaped."""

import re

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.test import Client, override_settings
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from organisations.models import Role
from tests.factories import member_of


def engine() -> Engine:
    return Engine(
        libraries={"layout": "isf_portal.templatetags.layout"},
        builtins=["django.templatetags.static", "django.templatetags.i18n"],
    )


def test_a_fixed_part_never_shows_the_request_it_was_first_drawn_for():
    page = engine().from_string(
        "{% load layout %}<{{ user }}>{% fixed %}[{{ user }}|{{ csrf_token }}|{% csrf_token %}]"
        "{% endfixed %}"
    )
    first = page.render(Context({"user": "alice", "csrf_token": "alices-token"}))
    second = page.render(Context({"user": "bob", "csrf_token": "bobs-token"}))
    assert first == "<alice>[||]"
    assert second == "<bob>[||]"


def test_a_fixed_part_shows_the_fixed_links_escaped():
    page = engine().from_string(
        '{% load layout %}{% fixed %}{{ portal_urls.home }}|{{ portal_urls.privacy|add:"<b>" }}'
        "{% endfixed %}"
    )
    assert page.render(Context()) == f"{reverse('home')}|{reverse('privacy')}&lt;b&gt;"
    unescaped = page.render(Context(autoescape=False))
    assert unescaped == f"{reverse('home')}|{reverse('privacy')}<b>"


def test_a_fixed_part_is_drawn_again_when_a_setting_changes():
    page = engine().from_string("{% load layout %}{% fixed %}{% static 'x.css' %}{% endfixed %}")
    with override_settings(STATIC_URL="/one/"):
        assert page.render(Context()) == "/one/x.css"
    with override_settings(STATIC_URL="/two/"):
        assert page.render(Context()) == "/two/x.css"


def test_a_block_cannot_be_inside_a_fixed_part():
    with pytest.raises(TemplateSyntaxError):
        engine().from_string(
            "{% load layout %}{% fixed %}{% block a %}{% endblock %}{% endfixed %}"
        )


@pytest.mark.django_db
def test_the_layout_draws_each_persons_own_token_and_links_after_its_fixed_parts_were_drawn(
    org_a,
):
    anonymous = Client().get(reverse("accessibility")).content.decode()
    pages = {}
    for email in ("one@ardwick.example", "two@ardwick.example"):
        user = member_of(org_a, email=email)
        client = Client(enforce_csrf_checks=True)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        html = client.get(reverse("accessibility")).content.decode()
        token = re.search(r'data-csrf-token="([^"]+)"', html).group(1)
        form = re.search(r'id="session-timeout-sign-out"[^>]*>(.*?)</form>', html, re.S).group(1)
        assert 'name="csrfmiddlewaretoken"' in form
        # The dialog's token is this person's own: their keep-alive request passes the CSRF check.
        assert (
            client.post(reverse("accounts:keep-alive"), HTTP_X_CSRFTOKEN=token).status_code == 204
        )
        pages[email] = (html, token)
    (one, one_token), (two, two_token) = pages.values()
    assert one_token != two_token
    for html in (one, two):
        assert reverse("api-tokens:list") in html  # signed in: the footer's API tokens link
        assert html.count(reverse("accounts:sign-out")) >= 2
    assert reverse("api-tokens:list") not in anonymous
    assert 'id="session-timeout-dialog"' not in anonymous
    assert reverse("accounts:sign-in") in anonymous


# --- The service navigation ({% service_navigation %}) ---------------------------------------
def nav_of(html: str) -> str:
    return html.split('id="navigation">', 1)[1].split("</ul>", 1)[0]


@pytest.mark.django_db
def test_the_navigation_marks_the_page_being_shown_and_only_it(client_for, member_a):
    nav = nav_of(client_for(member_a).get(reverse("notifications:list")).content.decode())
    assert nav.count('aria-current="page"') == 1
    assert nav.count("govuk-service-navigation__item--active") == 1
    current = f'href="{reverse("notifications:list")}" aria-current="page">Notifications'
    assert current in nav


@pytest.mark.django_db
def test_the_navigation_escapes_organisation_names_and_shows_roles(client_for, org_a):
    org_a.short_name = "A&B <script>'x'</script>"
    org_a.save()
    user = member_of(org_a, Role.MEMBER, Role.APPROVER)
    nav = nav_of(client_for(user).get(reverse("accessibility")).content.decode())
    assert "<script>" not in nav
    assert (
        "A&amp;B &lt;script&gt;&#x27;x&#x27;&lt;/script&gt;"
        '<span class="govuk-visually-hidden">: Member, Approver</span>'
    ) in nav
    assert f'href="{reverse("organisations:detail", args=[org_a.slug])}"' in nav


@pytest.mark.django_db
def test_the_navigation_counts_unread_notifications_and_links_administration_for_staff(
    client_for, member_a
):
    nav = nav_of(client_for(member_a).get(reverse("accessibility")).content.decode())
    assert "isf-count" not in nav and reverse("admin:index") not in nav
    for n in range(3):
        Notification.objects.create(
            user=member_a, kind=NotificationKind.REVIEW_REQUESTED, title=f"n{n}", url="/"
        )
    member_a.is_staff = True
    member_a.save()
    nav = nav_of(client_for(member_a).get(reverse("accessibility")).content.decode())
    assert (
        'Notifications <span class="isf-count">3<span class="govuk-visually-hidden"> unread' in nav
    )
    assert f'href="{reverse("admin:index")}">Administration</a>' in nav


@pytest.mark.django_db
def test_the_navigation_sign_out_form_carries_a_working_token(member_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    nav = nav_of(client.get(reverse("accessibility")).content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', nav).group(1)
    assert f'action="{reverse("accounts:sign-out")}"' in nav
    response = client.post(reverse("accounts:sign-out"), {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session
