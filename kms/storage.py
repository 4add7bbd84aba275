"""Private file storage for plan PDFs."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    """A private store (no URL) that writes each file to a temporary name in the same directory, then renames it.

    A rename within one file system is atomic, so the final path holds either the old
    file, or the complete new one: a worker killed while writing leaves at most a
    stray `.part` file, never a truncated PDF under the name the database points to.
    With allow_overwrite the same name is reused, which keeps a redelivered job
    from producing a second copy.
    """

    def url(self, name: str | None) -> str:
        # FileSystemStorage reads base_url=None as "use MEDIA_URL"; private files have
        # no URL at all: views stream them after an access check.
        raise ValueError("Files in private storage have no URL.")

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            os.makedirs(directory, exist_ok=True)
        except FileExistsError as error:
            raise FileExistsError(f"{directory} exists and is not a directory.") from error
        if not getattr(self, "_allow_overwrite", False) and os.path.exists(full_path):
            name = self.get_available_name(name)
            full_path = self.path(name)
        temporary = f"{full_path}.{uuid.uuid4().hex}.part"
        try:
            with open(temporary, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, full_path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
