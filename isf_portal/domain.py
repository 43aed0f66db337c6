"""What every service function shares: the domain error, the audit stamp and the address
rule of service accounts."""

# The API's service accounts (api/tokens.py) get addresses `service-<key>@<organisation>.`
# followed by this domain: under .invalid, the reserved top-level domain no mail is ever
# delivered to (RFC 2606). They hold roles, so events tell them, but nobody reads their mail:
# notifications/services.py leaves them out of e-mail. Here, below both, so the two agree.
SERVICE_ACCOUNT_DOMAIN = "service.invalid"


class DomainError(Exception):
    """An illegal move (wrong state, not allowed). Views show its message; never a 500."""


def audit(obj, *, reason: str, by=None):
    """Stamp the next history row of `obj` with a dotted reason and who did it."""
    obj._change_reason = reason
    if by is not None:
        obj._history_user = by
    return obj


def service_account_address(*, organisation_slug: str, key: str) -> str:
    """The address of a new service account of the organisation (`key` makes it unique)."""
    return f"service-{key}@{organisation_slug}.{SERVICE_ACCOUNT_DOMAIN}"


def is_service_account_address(address: str) -> bool:
    """Whether `address` is a service account's (any case, a trailing dot allowed)."""
    return address.strip().rstrip(".").lower().endswith(f".{SERVICE_ACCOUNT_DOMAIN}")
