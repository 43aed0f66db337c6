"""The hash chain that makes a timeline (ProposalEvent, AgreementEvent) tamper-evident.

Each event stores its place on its parent's timeline (`sequence`, from 1), the hash of the
event before it (`previous_hash`, empty for the first) and its own `hash`: an HMAC-SHA256,
keyed with settings.AUDIT_CHAIN_KEY, of its content and the previous hash. The parent
(proposal or agreement) stores `events_count` and `events_head`, a keyed seal over the count
and the last hash. Someone who can write to the database but does not hold the key cannot
recompute the hashes, so an edited event, a deleted one in the middle and a cut-off tail
(even with the parent's head rewritten to an earlier event's hash) are each found by `verify`.

The content is made only of values that do not depend on the event's own id, so a back-fill or
a bulk insert can compute the hashes before the rows exist.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

PROPOSAL = "proposal"
AGREEMENT = "agreement"
HEAD_FIELDS = ("events_count", "events_head")
# On a parent read under its row lock: (events_count, the hash of that last event), as the
# locking read found them (`last_known`) or `append` left them; `append(locked=True)` then
# needs no read of the last event's hash.
LAST = "_chain_last"


class ChainHead(models.Model):
    """The head of a parent's event chain. Written only by `append`, with an UPDATE under the
    parent's row lock: a save of a copy loaded before that must not put the old head back, so
    a plain save of an existing row leaves these two fields alone."""

    events_count = models.PositiveIntegerField(default=0, editable=False)
    events_head = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and not kwargs.get("force_insert")
            and (kwargs.get("update_fields") is None)
        ):
            # As Django's own save: the loaded fields only (a deferred one is left alone).
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in HEAD_FIELDS and f.attname not in deferred
            ]
        super().save(*args, **kwargs)


class ChainedEvent(models.Model):
    """An event's place on its parent's chain (the parent's foreign key is the subclass's)."""

    sequence = models.PositiveIntegerField(editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # Set before the hash is computed (not auto_now_add, which would change it on insert).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        abstract = True


def key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def _seal(payload: list, secret: bytes | None) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret or key(), canonical.encode(), hashlib.sha256).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(event, *, domain: str, parent_id: int, secret: bytes | None = None) -> str:
    """The hash an event must carry: its content (the parent it belongs to, its place, when,
    who, what, for which organisation) and the hash before it. `domain` keeps a proposal's
    event from passing for an agreement's with the same ids."""
    return _seal(
        [
            domain,
            parent_id,
            event.sequence,
            _iso(event.created_at),
            event.actor_id,
            event.kind,
            event.description,
            getattr(event, "organisation_id", None),
            event.previous_hash,
        ],
        secret,
    )


def head_seal(*, domain: str, parent_id: int, count: int, last_hash: str, secret=None) -> str:
    """What the parent stores as `events_head`. Keyed, so cutting off the last events and
    pointing the parent at an earlier event's hash still needs the key."""
    if not count:
        return ""
    return _seal([domain, parent_id, "head", count, last_hash], secret)


def chain(events, *, domain: str, parent_id: int, start=(0, ""), secret=None) -> tuple[int, str]:
    """Give each event (in order, not yet saved) its sequence, previous hash and hash, after
    the `start` (count, last hash) already stored; returns the new (count, last hash)."""
    count, last = start
    for event in events:
        count += 1
        event.sequence = count
        event.previous_hash = last
        event.hash = last = event_hash(event, domain=domain, parent_id=parent_id, secret=secret)
    return count, last


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    problem: str | None = None
    at: int | None = None  # the sequence number where the chain first breaks


