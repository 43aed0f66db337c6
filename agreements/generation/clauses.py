"""The clause library as one agreement's generation reads it."""

import logging

from django.utils.translation import gettext as _

from ..models import ClauseTemplate

logger = logging.getLogger(__name__)

# Days of notice of an agreed termination when the clause library has no termination clause.
NOTICE_DAYS = 30


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in str(text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


class ClauseBook:
    """The clause library as it is now; remembers which clauses (and versions) were used."""

    def __init__(self):
        self.clauses = {c.key: c for c in ClauseTemplate.objects.all()}
        self.used: dict[str, int] = {}
        self.missing: list[str] = []

    def block(self, key: str) -> dict:
        clause = self.clauses.get(key)
        if clause is None:
            logger.warning("Clause %r is not in the clause library", key)
            self.missing.append(key)
            return {
                "kind": "text",
                "paragraphs": [
                    _(
                        "The clause library had no standard wording for this section when the "
                        "agreement was generated."
                    )
                ],
            }
        self.used[key] = clause.version
        return {
            "kind": "clause",
            "key": key,
            "version": clause.version,
            "title": clause.title,
            "paragraphs": _paragraphs(clause.body),
        }

    def notice_days(self) -> int:
        """The days of notice after every party agrees to end the agreement: the termination
        clause's, 30 if the library has none."""
        clause = self.clauses.get("termination")
        return clause.notice_days if clause else NOTICE_DAYS

    def title(self, key: str, default: str) -> str:
        clause = self.clauses.get(key)
        return clause.title if clause else default
