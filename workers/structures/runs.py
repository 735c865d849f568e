"""Masks as run lengths ("runs"), the form the browser and the API exchange them in.

A mask on the reference grid ``(slice, row, column)`` is flattened in C order and written as
alternating run lengths of 0s and 1s, starting with 0s (so the first number is 0 when the
first voxel is set). A 256x256x150 brain mask is some 10^7 voxels but only a few 10^4 runs,
and the browser's TypeScript codec (``frontend/src/review/runs.ts``) reads the same list.
"""

from collections.abc import Sequence

import numpy as np


class RunsError(ValueError):
    """The runs do not describe a mask of the expected shape; the message says why."""


def mask_to_runs(mask: np.ndarray) -> list[int]:
    """The runs of ``mask`` (any shape, read as booleans in C order)."""
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size == 0:
        return []
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    lengths = np.diff(edges).tolist()
    return [0, *lengths] if flat[0] else lengths


def runs_to_mask(runs: Sequence[int], shape: Sequence[int]) -> np.ndarray:
    """The boolean mask of ``shape`` that ``runs`` describe; RunsError unless they sum to it."""
    expected = int(np.prod(shape, dtype=np.int64))
    # JSON numbers arrive as Python ints; a float, a bool or a string is a client's mistake.
    if not isinstance(runs, list | tuple) or any(type(r) is not int for r in runs):
        raise RunsError("Runs must be a list of whole numbers.")
    if any(r < 0 for r in runs):
        raise RunsError("Runs must not be negative.")
    total = sum(runs)
    if total != expected:
        dims = "x".join(str(int(d)) for d in shape)
        raise RunsError(f"The runs cover {total} voxels; the reference grid {dims} has {expected}.")
    values = np.arange(len(runs)) % 2 == 1  # even positions are 0s, odd ones 1s
    return np.repeat(values, np.asarray(runs, dtype=np.int64)).reshape(tuple(shape))
