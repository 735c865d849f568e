"""Whether the archive's files and its index agree: ``manage.py archive_check``.

Ingest keeps the two in step (a file is named and flushed before its row commits), so they part
only when something outside ingest happens:

- a process killed between naming a file and committing its row: a file the index does not
  list (the sender had no answer and sends it again, but the bytes stay);
- a write interrupted on a filesystem without unnamed files: a hidden ``.*.part`` file;
- a disk fault or a hand in the data dir: a listed file missing, or changed;
- the database and the data dir restored from backups of different times: any of these.

Files younger than ``settle`` may belong to an object being stored right now, so they are left
out of the count and never touched.
"""

import hashlib
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby
from pathlib import Path

from assist_web.archive.ingest import Outcome, instance_ingest
from assist_web.archive.models import Instance
from assist_web.archive.store import PART_SUFFIX, FileStore, file_store

# Long enough for any ingest to commit what it named; the repair never races a live one.
SETTLE = timedelta(hours=1)
_READ = 1 << 20


@dataclass
class ArchiveCheck:
    """What a check found, as paths relative to the store root."""

    instances: int = 0  # index rows checked
    missing: list[str] = field(default_factory=list)  # listed, no file
    damaged: list[str] = field(default_factory=list)  # listed, another size or checksum
    unlisted: list[str] = field(default_factory=list)  # a file the index does not list
    leftovers: list[str] = field(default_factory=list)  # an interrupted write
    reindexed: list[str] = field(default_factory=list)  # unlisted, now indexed (repair)
    not_reindexed: list[tuple[str, str]] = field(default_factory=list)  # path, reason
    removed: list[str] = field(default_factory=list)  # leftovers deleted (repair)

    @property
    def healthy(self) -> bool:
        """Nothing the index promises is lost; stray files only waste space."""
        return not self.missing and not self.damaged


def archive_check(
    *, checksums: bool = False, repair: bool = False, settle: timedelta = SETTLE
) -> ArchiveCheck:
    """Compare every index row with its file (size; content too with ``checksums``) and every
    file with the index. ``repair`` indexes the unlisted files that are DICOM objects (through
    ingest, as the archive's own: never de-identified again) and deletes leftovers. Missing or
    damaged files cannot be repaired here: they come back from a backup."""
    store = file_store()
    report = ArchiveCheck()
    before = time.time() - settle.total_seconds()
    visited: set[Path] = set()
    for folder, rows in _listed_by_folder():
        visited.add(folder)
        on_disk = _files(store.absolute(folder.as_posix()))
        for path, size, sha256 in rows:
            report.instances += 1
            entry = on_disk.pop(Path(path).name, None)
            if entry is None:
                report.missing.append(path)
            elif entry.stat().st_size != size or (checksums and _sha256(entry.path) != sha256):
                report.damaged.append(path)
        _strays(report, folder, on_disk.values(), before)
    for folder in _folders(store.root):
        if folder not in visited:
            _strays(report, folder, _files(store.absolute(folder.as_posix())).values(), before)
    if repair:
        _repair(report, store)
    return report


def _listed_by_folder() -> Iterator[tuple[Path, list[tuple[str, int, str]]]]:
    """The index's rows (path, size, sha256), a folder's at a time. A series' files share a
    folder, so streaming by series gives each folder's rows together."""
    rows = (
        Instance.objects.order_by("series_id", "path")
        .values_list("path", "size", "sha256")
        .iterator(chunk_size=2000)
    )
    for folder, group in groupby(rows, key=lambda row: Path(row[0]).parent):
        yield folder, list(group)


def _folders(root: Path) -> Iterator[Path]:
    """Every folder under the store root that holds files (relative), the root included."""
    yield Path()
    for study in os.scandir(root):
        if study.is_dir(follow_symlinks=False):
            yield Path(study.name)
            for series in os.scandir(study.path):
                if series.is_dir(follow_symlinks=False):
                    yield Path(study.name, series.name)


def _files(folder: Path) -> dict[str, os.DirEntry[str]]:
    try:
        return {e.name: e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)}
    except FileNotFoundError:
        return {}


def _strays(
    report: ArchiveCheck, folder: Path, entries: Iterable[os.DirEntry[str]], before: float
) -> None:
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.stat().st_mtime > before:
            continue  # may be an object being stored right now
        path = (folder / entry.name).as_posix()
        if entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX):
            report.leftovers.append(path)
        else:
            report.unlisted.append(path)


def _repair(report: ArchiveCheck, store: FileStore) -> None:
    for path in report.leftovers:
        store.absolute(path).unlink(missing_ok=True)
        report.removed.append(path)
    for path in report.unlisted:
        # As the archive's own object: it was de-identified (if the site does) on its way in.
        result = instance_ingest(data=store.read(path), derived=True)
        if result.outcome == Outcome.STORED:
            report.reindexed.append(path)
        else:
            report.not_reindexed.append((path, result.reason))


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()
