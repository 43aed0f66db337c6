"""The database away: the portal's 503 page, not a 500 or a traceback (issue #13 item 7).

Unit level: a view and a middleware whose queries fail as a lost connection does. The
integration test (tests/integration/test_fault_postgres.py) restarts a real PostgreSQL."""

import re

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def connection_closed(request):
    raise InterfaceError("connection already closed")


def other_fault(request):
    raise RuntimeError("a fault that is not the database")


urlpatterns = [
    path("gone/", database_gone),
    path("closed/", connection_closed),
    path("other/", other_fault),
]
handler500 = "isf_portal.views.server_error"


class FailingMiddleware:
    """A middleware whose query fails (as the session or sign-in middleware's would)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError('connection to server at "127.0.0.1" failed: Connection refused')


def assert_service_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "<h1>Sorry, the service is unavailable</h1>" in html
    assert "Traceback" not in html and "OperationalError" not in html
    # The page's one inline style is allowed by its hash, as the 500 page's is.
    assert re.search(r"style-src 'self' 'sha256-", response["Content-Security-Policy"])


@pytest.mark.parametrize("url", ["/gone/", "/closed/"])
def test_a_view_losing_the_database_gets_the_503_page(settings, url):
    settings.ROOT_URLCONF = __name__
    assert_service_unavailable(Client(raise_request_exception=False).get(url))


def test_a_middleware_losing_the_database_gets_the_503_page(settings):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.FailingMiddleware"]
    assert_service_unavailable(Client(raise_request_exception=False).get("/other/"))


def test_other_faults_still_get_the_500_page(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/other/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
