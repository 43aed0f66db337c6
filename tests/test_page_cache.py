"""The page cache (isf_portal/page_cache.py): a signed-in page is rendered once per session
until any data changes, and never shown to anyone else or after a change."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from isf_portal import page_cache
from organisations.models import Organisation
from organisations.services import membership_remove
from sharing_requests.models import Proposal
from tests.factories import membership

DASHBOARD = reverse("requests:list")


def queries(client, url, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def warm(client, url=DASHBOARD, **headers) -> str:
    """The first page sets the CSRF cookie (part of the key), the second is stored."""
    client.get(url, headers=headers)
    return client.get(url, headers=headers).content.decode()


@pytest.fixture
def member_client(client_for, member_a, proposal):
    return client_for(member_a)


def test_a_page_is_read_back_without_rendering_it_again(member_client, proposal):
    stored = warm(member_client)
    count, html = queries(member_client, DASHBOARD)
    assert html == stored and proposal.title in html
    assert count <= 1  # the signed-in user; nothing of the page itself


def test_a_bulk_update_that_sends_no_signal_still_makes_the_page_fresh(member_client, proposal):
    warm(member_client)
    Proposal.objects.filter(pk=proposal.pk).update(title="Renamed behind the ORM's signals")
    count, html = queries(member_client, DASHBOARD)
    assert "Renamed behind the ORM&#x27;s signals" in html
    assert count > 1


def test_a_change_made_through_a_page_is_shown_at_once(member_client, proposal, member_a):
    warm(member_client, reverse("home"))
    response = member_client.post(reverse("notifications:mark-all-read"))
    assert response.status_code == 302
    count, _ = queries(member_client, reverse("home"))
    assert count > 1


def test_pages_are_kept_per_session_and_never_shared(client_for, member_a, admin_a, proposal):
    from django.test import Client

    mia, ada = Client(), Client()
    mia.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    ada.force_login(admin_a, backend="django.contrib.auth.backends.ModelBackend")
    home = reverse("home")
    assert "Mia" in warm(mia, home)
    count, html = queries(ada, home)
    assert "Ada" in html and "Mia" not in html
    assert count > 1


def test_losing_access_is_not_hidden_by_a_cached_page(member_client, member_a, admin_a, org_a):
    url = reverse("organisations:detail", args=[org_a.slug])
    warm(member_client, url)
    membership_remove(membership=membership(member_a, org_a), by=admin_a)
    response = member_client.get(url)
    assert response.status_code in (302, 404)


def test_a_flash_message_is_shown_once_and_never_hidden_by_the_cache(member_client):
    url = reverse("home")
    warm(member_client, url)
    # A message waiting for the next page (as after a POST that redirects).
    storage = CookieStorage(RequestFactory().get(url))
    member_client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "Your vote has been recorded")]
    )
    assert "Your vote has been recorded" in member_client.get(url).content.decode()
    assert "Your vote has been recorded" not in member_client.get(url).content.decode()


def test_htmx_fragments_and_full_pages_are_kept_apart(member_client, proposal):
    full = warm(member_client)
    count, fragment = queries(member_client, DASHBOARD, HX_Request="true")
    assert count > 1  # not the full page's entry
    assert warm(member_client) == full


def test_without_a_csrf_cookie_nothing_is_kept(client_for, member_a, proposal):
    client = client_for(member_a)
    client.get(DASHBOARD)
    client.cookies.pop("csrftoken", None)
    count, _ = queries(client, DASHBOARD)
    assert count > 1
    client.cookies.pop("csrftoken", None)
    count, _ = queries(client, DASHBOARD)
    assert count > 1


def test_the_session_renewal_does_not_count_as_a_change(member_client, proposal):
    warm(member_client)
    session = member_client.session
    session["_isf_refreshed"] = 0  # due for renewal: this request writes the session
    session.save()
    with CaptureQueriesContext(connection) as captured:
        member_client.get(DASHBOARD)
    assert any("django_session" in q["sql"] for q in captured.captured_queries)
    count, _ = queries(member_client, DASHBOARD)
    assert count <= 1


def test_with_the_cache_down_pages_are_rendered(member_client, proposal, monkeypatch):
    warm(member_client)

    def down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(cache, "get_many", down)
    count, html = queries(member_client, DASHBOARD)
    assert proposal.title in html and count > 1


def test_off_by_setting(member_client, proposal, settings):
    settings.PAGE_CACHE = False
    warm(member_client)
    count, _ = queries(member_client, DASHBOARD)
    assert count > 1


def test_a_committed_write_changes_the_generation_for_every_process(transactional_db):
    """Outside a test's transaction, as in the worker: each committed write is seen."""
    organisation = Organisation.objects.create(name="Wigan Council", slug="wigan")
    page_cache.bump()
    before = cache.get(page_cache.GENERATION_KEY)
    Organisation.objects.filter(pk=organisation.pk).update(name="Wigan Metropolitan Council")
    after_update = cache.get(page_cache.GENERATION_KEY)
    assert after_update != before
    from django.db import transaction

    with transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(short_name="Wigan")
        in_transaction = cache.get(page_cache.GENERATION_KEY)
        assert in_transaction != after_update
    assert cache.get(page_cache.GENERATION_KEY) != in_transaction  # and again at the commit


def test_the_redis_cache_keeps_its_client_objects(redis_url):
    from django.core.cache.backends.redis import RedisCache as Stock

    from isf_portal.cache import RedisCache

    cache_ = RedisCache(redis_url, {})
    assert isinstance(cache_, Stock)
    client = cache_._cache.get_client(write=True)
    assert cache_._cache.get_client(write=True) is client
    cache_.set("isf:test:kept", "yes", 5)
    assert cache_.get("isf:test:kept") == "yes"
    cache_.delete("isf:test:kept")


def test_outbox_bookkeeping_is_not_a_change_and_admin_pages_are_never_kept(
    member_client, proposal, staff_user, client
):
    from notifications.models import OutboxTask

    warm(member_client)
    OutboxTask.objects.update(last_error="broker away")  # written per dispatch; no page shows it
    count, _ = queries(member_client, DASHBOARD)
    assert count <= 1

    client.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    admin_index = reverse("admin:index")
    warm(client, admin_index)
    count, _ = queries(client, admin_index)
    assert count > 1
