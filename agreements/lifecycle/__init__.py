"""The life of an agreement once it is in force: review reminders, expiry, reviews ending in
continue, vary or terminate, and a new version replacing the old.

Allowed moves (AgreementStatus):

    active ──end date passed (daily)──────────▶ expired
    active ──review: continue──────────────────▶ active, with a new review date
    active ──review: propose to terminate──────▶ active, pending until every party agrees
                 (consents.py), then "Ending on" the later of the date asked for and the
                 notice period after the last agreement; terminated on it (daily)
    active ──review: propose to vary───────────▶ active, pending until every party agrees;
                 then its proposal goes back for changes
    active ──the new version becomes active────▶ superseded            (on_activated)

Each write is one guarded function: lock the agreement row, check, change, audit, put it on
the timeline (AgreementEvent), then tell the parties' governance officers. Notifications are
rows written in the same transaction and sent from the outbox after commit.
"""

from ..events import timeline_add
from ..notices import lifecycle_url, tell_parties
from .common import (
    IN_PREPARATION,
    REMINDER_DAYS,
    NotAllowed,
    open_agreement_review,
    pending_change,
    previous_for,
    scheduled_termination,
    timeline,
)
from .daily import (
    agreement_end_as_scheduled,
    agreement_expire,
    agreement_review_reminders,
    lifecycle_daily,
)
from .reviews import (
    agreement_review_continue,
    agreement_review_open,
    agreement_review_terminate,
    agreement_review_vary,
    on_activated,
    outcomes_missing,
    termination_agreed,
    variation_agreed,
)

__all__ = [
    "IN_PREPARATION",
    "NotAllowed",
    "outcomes_missing",
    "REMINDER_DAYS",
    "agreement_end_as_scheduled",
    "agreement_expire",
    "agreement_review_continue",
    "agreement_review_open",
    "agreement_review_reminders",
    "agreement_review_terminate",
    "agreement_review_vary",
    "lifecycle_daily",
    "lifecycle_url",
    "on_activated",
    "open_agreement_review",
    "pending_change",
    "previous_for",
    "scheduled_termination",
    "tell_parties",
    "termination_agreed",
    "timeline",
    "timeline_add",
    "variation_agreed",
]
