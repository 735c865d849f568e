"""A saved revision's masks, held on disk between the request and the worker that writes them.

The request stores them before its transaction commits, so the task it enqueues on commit
always finds them; the worker deletes them once the SEG and RTSTRUCT are in the archive.
Bit-packed and compressed: five structures on a 256x256x150 grid are a few hundred kB.
"""

import os
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings

_FOLDER = "pending-revisions"


def _path(revision_id: int) -> Path:
    return Path(settings.DATA_DIR) / _FOLDER / f"{revision_id}.npz"


def pending_masks_write(*, revision_id: int, masks: dict[str, np.ndarray]) -> Path:
    folder = _path(revision_id).parent
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for index, mask in enumerate(masks.values()):
        arrays[f"bits{index}"] = np.packbits(np.asarray(mask, dtype=bool).ravel())
        arrays[f"shape{index}"] = np.asarray(mask.shape, dtype=np.int64)
    arrays["names"] = np.asarray(list(masks), dtype=str)
    fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    os.replace(temporary, _path(revision_id))
    return _path(revision_id)


def pending_masks_read(*, revision_id: int) -> dict[str, np.ndarray]:
    """The masks in the order they were written; FileNotFoundError if there are none."""
    with np.load(_path(revision_id)) as stored:
        masks = {}
        for index, name in enumerate(stored["names"].tolist()):
            shape = tuple(int(n) for n in stored[f"shape{index}"])
            bits = np.unpackbits(stored[f"bits{index}"], count=int(np.prod(shape)))
            masks[str(name)] = bits.astype(bool).reshape(shape)
        return masks


def pending_masks_delete(*, revision_id: int) -> None:
    _path(revision_id).unlink(missing_ok=True)
