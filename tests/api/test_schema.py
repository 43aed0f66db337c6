"""Schemathesis against the API's own OpenAPI schema, in-process over WSGI, with a
read-write token of the lead's member and the proposal's real reference in the paths: a
bounded number of examples per operation, no 5xx, every response as the schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.authentication import TokenRateThrottle
from isf_portal.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
# Per operation: ten generated requests (21 operations: about 35 s on PostgreSQL).
EXAMPLES = 10


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: a WSGI request must not close the test's connection
    (its transaction holds the test's data)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(proposal, member_a, monkeypatch, _keep_the_test_connection):
    from api.tokens import token_create

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/hour"})
    _token, raw = token_create(user=member_a, name="Fuzz", days=1, scope="write", by=member_a)
    return raw


def no_server_error(ctx, response, case):
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: 5xx"


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, token, proposal):
    if "reference" in (case.path_parameters or {}) and "agreement" not in case.path:
        case.path_parameters["reference"] = proposal.reference
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(
        response,
        checks=(
            no_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
