"""Media storage failing while the sealed PDF is written (issue #13 item 7): the task retries,
and no agreement points at a missing or partial file.

The storage is the portal's own, subclassed to fail as a disk does: read-only (EROFS) on the
first write, full (ENOSPC) half-way through the second. (Faults are injected in code: root,
which runs the tests, ignores a read-only folder.) A real worker on Redis seals.
"""

import errno
import hashlib
import os

import pytest
from django.core.files.storage import storages
from django.db import transaction

from agreements.models import Agreement, AgreementStatus
from isf_portal.storage import MediaStorage
from outbox.models import OutboxTask
from tests.agreements.test_sealing import sign_all
from tests.integration.conftest import running_worker, wait_for
from tests.integration.test_fault_worker_killed import signed_but_one

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class HalfWritten:
    """Content whose writing stops half-way: the disk filled up."""

    def __init__(self, content) -> None:
        self.content = content

    def chunks(self, chunk_size=None):
        data = b"".join(self.content.chunks())
        yield data[: len(data) // 2]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FailingDisk(MediaStorage):
    """Read-only for the first write, full during the second, then well again."""

    writes: list[str] = []

    def _save(self, name, content):
        FailingDisk.writes.append(name)
        if len(FailingDisk.writes) == 1:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.path(name))
        if len(FailingDisk.writes) == 2:
            return super()._save(name, HalfWritten(content))
        return super()._save(name, content)


@pytest.fixture
def failing_disk(settings):
    FailingDisk.writes = []
    yield
    settings.STORAGES = {**settings.STORAGES}  # sends setting_changed: the default is reset
    storages._storages.pop("default", None)


def test_storage_failing_while_the_pdf_is_written_retries_and_leaves_no_partial_file(
    postgres,
    redis_url,
    settings,
    one_sealing_key,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    signatory_a,
    signatory_b,
    governance_b,
    password,
    failing_disk,
):
    agreement = signed_but_one(org_a, org_b, member_a, approver_a, approver_b)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FailingDisk"},
    }
    with running_worker(redis_url):
        with transaction.atomic():
            sign_all(agreement, [signatory_a, signatory_b], password)
        wait_for(
            lambda: Agreement.objects.filter(
                pk=agreement.pk, status=AgreementStatus.ACTIVE
            ).exists(),
            timeout=30,
            what="the worker to seal the agreement after the storage recovered",
        )
        wait_for(
            lambda: OutboxTask.objects.filter(
                task_name="agreements.seal", status=OutboxTask.Status.DONE
            ).exists(),
            timeout=10,
            what="the seal's outbox row to be done",
        )
    agreement.refresh_from_db()
    assert len(FailingDisk.writes) == 3, FailingDisk.writes  # two failures, then the write
    signed_dir = settings.MEDIA_ROOT / "agreements" / "signed"
    files = [p for p in signed_dir.rglob("*") if p.is_file()]
    assert files == [settings.MEDIA_ROOT / agreement.signed_pdf.name]  # no partial left
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == agreement.signed_sha256
    assert OutboxTask.objects.filter(task_name="agreements.seal").count() == 1
    print(f"storage faults: {FailingDisk.writes!r}; sealed on write 3")
