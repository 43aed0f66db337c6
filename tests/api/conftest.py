"""API clients signed in with a token of a persona: api(user) (read-write) or
api(user, scope="read")."""

import pytest
from rest_framework.test import APIClient

from api.tokens import token_create


@pytest.fixture
def api():
    def make(user=None, *, scope="write"):
        client = APIClient()
        if user is not None:
            _token, raw = token_create(user=user, name="Case system", days=30, scope=scope, by=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
