"""What every write to an agreement shares: the lock on its row, and the entry it leaves on
the agreement's timeline (AgreementEvent). One of each, so every write locks and records alike.
"""

from isf_portal import audit_chain

from .models import Agreement, AgreementEvent


def agreement_locked(agreement: Agreement | int) -> Agreement:
    """The agreement's row, fresh from the database and locked until the transaction ends
    (callers are inside `transaction.atomic`)."""
    pk = agreement if isinstance(agreement, int) else agreement.pk
    return Agreement.objects.select_for_update().get(pk=pk)


def timeline_add(agreement: Agreement, *, kind: str, description: str, by=None) -> AgreementEvent:
    """Put an event on the agreement's timeline, chained to the one before (under the
    agreement's row lock); `by` is None for the portal's own work."""
    event = AgreementEvent(agreement=agreement, actor=by, kind=kind, description=description[:500])
    audit_chain.append(
        event, parent=agreement, parent_field="agreement", domain=audit_chain.AGREEMENT
    )
    return event


def agreement_chain(agreement: Agreement) -> audit_chain.ChainReport:
    """Whether the agreement's timeline is as it was written."""
    return audit_chain.verify(
        agreement.events.order_by("sequence"),
        head=agreement.events_head,
        count=agreement.events_count,
        domain=audit_chain.AGREEMENT,
        parent_id=agreement.pk,
    )
