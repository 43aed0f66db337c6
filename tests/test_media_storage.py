"""The media storage puts a document in place whole or not at all (issue #13 item 7): a full
or read-only disk mid-write leaves no partial file under any name."""

import errno
import os

import pytest
from django.core.files.base import ContentFile

from isf_portal.storage import MediaStorage


class FullMidWrite(ContentFile):
    """Content whose write fails half-way, as a disk that fills up does."""

    def chunks(self, chunk_size=None):
        data = self.read()
        yield data[: len(data) // 2]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_leaves_no_file(tmp_path):
    storage = MediaStorage(location=tmp_path)
    with pytest.raises(OSError) as failure:
        storage.save("agreements/signed/2026/ISF-1-signed.pdf", FullMidWrite(b"%PDF-1.7" * 1000))
    assert failure.value.errno == errno.ENOSPC
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_written_file_is_whole_and_readable(tmp_path):
    storage = MediaStorage(location=tmp_path)
    name = storage.save("agreements/signed/2026/ISF-1-signed.pdf", ContentFile(b"%PDF-1.7 sealed"))
    assert storage.open(name).read() == b"%PDF-1.7 sealed"
    assert oct(os.stat(storage.path(name)).st_mode & 0o777) == "0o644"
    again = storage.save("agreements/signed/2026/ISF-1-signed.pdf", ContentFile(b"second"))
    assert again != name  # never overwrites
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [os.path.basename(name), os.path.basename(again)]
    )
