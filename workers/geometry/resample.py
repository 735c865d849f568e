"""Resampling one volume onto another's grid through patient coordinates."""

import numpy as np
from scipy import ndimage

from workers.geometry.errors import GeometryError
from workers.geometry.volume import Volume

# Off-axis terms below this (voxels per voxel) are rounding: the two grids share their axes.
_AXIS_ALIGNED = 1e-9


def resample_to(volume: Volume, reference: Volume, *, nearest: bool = False,
                fill: float = 0.0) -> Volume:
    """Return ``volume``'s values sampled at the voxel centres of ``reference``'s grid.

    Trilinear by default (float32 result); ``nearest=True`` for label maps (keeps the dtype
    and the labels).
    Grid points outside ``volume`` get ``fill``. Both volumes must share a frame of reference:
    otherwise their patient coordinates are unrelated and resampling would silently misalign.
    """
    same_frame_check(volume, reference)
    # reference index -> patient -> volume index, as one affine map.
    combined = np.linalg.inv(volume.affine) @ reference.affine
    axes = None if nearest else _shared_axes(combined[:3, :3])
    if axes is not None:
        out = _separable_linear(volume.array, combined, axes, reference.shape, fill)
    else:
        out = _affine(volume.array, combined, reference.shape, nearest, fill)
    return Volume(
        array=out,
        affine=reference.affine.copy(),
        spacing=reference.spacing,
        sop_instance_uids=reference.sop_instance_uids,
        frame_of_reference_uid=reference.frame_of_reference_uid,
    )


def same_frame_check(volume: Volume, reference: Volume) -> None:
    """GeometryError unless both volumes' patient coordinates are the same space."""
    if volume.frame_of_reference_uid != reference.frame_of_reference_uid:
        raise GeometryError(
            "The series were acquired in different frames of reference (the patient was "
            "repositioned or scanned in another session); they cannot be aligned without "
            "registration."
        )


def _affine(array: np.ndarray, combined: np.ndarray, shape: tuple[int, int, int],
            nearest: bool, fill: float) -> np.ndarray:
    # ndimage's "constant" mode treats any sample beyond the outermost voxel centre as outside,
    # so a grid that coincides with this one up to rounding (1e-12 voxel) would lose its border
    # slices. One voxel of edge padding keeps them; samples further out take ``fill``.
    padded = np.pad(array, 1, mode="edge")
    source = padded if nearest else padded.astype(np.float32, copy=False)
    return ndimage.affine_transform(
        source,
        combined[:3, :3],
        offset=combined[:3, 3] + 1.0,
        output_shape=shape,
        order=0 if nearest else 1,
        mode="constant",
        cval=fill,
        prefilter=False,
    )


def _shared_axes(matrix: np.ndarray) -> tuple[int, int, int] | None:
    """For grids whose axes coincide (each output axis runs along one source axis, as for an
    axial series onto another axial grid, or the model's coarser copy of the T1c grid): the
    source axis of each output axis. None for oblique pairs."""
    source_axes = np.argmax(np.abs(matrix), axis=0)
    off_axis = matrix.copy()
    off_axis[source_axes, np.arange(3)] = 0.0
    if np.abs(off_axis).max() > _AXIS_ALIGNED or len(set(source_axes.tolist())) != 3:
        return None
    return int(source_axes[0]), int(source_axes[1]), int(source_axes[2])


def _separable_linear(array: np.ndarray, combined: np.ndarray, axes: tuple[int, int, int],
                      shape: tuple[int, int, int], fill: float) -> np.ndarray:
    """Trilinear interpolation as three 1D passes, the same values as ``_affine`` at a
    fraction of its cost (it evaluates a general 3x3 map and 8 neighbours per voxel).

    Within one voxel beyond the outermost centres the edge value holds (as ``_affine``'s edge
    padding); further out the sample is ``fill``.
    """
    out = np.asarray(array, dtype=np.float32).transpose(axes)
    outside = np.zeros(shape, dtype=bool)
    # Shrinking axes first, growing ones last: each pass costs the size of its output.
    for axis in sorted(range(3), key=lambda a: shape[a] / max(out.shape[a], 1)):
        size = out.shape[axis]
        position = (np.arange(shape[axis]) * combined[axes[axis], axis]
                    + combined[axes[axis], 3])
        beyond = (position < -1.0) | (position > size)
        position = np.clip(position, 0, size - 1)
        low = np.minimum(np.floor(position).astype(np.intp), max(size - 2, 0))
        high = np.minimum(low + 1, size - 1)
        along = [1, 1, 1]
        along[axis] = -1
        weight = (position - low).astype(np.float32).reshape(along)
        # low + (high - low) * weight, in place: two arrays of the pass's output size made
        # instead of five (the last pass writes the whole grid, 30 MB a channel at 1 mm).
        below = np.take(out, low, axis=axis)
        out = np.take(out, high, axis=axis)
        out -= below
        out *= weight
        out += below
        if beyond.any():
            outside |= np.broadcast_to(beyond.reshape(along), shape)
    if outside.any():
        out[outside] = fill
    return out
