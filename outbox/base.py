"""The base class of every task fed from the outbox."""

import logging

from celery import Task
from django.db.models import Exists, Q
from django.utils import timezone

from .models import OutboxTask

logger = logging.getLogger(__name__)


class OutboxBackedTask(Task):
    """A task fed from the outbox: completing it marks its outbox row done; failing for good
    (no retry left) records why on the row, for the admin.

    Declare outbox-fed tasks with `@shared_task(base=OutboxBackedTask, ...)` and record work
    for them with `outbox.services.outbox_enqueue(task=<the task>, kwargs=...)`."""

    acks_late = True
    # `outbox_id` travels in the kwargs but is not an argument of the task function: __call__
    # takes it off. Celery's argument check in apply_async would refuse it (TypeError, so
    # nothing was ever dispatched), hence no typing check for outbox-fed tasks.
    typing = False
    # Whether a run first reads its outbox row and does nothing when it is done. A task that
    # sets False asks the same in a statement it makes anyway (outbox_not_done, in its locking
    # read: send_email), one statement fewer per run; it may also mark its row done inside its
    # own transaction (outbox_done), which saves another.
    reads_done_first = True

    def __call__(self, *args, outbox_id=None, **kwargs):
        # Called directly (not through Celery), a run has no request to carry the outbox id to
        # outbox_not_done: it is read first, whatever the task says.
        direct = self.request.called_directly
        if (
            outbox_id is not None
            and (self.reads_done_first or direct)
            and OutboxTask.objects.filter(pk=outbox_id, status=OutboxTask.Status.DONE).exists()
        ):
            # A second message for work already done (handed over again while the first still
            # waited in the queue, or ran late): done work is never redone.
            logger.info("Outbox task %s is done already: %s not run again", outbox_id, self.name)
            return None
        marked = []  # outbox_done's note that the run has marked its row done
        if outbox_id is not None and not direct:
            # Kept on the worker's request, which Celery copies into the run's own (whose
            # kwargs lack it): a retry hands it on (retry below), so the retry's success marks
            # the row done. The list is shared with that copy, which is dropped after the run.
            self.request.outbox_id = outbox_id
            self.request.outbox_marked = marked
        result = super().__call__(*args, **kwargs)
        if outbox_id is not None and not marked:
            _mark_done(outbox_id)
        return result

    def outbox_not_done(self) -> Q:
        """A condition for the task's own read of its work (reads_done_first=False): true
        unless this run's outbox row is done, so done work is found empty, never redone."""
        outbox_id = getattr(self.request, "outbox_id", None)
        if outbox_id is None:
            return Q()
        return ~Exists(OutboxTask.objects.filter(pk=outbox_id, status=OutboxTask.Status.DONE))

    def outbox_done(self) -> None:
        """Mark this run's outbox row done now, from inside the task, in the transaction that
        records its work: the two commit together, and the run does not mark it again after.
        Called when the work has succeeded (a failure that is retried leaves it pending)."""
        outbox_id = getattr(self.request, "outbox_id", None)
        marked = getattr(self.request, "outbox_marked", None)
        if outbox_id is not None and marked is not None:
            _mark_done(outbox_id)
            marked.append(outbox_id)

    def retry(self, args=None, kwargs=None, **options):
        outbox_id = getattr(self.request, "outbox_id", None)
        if kwargs is None and outbox_id is not None:
            kwargs = {**(self.request.kwargs or {}), "outbox_id": outbox_id}
        return super().retry(args, kwargs, **options)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        outbox_id = (kwargs or {}).get("outbox_id")
        if outbox_id is not None:
            OutboxTask.objects.filter(pk=outbox_id, status=OutboxTask.Status.PENDING).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        super().on_failure(exc, task_id, args, kwargs, einfo)


def _mark_done(outbox_id: int) -> None:
    # Dead rows too: a late run that finished the work has done it.
    OutboxTask.objects.filter(pk=outbox_id).exclude(status=OutboxTask.Status.DONE).update(
        status=OutboxTask.Status.DONE, completed_at=timezone.now()
    )
