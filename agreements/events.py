"""What every write to an agreement shares: the lock on its row, and the entry it leaves on
the agreement's timeline (AgreementEvent). One of each, so every write locks and records alike.
"""

from .models import Agreement, AgreementEvent


def agreement_locked(agreement: Agreement | int) -> Agreement:
    """The agreement's row, fresh from the database and locked until the transaction ends
    (callers are inside `transaction.atomic`)."""
    pk = agreement if isinstance(agreement, int) else agreement.pk
    return Agreement.objects.select_for_update().get(pk=pk)


def timeline_add(agreement: Agreement, *, kind: str, description: str, by=None) -> AgreementEvent:
    """Put an event on the agreement's timeline; `by` is None for the portal's own work."""
    return AgreementEvent.objects.create(
        agreement=agreement, actor=by, kind=kind, description=description[:500]
    )