def verify(events, *, head: str, count: int, domain: str, parent_id: int, secret=None):
    """Check a parent's events (in sequence order) against its stored head and count."""
    expected, last = 1, ""
    for event in events:
        if event.sequence != expected:
            return ChainReport(
                False, _("Event %(n)s is missing from the record.") % {"n": expected}, expected
            )
        if event.previous_hash != last:
            return ChainReport(
                False,
                _("Event %(n)s does not follow the event recorded before it.") % {"n": expected},
                expected,
            )
        if event.hash != event_hash(event, domain=domain, parent_id=parent_id, secret=secret):
            return ChainReport(
                False,
                _("Event %(n)s has been changed since it was recorded.") % {"n": expected},
                expected,
            )
        last = event.hash
        expected += 1
    found = expected - 1
    if count != found:
        return ChainReport(
            False,
            _("%(count)s events were recorded but only %(found)s remain.")
            % {"count": count, "found": found},
            found + 1,
        )
    sealed = head_seal(
        domain=domain, parent_id=parent_id, count=found, last_hash=last, secret=secret
    )
    if not hmac.compare_digest(head or "", sealed):
        return ChainReport(
            False,
            _("The record's last event does not match the one stored with it."),
            found,
        )
    return ChainReport(True)


def last_known(parent, last_hash: str | None) -> None:
    """Record on `parent`, just read under its row lock together with `last_hash` (the hash of
    its event number `events_count`, read in the same statement), that hash for `append`.

    None (the statement did not see that event) records nothing: in PostgreSQL's READ
    COMMITTED, a locking read that waited for another writer finds that writer's new count
    but its subqueries still read the snapshot taken before the wait, without the event that
    writer added; `append` then reads it in a statement of its own. A hash it did see is the
    right one: an event's place on its chain is unique and events are never changed."""
    if last_hash is not None:
        setattr(parent, LAST, (parent.events_count, last_hash))


def append(
    event, *, parent, parent_field: str, domain: str, locked: bool = False, also=None
) -> None:
    """Save `event` as the next on `parent`'s chain. Locks the parent's row (a second lock
    in the caller's transaction is harmless), so two writers never take the same place.

    `locked`: the caller read `parent` under its row lock in this transaction, in a statement
    of its own, so its `events_count` is current and is not read again (the event's unique
    sequence refuses a stale one), nor the last event's hash when that read found it
    (`last_known`). `also`: more of the parent's fields to set in the same
    UPDATE as its head (a comment marks the proposal active there: one statement, not two)."""
    parent_model = type(parent)
    # No savepoint inside the caller's transaction; a transaction of its own outside one.
    with transaction.atomic(savepoint=False):
        if locked:
            start = parent.events_count
        else:
            start = (
                parent_model.objects.select_for_update(of=("self",))
                .only(*HEAD_FIELDS)
                .get(pk=parent.pk)
                .events_count
            )
        known = getattr(parent, LAST, None) if locked else None
        if not start:
            last = ""
        elif known is not None and known[0] == start:
            last = known[1]
        else:
            # A statement of its own after the lock: it sees an event committed while we waited.
            last = (
                type(event)
                .objects.filter(**{f"{parent_field}_id": parent.pk, "sequence": start})
                .values_list("hash", flat=True)
                .first()
            )
        event.created_at = timezone.now()
        count, last = chain([event], domain=domain, parent_id=parent.pk, start=(start, last or ""))
        event.save(force_insert=True)
        head = head_seal(domain=domain, parent_id=parent.pk, count=count, last_hash=last)
        parent_model.objects.filter(pk=parent.pk).update(
            events_count=count, events_head=head, **(also or {})
        )
    parent.events_count, parent.events_head = count, head
    setattr(parent, LAST, (count, last))
    for name, value in (also or {}).items():
        setattr(parent, name, value)


def backfill(event_model, parent_model, *, parent_field: str, domain: str, secret=None) -> int:
    """Chain every parent's existing events in the order they happened (created_at, id) and
    store each parent's head: what the migrations run, with their historical models. Returns
    the number of parents chained."""
    parents = 0
    for parent_id in (
        event_model.objects.order_by().values_list(f"{parent_field}_id", flat=True).distinct()
    ):
        events = list(
            event_model.objects.filter(**{f"{parent_field}_id": parent_id}).order_by(
                "created_at", "id"
            )
        )
        count, last = chain(events, domain=domain, parent_id=parent_id, secret=secret)
        event_model.objects.bulk_update(events, ["sequence", "previous_hash", "hash"], 1000)
        parent_model.objects.filter(pk=parent_id).update(
            events_count=count,
            events_head=head_seal(
                domain=domain, parent_id=parent_id, count=count, last_hash=last, secret=secret
            ),
        )
        parents += 1
    return parents
