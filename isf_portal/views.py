"""Pages that belong to the portal as a whole: home, health, static pages, error pages."""

import logging
import sys

from csp.decorators import csp_update
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone

from agreements.signing import awaiting_signature_of
from insight.governance import governance_work
from isf_portal import scanning
from isf_portal.celery import app
from organisations import permissions as organisation_permissions
from organisations.selectors import open_invitations
from sharing_requests import permissions as proposal_permissions
from sharing_requests.choices import ProposalStatus
from sharing_requests.rounds.reads import awaiting_decision
from sharing_requests.selectors import own_proposals

logger = logging.getLogger(__name__)

# Home lists the oldest few of each kind; the full lists have pages of their own.
HOME_LIST_LIMIT = 20


def home(request):
    """Signed in: what waits for the user. Signed out: what the service is, and sign-in."""
    if not request.user.is_authenticated:
        return render(request, "start.html")
    # The memberships and the steering seat are read once, and the permission checks below
    # use the same copies (kept on the request).
    memberships = sorted(
        (
            m
            for m in organisation_permissions.memberships(request).values()
            if m.organisation.is_active
        ),
        key=lambda m: m.organisation.name,
    )
    manage = organisation_permissions.POLICY[organisation_permissions.Action.MANAGE]
    admin_of = [m.organisation for m in memberships if manage.allows(m)]
    waiting_invitations = []
    for organisation in admin_of:
        waiting_invitations.extend(open_invitations(organisation=organisation))
    decisions, votes = awaiting_decision(
        user=request.user, limit=HOME_LIST_LIMIT + 1, request=request
    )
    signatures = awaiting_signature_of(user=request.user, request=request)
    start = proposal_permissions.POLICY[proposal_permissions.Action.START]
    lead_ids = [m.organisation_id for m in memberships if start.allows(m)]
    own = own_proposals(user=request.user, lead_ids=lead_ids)
    governed = [m.organisation for m in memberships if m.is_governance_officer]
    governance = (
        governance_work(organisations=governed, today=timezone.localdate()) if governed else None
    )
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "steering_seat": organisation_permissions.steering_seat(request),
            "waiting_invitations": waiting_invitations,
            "decisions": decisions[:HOME_LIST_LIMIT],
            "votes": votes[:HOME_LIST_LIMIT],
            "more_waiting": len(decisions) > HOME_LIST_LIMIT or len(votes) > HOME_LIST_LIMIT,
            "signatures": signatures,
            "sent_back": own[ProposalStatus.CHANGES_REQUESTED][:10],
            "drafts": own[ProposalStatus.DRAFT][:5],
            "can_start": bool(lead_ids),
            "governed": governed,
            "governance": governance,
            "today": timezone.localdate(),
        },
    )


def ping(request):
    """Liveness: the process answers. Touches no database (the benchmark's trivial view)."""
    return HttpResponse("ok", content_type="text/plain")


def healthz(request):
    """200 when the database and the broker answer; 503 naming whichever does not. ClamAV is
    reported (not configured, ok or unreachable) but does not decide the status: without it
    the portal serves every page, and uploads are refused with "try again" until it is back."""
    checks = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("Health check: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        logger.warning("Health check: broker unreachable: %s", exc)
        checks["broker"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks, "clamav": scanning.status()},
        status=200 if healthy else 503,
    )


def accessibility(request):
    return render(request, "pages/accessibility.html")


def privacy(request):
    return render(request, "pages/privacy.html")


def csrf_failure(request, reason=""):
    return render(request, "errors/csrf.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


# The database is away (down, restarting, unreachable), not broken: the request can succeed
# later, and the next request reconnects (CONN_HEALTH_CHECKS).
DATABASE_AWAY = (OperationalError, InterfaceError)
SERVICE_UNAVAILABLE_RETRY_AFTER = 30  # seconds, the Retry-After of the 503 page


@csp_update({"style-src": settings.CSP_ERROR_PAGE_STYLE})
def server_error(request):
    """Django's handler500, called while the failure is being handled: the 503 page when the
    database is away (a middleware's query fails as well as a view's), else the 500 page."""
    # No context processors: whatever broke may be what they need.
    if isinstance(sys.exc_info()[1], DATABASE_AWAY):
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
        response["Retry-After"] = str(SERVICE_UNAVAILABLE_RETRY_AFTER)
        return response
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
