"""What every API view shares: JSON errors, ETags on details, the audit of writes."""

import hashlib
import json

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from isf_portal.domain import DomainError
from sharing_requests.events import proposal_event
from sharing_requests.services import ConflictError, SubmitBlocked

from ..binding import Invalid
from ..tokens import write_record


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT


def api_exception_handler(exc, context):
    """DRF's handler, plus: the form's messages by field path, a service's refusal as 409
    (the object's state does not allow it) with its own message."""
    if isinstance(exc, SubmitBlocked):
        exc = Invalid({"non_field_errors": [str(p.message) for p in exc.problems]})
    elif isinstance(exc, ConflictError | DomainError):
        exc = Conflict(detail=str(exc))
    elif isinstance(exc, ValidationError):
        # DRF's own (a query filter's): the same shape as a form's errors.
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        exc = Invalid({str(k): [str(m) for m in _listed(v)] for k, v in detail.items()})
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Invalid):
        response.data = {"detail": str(exc.detail), "errors": exc.errors}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": str(response.data)}
    return response


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


class ByNewest(CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = ("-last_activity_at", "-pk")


class ByCreated(ByNewest):
    ordering = ("-created_at", "-pk")


class ByName(ByNewest):
    ordering = ("name", "pk")


def etag_response(request, data) -> Response:
    """The detail with a strong ETag of its JSON; 304 when If-None-Match names it."""
    body = json.dumps(data, sort_keys=True, default=str).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    matches = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in matches or "*" in matches:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data)
    response["ETag"] = etag
    return response


def record_write(request, *, action: str, target: str, proposal=None) -> None:
    """Audit a write made through the API under the name of the token that made it; a step
    in the proposal's life (given `proposal`) also says so on its timeline."""
    write_record(token=request.auth, user=request.user, action=action, target=target)
    if proposal is not None:
        proposal_event(
            proposal,
            by=request.user,
            kind="api",
            description=_("Through the API with the token '%(name)s': %(action)s")
            % {"name": request.auth.name, "action": action.replace("_", " ")},
        )


def not_found():
    return Http404(_("Not found."))


def forbidden(message: str | None = None):
    return PermissionDenied(message or _("You cannot do this."))
