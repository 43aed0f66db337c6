"""PostgreSQL restarted while pages are being served (issue #13 item 7): requests during the
outage get the portal's 503 page (not a 500, not a traceback), requests after it succeed
without restarting the web process, and no half-finished transition is visible.

The web server is gunicorn, as in production, in a process of its own, on a throwaway
PostgreSQL holding a copy of this test's database. PostgreSQL is stopped in immediate mode
(every session cut, as in a crash) and started again. One decision is posted while the
server is down; another is posted while its transaction is open (the test holds the
proposal's row lock, so the request waits inside it) when the server goes down.
"""

import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.test import Client

from sharing_requests import services
from sharing_requests.models import DecisionStatus
from tests.agreements.proposal_builders import build_proposal
from tests.conftest import url
from tests.integration.conftest import wait_for
from tests.integration.fault_services import ROOT, ThrowawayPostgres, free_port, process_env
from tests.workflow.conftest import current_round

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DATABASE = "isf"


class Browser:
    """A signed-in browser: the session made by the test client, a CSRF cookie of its own."""

    def __init__(self, port: int, session: str, settings) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.csrf = secrets.token_hex(16)  # 32 characters: Django takes an unmasked secret
        self.cookies = f"{settings.SESSION_COOKIE_NAME}={session}; "
        self.cookies += f"{settings.CSRF_COOKIE_NAME}={self.csrf}"

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        request = urllib.request.Request(  # noqa: S310 (http on loopback)
            self.base + path, data=body, headers={"Cookie": self.cookies}
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except urllib.error.URLError as error:  # not listening (yet)
            return 0, str(error)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def assert_service_unavailable(status: int, html: str) -> None:
    assert status == 503, html[:500]
    assert "Sorry, the service is unavailable" in html
    assert "Traceback" not in html and "OperationalError" not in html


def test_postgres_restarted_while_pages_are_served(
    postgres, settings, fault_tmp, org_a, org_b, member_a, approver_a, approver_b
):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    services.proposal_submit(proposal=proposal, by=member_a)  # the round opens (eager)
    decisions = {d.organisation_id: d for d in current_round(proposal).decisions.all()}
    sessions = {}
    for user in (approver_a, approver_b):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    pg = ThrowawayPostgres()
    pg.start()
    pg.copy_test_database(DATABASE)
    port = free_port()
    log_path = fault_tmp / "web.log"
    with open(log_path, "wb") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "isf_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--threads", "4", "--timeout", "60"],
            cwd=ROOT,
            env=process_env(
                DATABASE_URL=pg.url(DATABASE),
                SECRET_KEY=settings.SECRET_KEY,
                HOST="127.0.0.1",
                PORT=str(port),
                ISF_VAR_DIR=str(fault_tmp / "var"),
            ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    a = Browser(port, sessions[approver_a.pk], settings)
    b = Browser(port, sessions[approver_b.pk], settings)
    page = url("review", proposal)

    def counts() -> dict:
        return {
            table: int(pg.psql(DATABASE, f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in (
                "requests_proposalevent",
                "outbox_outboxtask",
                "notifications_email",
                "notifications_notification",
            )
        }

    def decision_status(organisation) -> str:
        pk = decisions[organisation.pk].pk
        sql = f"SELECT status FROM requests_organisationdecision WHERE id = {pk}"  # noqa: S608
        return pg.psql(DATABASE, sql)

    def decide(browser, organisation):
        pk = decisions[organisation.pk].pk
        return browser.request(
            url("decide", proposal, pk),
            {f"d{pk}-status": DecisionStatus.APPROVED, f"d{pk}-comment": "Approved"},
        )

    try:
        wait_for(lambda: b.request(page)[0] == 200, timeout=30, what="gunicorn to serve")
        before = counts()

        # 1. The server is down: pages and posts get the 503 page.
        pg.stop("immediate")
        outage_started = time.monotonic()
        assert_service_unavailable(*b.request(page))
        assert_service_unavailable(*decide(b, org_b))
        assert_service_unavailable(*b.request("/"))
        outage_seconds = time.monotonic() - outage_started
        pg.start()
        # Back: the same web process serves again, nothing of the refused post was recorded.
        assert b.request(page)[0] == 200
        assert decision_status(org_b) == DecisionStatus.PENDING
        assert counts() == before

        # 2. The server goes down while a decision's transaction is open.
        outcome = {}
        held = psycopg.connect(pg.url(DATABASE), autocommit=False)
        try:
            held.execute("SELECT 1 FROM requests_proposal WHERE id = %s FOR UPDATE", [proposal.pk])
            thread = threading.Thread(target=lambda: outcome.update(r=decide(a, org_a)))
            thread.start()
            wait_for(
                lambda: (
                    pg.psql(
                        DATABASE,
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
                    )
                    != "0"
                ),
                timeout=15,
                what="the decision's request to wait inside its transaction",
            )
            pg.stop("immediate")
            thread.join(timeout=30)
        finally:
            held.close()  # its server is gone: nothing to commit or roll back
        assert_service_unavailable(*outcome["r"])
        pg.start()
        assert a.request(page)[0] == 200
        assert decision_status(org_a) == DecisionStatus.PENDING
        assert counts() == before  # no event, no e-mail, no outbox row of the cut transition

        # 3. After the restart the same transition goes through, whole.
        status, _html = decide(a, org_a)
        assert status == 302
        assert decision_status(org_a) == DecisionStatus.APPROVED
        after = counts()
        assert after["requests_proposalevent"] > before["requests_proposalevent"]
        assert after["outbox_outboxtask"] > before["outbox_outboxtask"]
        assert web.poll() is None  # never restarted
        print(
            f"PostgreSQL down {outage_seconds:.1f} s: 503 pages; the same gunicorn served "
            "again at once after the restart"
        )
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait(timeout=10)
        pg.remove()
