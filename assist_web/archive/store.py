"""Where DICOM files live: one file per SOP instance under the data dir, written atomically."""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

# PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def uid_is_valid(uid: str) -> bool:
    return 0 < len(uid) <= 64 and bool(_UID.match(uid))


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def relative_path(self, study_uid: str, series_uid: str, sop_uid: str) -> str:
        # Callers validate UIDs first, so these components cannot hold separators or '..'.
        return f"{study_uid}/{series_uid}/{sop_uid}.dcm"

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    def write_temporary(self, data: bytes) -> Path:
        """Write bytes to a temporary file on the store's own filesystem, ready for promote()."""
        tmp_dir = self.root / ".incoming"
        tmp_dir.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return Path(name)

    def promote(self, temporary: Path, relative: str) -> None:
        final = self.absolute(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)

    def read(self, relative: str) -> bytes:
        return self.absolute(relative).read_bytes()


def file_store() -> FileStore:
    return FileStore(Path(settings.DATA_DIR) / "dicom")
