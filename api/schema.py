"""How the OpenAPI schema describes the API's bearer tokens (loaded in ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal or service token from the portal's account page.",
        }


class PortalAutoSchema(AutoSchema):
    """Every operation may answer with the API's error body: 400 (invalid input or query),
    401 (no valid token), 403 (not allowed), 404 (not found or not visible), 429 (rate)."""

    def _get_response_bodies(self, direction="response"):
        from .serializers import ErrorSerializer  # the serializers need the app registry

        responses = super()._get_response_bodies(direction)
        for code in ("400", "401", "403", "404", "409", "429"):
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
        return responses
