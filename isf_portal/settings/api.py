"""The partner API's settings (DRF and drf-spectacular), imported by base.py."""

import environ

env = environ.Env()

# JSON only (no browsable API), bearer tokens only (api/authentication.py), a rate per token.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.TokenScopePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_LIMIT},
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "api.views.common.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ISF Portal API",
    "DESCRIPTION": "Proposals, review rounds, agreements and the register, for partner systems. "
    "Send a personal or service token as `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "sharing_requests.choices.ProposalStatus",
        "AgreementStatusEnum": "agreements.models.AgreementStatus",
        "DecisionStatusEnum": "sharing_requests.models.DecisionStatus",
        "VoteChoiceEnum": "sharing_requests.models.VoteChoice",
    },
}

# Webhooks (api/webhooks.py): endpoints must be HTTPS with a certificate the system trusts,
# plus WEBHOOK_CA_FILE if set (a PEM bundle); private, loopback and link-local addresses are
# refused unless WEBHOOK_ALLOW_PRIVATE. A delivery is tried WEBHOOK_MAX_ATTEMPTS times with
# growing waits (WEBHOOK_RETRY_SECONDS, doubling); an endpoint is paused (and its admins
# told) after WEBHOOK_PAUSE_AFTER deliveries in a row failed for good.
WEBHOOK_CA_FILE = env.str("WEBHOOK_CA_FILE", default="")
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_PAUSE_AFTER = env.int("WEBHOOK_PAUSE_AFTER", default=5)
WEBHOOK_RETRY_SECONDS = env.float("WEBHOOK_RETRY_SECONDS", default=30.0)
