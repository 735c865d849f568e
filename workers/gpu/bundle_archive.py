"""Bundles as zip files: checksum, safe unpacking, reproducible packing. No torch here."""

import hashlib
import io
import zipfile
from pathlib import Path, PurePosixPath

from workers.gpu.errors import PermanentError

_METADATA = "configs/metadata.json"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip's epoch: the same files always give the same bytes


def bundle_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_pack(root: Path) -> bytes:
    """Zip a bundle folder with its files at the archive's top level, reproducibly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def bundle_unpack(data: bytes, destination: Path) -> Path:
    """Extract into ``destination`` and return the bundle root (the folder holding configs/).

    A bundle is uploaded by a person: names that climb out of the folder are refused rather
    than trusted.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise PermanentError("The model bundle is not a zip file.") from error
    with archive:
        names = archive.namelist()
        for name in names:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts:
                raise PermanentError(f"The model bundle holds an unsafe path: {name!r}.")
        roots = [n[: -len(_METADATA)] for n in names if n.endswith(_METADATA)]
        if len(roots) != 1:
            raise PermanentError(f"The model bundle must hold exactly one {_METADATA}.")
        archive.extractall(destination)
    return destination / roots[0] if roots[0] else destination
