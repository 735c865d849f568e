"""Browser uploads: loose files and zip archives, each DICOM object through the ingest service.

A zip is checked whole before anything in it is stored: a path that escapes its folder, a
compression ratio no DICOM export reaches, or more data than the site allows refuses the
archive, and nothing from it is kept.
"""

import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from django.conf import settings

from assist_web.archive.ingest import IngestResult, Outcome, instances_ingest
from assist_web.zips import DAMAGED_ZIP

# Files that operating systems add to archives and folders; not DICOM, not worth a line.
_OS_CLUTTER = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
# Ratios are checked per member only above this size: a tiny header-only file can compress
# far better than any image, and cannot hurt.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
# Objects indexed per transaction; bounds the memory one batch holds.
_BATCH_FILES = 50
_BATCH_BYTES = 128 * 1024 * 1024


class UploadRefused(Exception):
    """The whole upload is refused; ``reason`` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileResult:
    file: str
    result: IngestResult


@dataclass(frozen=True)
class UploadedFile:
    name: str
    size: int
    stream: BinaryIO


def upload_ingest(*, files: Iterable[UploadedFile]) -> list[FileResult]:
    files = list(files)
    if not files:
        raise UploadRefused("No files were sent.")
    zips = {f.name: _open_checked_zip(f) for f in files if _is_zip(f)}
    results: list[FileResult] = []
    batch: list[tuple[str, bytes]] = []
    for label, item in _objects(files, zips):
        if isinstance(item, IngestResult):
            results.append(FileResult(label, item))
            continue
        batch.append((label, item))
        if len(batch) >= _BATCH_FILES or sum(len(d) for _, d in batch) >= _BATCH_BYTES:
            results.extend(_ingest_batch(batch))
            batch = []
    results.extend(_ingest_batch(batch))
    return results


def _objects(
    files: list[UploadedFile], zips: dict[str, zipfile.ZipFile]
) -> Iterator[tuple[str, bytes | IngestResult]]:
    """Each file's bytes (or why it cannot be read), loose files and zip members alike."""
    for upload in files:
        if upload.name in zips:
            yield from _zip_members(upload.name, zips[upload.name])
        else:
            upload.stream.seek(0)
            yield upload.name, upload.stream.read()


def _ingest_batch(batch: list[tuple[str, bytes]]) -> list[FileResult]:
    if not batch:
        return []
    outcomes = instances_ingest(items=[data for _, data in batch])
    return [FileResult(label, outcome) for (label, _), outcome in zip(batch, outcomes, strict=True)]


def _is_zip(upload: UploadedFile) -> bool:
    upload.stream.seek(0)
    header = upload.stream.read(132)
    upload.stream.seek(0)
    if header[128:132] == b"DICM":
        return False
    is_zip = upload.name.lower().endswith(".zip") or zipfile.is_zipfile(upload.stream)
    upload.stream.seek(0)
    return is_zip


def _open_checked_zip(upload: UploadedFile) -> zipfile.ZipFile:
    upload.stream.seek(0)
    try:
        archive = zipfile.ZipFile(upload.stream)
    except DAMAGED_ZIP:
        raise UploadRefused(f"{upload.name} is not a readable zip archive.") from None
    members = archive.infolist()
    if len(members) > settings.ASSIST_MAX_ZIP_MEMBERS:
        raise UploadRefused(
            f"{upload.name} holds {len(members)} files; at most "
            f"{settings.ASSIST_MAX_ZIP_MEMBERS} are accepted in one archive."
        )
    total = 0
    for member in members:
        _check_member_path(upload.name, member)
        if stat.S_ISLNK(member.external_attr >> 16):
            raise UploadRefused(f"{upload.name} contains a symbolic link ({member.filename}).")
        if member.file_size > _RATIO_CHECK_MIN_BYTES and (
            member.file_size > settings.ASSIST_MAX_ZIP_RATIO * max(member.compress_size, 1)
        ):
            raise UploadRefused(
                f"{upload.name} looks like a zip bomb: {member.filename} expands more than "
                f"{settings.ASSIST_MAX_ZIP_RATIO} times."
            )
        total += member.file_size
    if total > settings.ASSIST_MAX_ZIP_UNCOMPRESSED_BYTES:
        raise UploadRefused(
            f"{upload.name} expands to {total} bytes, more than the "
            f"{settings.ASSIST_MAX_ZIP_UNCOMPRESSED_BYTES} bytes this site accepts."
        )
    if total > _RATIO_CHECK_MIN_BYTES and total > settings.ASSIST_MAX_ZIP_RATIO * max(
        upload.size, 1
    ):
        raise UploadRefused(
            f"{upload.name} looks like a zip bomb: it expands more than "
            f"{settings.ASSIST_MAX_ZIP_RATIO} times."
        )
    return archive


def _check_member_path(zip_name: str, member: zipfile.ZipInfo) -> None:
    raw = member.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    if raw.startswith("/") or ".." in path.parts or (len(raw) > 1 and raw[1] == ":"):
        raise UploadRefused(
            f"{zip_name} contains a path that escapes its folder ({member.filename}); "
            "the archive was refused."
        )


def _zip_members(
    zip_name: str, archive: zipfile.ZipFile
) -> Iterator[tuple[str, bytes | IngestResult]]:
    with archive:
        for member in archive.infolist():
            if member.is_dir() or any(part in member.filename for part in _OS_CLUTTER):
                continue
            label = f"{zip_name}/{member.filename}"
            if member.flag_bits & 0x1:
                yield label, _refused("The file is encrypted in the zip archive.")
                continue
            try:
                data = archive.read(member)
            except DAMAGED_ZIP as exc:
                yield label, _refused(f"The zip entry cannot be read: {exc}")
                continue
            yield label, data


def _refused(reason: str) -> IngestResult:
    return IngestResult(outcome=Outcome.REFUSED, reason=reason)
