"""Where DICOM files live: one file per SOP instance under the data dir, written atomically and
on disk before the index says they are there.

A sender (a scanner's C-STORE, a STOW-RS client) may delete its copy once the archive has
answered, so a stored object must survive a power cut from that moment on: each file is flushed
(fsync) before it gets its final name, and its folder after, all before the index commits.
"""

import errno
import functools
import os
import re
import secrets
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from threading import Lock

from django.conf import settings

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_PROC_FD = Path("/proc/self/fd")
# The end of a hidden file's name while it is written (where a file cannot be made without a
# name) or set aside while promoting; a crash in between leaves it (see checking.py).
PART_SUFFIX = ".part"
# PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def uid_is_valid(uid: str) -> bool:
    return 0 < len(uid) <= 64 and bool(_UID.match(uid))


class Temporary:
    """A file's bytes written and flushed to disk, not yet visible under its final name.

    Where the filesystem can (Linux: ext4, XFS, btrfs, tmpfs), the file has no name at all until
    promoted (``O_TMPFILE``): creating it does not lock a folder, so concurrent requests do not
    queue on one while the filesystem finds a free inode (on the benchmark machine that queueing
    cost more CPU than the rest of ingest), and a process that dies before promoting leaves
    nothing behind. Elsewhere it is a hidden named file, renamed.
    """

    def __init__(self, folder: Path, data: bytes) -> None:
        self._fd: int | None = None
        self._path: Path | None = None
        fd = _unnamed(folder)
        if fd is None:
            self._path = folder / f".{secrets.token_hex(12)}{PART_SUFFIX}"
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            self.discard()
            raise
        if self._path is not None:
            os.close(fd)
        else:
            self._fd = fd

    def promote(self, final: Path) -> None:
        """Give the file its final name, replacing what an interrupted earlier attempt left
        there (a file whose index row never committed)."""
        if self._fd is None:
            assert self._path is not None
            os.replace(self._path, final)
            self._path = None
            return
        try:
            _link(self._fd, final)
        except FileExistsError:
            aside = final.parent / f".{secrets.token_hex(12)}{PART_SUFFIX}"
            _link(self._fd, aside)
            os.replace(aside, final)
        os.close(self._fd)
        self._fd = None

    def discard(self) -> None:
        """Drop the file, if it was not promoted."""
        if self._fd is not None:
            os.close(self._fd)  # an unnamed file is gone with its last descriptor
            self._fd = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None


@functools.cache
def _can_name_unnamed() -> bool:
    """Whether /proc/self/fd is there to link an unnamed file by (asked once per process)."""
    return _PROC_FD.is_dir()


def _unnamed(folder: Path) -> int | None:
    """A descriptor of a new unnamed file in ``folder``, or None where that cannot be made."""
    if not _O_TMPFILE or not _can_name_unnamed():
        return None
    try:
        return os.open(folder, _O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # a filesystem or kernel without it
        raise


def _link(fd: int, name: Path) -> None:
    """Name the unnamed file open as ``fd``: linkat(2) following /proc/self/fd/N. Python calls
    plain link(2), which does not follow it, unless a directory descriptor is given; the path is
    absolute, so the descriptor passed is not used."""
    os.link(_PROC_FD / str(fd), name, src_dir_fd=fd, follow_symlinks=True)


def folder_sync(folder: Path) -> None:
    """Flush a folder's entries (a new name in it) to disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Writing:
    """Objects' bytes being written and flushed to new unnamed files in the store, side by
    side, while the caller goes on (indexing them): a flush mostly waits for the disk, and the
    filesystem commits concurrent flushes together."""

    def __init__(self, futures: list[Future[Temporary]]) -> None:
        self._futures = futures

    def wait(self) -> list[Temporary]:
        """The files, in the order given; on an error none is kept and the first is raised."""
        written: list[Temporary] = []
        failure: BaseException | None = None
        for future in self._futures:
            try:
                written.append(future.result())
            except BaseException as error:  # every other file is waited for first
                failure = failure or error
        if failure is not None:
            for temporary in written:
                temporary.discard()
            raise failure
        return written

    def discard(self) -> None:
        """Drop every file not promoted."""
        for future in self._futures:
            try:
                future.result().discard()
            except Exception:  # noqa: S112 - a file that failed to be written is not there
                continue


# One pool per process, made on first use (after gunicorn or Celery has forked).
_WRITERS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = Lock()


def _writers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_WRITERS, thread_name_prefix="dicom-write")
        return _pool


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

    def write(self, items: Sequence[bytes]) -> Writing:
        """Start writing each object's bytes to a file of its own with no name yet; promote()
        names them. A file is made in the store's root and named into its series' folder, so
        that an object the index then refuses leaves no folder behind."""
        pool = _writers()
        return Writing([pool.submit(Temporary, self.root, data) for data in items])

    def promote(self, promotions: Sequence[tuple[Temporary, str]]) -> None:
        """Give each file its final name, then flush the folders that gained one. A file not
        promoted (the error) is discarded."""
        folders: set[Path] = set()
        for number, (temporary, relative) in enumerate(promotions):
            final = self.absolute(relative)
            try:
                temporary.promote(self._folder(final.parent) / final.name)
            except BaseException:
                for left, _ in promotions[number:]:
                    left.discard()
                raise
            folders.add(final.parent)
        for folder in folders:
            folder_sync(folder)

    def _folder(self, folder: Path) -> Path:
        """``folder``, made if missing; each folder made is flushed into its parent."""
        if folder not in self._folders:
            missing: list[Path] = []
            level = folder
            while level != self.root and not level.is_dir():
                missing.append(level)
                level = level.parent
            for made in reversed(missing):
                made.mkdir(exist_ok=True)
                folder_sync(made.parent)
            self._folders.add(folder)
        return folder

    def read(self, relative: str) -> bytes:
        return self.absolute(relative).read_bytes()


def file_store() -> FileStore:
    return FileStore(Path(settings.DATA_DIR) / "dicom")
