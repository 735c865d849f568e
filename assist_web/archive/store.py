"""Where DICOM files live: one file per SOP instance under the data dir, written atomically."""

import os
import re
import secrets
from pathlib import Path

from django.conf import settings

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def uid_is_valid(uid: str) -> bool:
    return 0 < len(uid) <= 64 and bool(_UID.match(uid))


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        # Folders this store made or found, so a batch of a series asks the filesystem once.
        self._folders: set[Path] = set()

    def relative_path(self, study_uid: str, series_uid: str, sop_uid: str) -> str:
        # Callers validate UIDs first, so these components cannot hold separators or '..'.
        return f"{study_uid}/{series_uid}/{sop_uid}.dcm"

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    def write_temporary(self, relative: str, data: bytes) -> Path:
        """Write bytes to a temporary file beside ``relative``, ready for promote().

        Beside it rather than in a shared folder: the rename stays within one directory, and
        as ext4 and XFS allocate a new file's inode near its directory's, a series' files lie
        together instead of every arriving object's being allocated in the one corner of the
        disk holding the shared folder. (On the benchmark machine, where many files had come
        and gone, a create in the shared folder cost up to 0.8 ms of CPU; beside, 0.2 ms.)
        """
        # What tempfile.mkstemp does (a new name, owner-only), without its Python-level
        # name generation and file object, which cost as much as writing the bytes.
        path = self._folder(self.absolute(relative).parent) / f".{secrets.token_hex(12)}.part"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        return path

    def promote(self, temporary: Path, relative: str) -> None:
        os.replace(temporary, self.absolute(relative))

    def _folder(self, folder: Path) -> Path:
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        return folder

    def read(self, relative: str) -> bytes:
        return self.absolute(relative).read_bytes()


def file_store() -> FileStore:
    return FileStore(Path(settings.DATA_DIR) / "dicom")
