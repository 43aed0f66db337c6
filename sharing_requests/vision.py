"""Assembling the vision statement from its parts."""

from django.utils.translation import gettext as _

PLACEHOLDERS = {
    "for_who": "‹who it is for›",
    "need": "‹their need›",
    "proposal_name": "‹the proposal›",
    "outcome": "‹the outcome›",
    "data_shared": "‹what data›",
    "between_whom": "‹between whom›",
    "today": "‹how it is done today›",
    "benefit": "‹the benefit›",
}


def _part(parts: dict, key: str) -> str:
    value = (parts.get(key) or "").strip().rstrip(".")
    return value or PLACEHOLDERS[key]


def assemble(parts: dict) -> str:
    """'For ‹who› who ‹need›, ‹proposal› will ‹outcome› by sharing ‹what› between ‹whom›.
    Unlike ‹today›, it will ‹benefit›.' Missing parts show as placeholders."""
    p = {key: _part(parts, key) for key in PLACEHOLDERS}
    return (
        _(
            "For %(for_who)s who %(need)s, %(proposal_name)s will %(outcome)s by sharing "
            "%(data_shared)s between %(between_whom)s. Unlike %(today)s, it will %(benefit)s."
        )
        % p
    )
