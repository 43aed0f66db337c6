"""What every service function shares: the domain error and the audit stamp."""


class DomainError(Exception):
    """An illegal move (wrong state, not allowed). Views show its message; never a 500."""


def audit(obj, *, reason: str, by=None):
    """Stamp the next history row of `obj` with a dotted reason and who did it."""
    obj._change_reason = reason
    if by is not None:
        obj._history_user = by
    return obj
