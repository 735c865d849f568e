"""Checks on an uploaded MONAI bundle zip before it joins the registry.

A bundle is ``configs/metadata.json``, ``configs/inference.json`` and ``models/model.pt``, at the
top of the zip or inside one top folder (as ``monai.bundle`` packs it). Workers unpack it, so a
member that would land outside the folder it is unpacked to, a link, or a zip bomb is refused.
"""

import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from assist_web.archive.store import folder_sync
from assist_web.zips import DAMAGED_ZIP

REQUIRED_MEMBERS = ("configs/metadata.json", "configs/inference.json", "models/model.pt")
# Weights compress poorly (about 1.1x); far more than this is not a model but a bomb.
_MAX_RATIO = 50
_MAX_MEMBERS = 10_000
_MAX_CONFIG_BYTES = 10 * 1024**2
_CHUNK = 1024**2


class BundleInvalid(ValueError):
    """The upload is not an acceptable bundle; ``message`` says why, for the admin form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BundleInfo:
    sha256: str
    size: int
    root: str  # "" or "name/" : the prefix of configs/ and models/ inside the zip
    metadata: dict[str, Any]


def bundle_spool(*, source: IO[bytes], folder: Path) -> tuple[Path, str, int]:
    """Copy an upload to a temporary file in ``folder``, hashing it and enforcing the size cap."""
    folder.mkdir(parents=True, exist_ok=True)
    limit = settings.ASSIST_MAX_BUNDLE_BYTES
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise BundleInvalid(f"The bundle is larger than the limit of {limit} bytes.")
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def _member_problem(info: zipfile.ZipInfo) -> str:
    name = info.filename
    path = PurePosixPath(name)
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"member {name!r} has an absolute or Windows path"
    if any(part == ".." for part in path.parts):
        return f"member {name!r} points outside the bundle"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"member {name!r} is a symbolic link"
    return ""


def _root(names: set[str]) -> str:
    if all(member in names for member in REQUIRED_MEMBERS):
        return ""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    for top in sorted(tops):
        if all(f"{top}/{member}" in names for member in REQUIRED_MEMBERS):
            return f"{top}/"
    missing = ", ".join(REQUIRED_MEMBERS)
    raise BundleInvalid(f"Not a MONAI bundle: it must contain {missing}.")


def _json_member(archive: zipfile.ZipFile, name: str) -> Any:
    if archive.getinfo(name).file_size > _MAX_CONFIG_BYTES:
        raise BundleInvalid(f"{name} is too large for a configuration file.")
    try:
        return json.loads(archive.read(name))
    except (ValueError, UnicodeDecodeError):
        raise BundleInvalid(f"{name} is not valid JSON.") from None


def bundle_inspect(*, path: Path, sha256: str, size: int) -> BundleInfo:
    """The bundle's layout and metadata; raises BundleInvalid with a reason a person can act on."""
    try:
        archive = zipfile.ZipFile(path)
    except DAMAGED_ZIP:
        raise BundleInvalid("The file is not a zip archive.") from None
    try:
        return _inspected(archive, sha256=sha256, size=size)
    except BundleInvalid:
        raise  # a ValueError too, with its own reason
    except DAMAGED_ZIP as exc:
        raise BundleInvalid(f"The zip is damaged ({exc}).") from None


def _inspected(archive: zipfile.ZipFile, *, sha256: str, size: int) -> BundleInfo:
    with archive:
        members = archive.infolist()
        if len(members) > _MAX_MEMBERS:
            raise BundleInvalid(f"The zip holds more than {_MAX_MEMBERS} members.")
        total = 0
        for info in members:
            problem = _member_problem(info)
            if problem:
                raise BundleInvalid(f"Unsafe zip: {problem}.")
            total += info.file_size
        if total > max(size, 1) * _MAX_RATIO:
            raise BundleInvalid("The zip expands far more than a model bundle can.")
        names = {info.filename for info in members if not info.is_dir()}
        root = _root(names)
        metadata = _json_member(archive, f"{root}configs/metadata.json")
        if not isinstance(metadata, dict):
            raise BundleInvalid("configs/metadata.json must hold a JSON object.")
        if not isinstance(_json_member(archive, f"{root}configs/inference.json"), dict):
            raise BundleInvalid("configs/inference.json must hold a JSON object.")
        if archive.getinfo(f"{root}models/model.pt").file_size == 0:
            raise BundleInvalid("models/model.pt is empty.")
        bad = archive.testzip()
        if bad is not None:
            raise BundleInvalid(f"The zip is damaged (member {bad!r} fails its checksum).")
    return BundleInfo(sha256=sha256, size=size, root=root, metadata=metadata)


def bundle_store(*, temporary: Path, destination: Path) -> None:
    """Move a checked bundle to its place, named by checksum, so a reader never sees half;
    on disk (file and folder flushed) before the caller commits the version's row."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    shutil.move(temporary, destination)
    folder_sync(destination.parent)
