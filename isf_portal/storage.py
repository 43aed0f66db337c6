"""The portal's file storages: static files, and the media storage of generated and uploaded
documents."""

import contextlib
import os
import tempfile

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; `import` paths in our ES modules get hashed too."""

    support_js_module_import_aggregation = True
    manifest_strict = False


class _WrittenFile:
    """A file already written to disk, which FileSystemStorage moves into place."""

    def __init__(self, path: str) -> None:
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class MediaStorage(FileSystemStorage):
    """Documents on disk, each in place whole or not at all.

    Django's FileSystemStorage writes straight into the final name, so a full or read-only
    disk mid-write leaves a partial file there. Here the content is written (and synced) to a
    temporary file beside it, then renamed into place; on any error the temporary file is
    removed and the error raised, for the task to retry.
    """

    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):  # a large upload: moved, never copied
            return super()._save(name, content)
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk.encode() if isinstance(chunk, str) else chunk)
                handle.flush()
                os.fsync(handle.fileno())
            return super()._save(name, _WrittenFile(partial))
        finally:
            with contextlib.suppress(FileNotFoundError):  # gone once renamed into place
                os.unlink(partial)
