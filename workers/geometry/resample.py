"""Resampling one volume onto another's grid through patient coordinates."""

import numpy as np
from scipy import ndimage

from workers.geometry.errors import GeometryError
from workers.geometry.volume import Volume


def resample_to(volume: Volume, reference: Volume, *, nearest: bool = False,
                fill: float = 0.0) -> Volume:
    """Return ``volume``'s values sampled at the voxel centres of ``reference``'s grid.

    Trilinear by default (float32 result); ``nearest=True`` for label maps (keeps the dtype
    and the labels).
    Grid points outside ``volume`` get ``fill``. Both volumes must share a frame of reference:
    otherwise their patient coordinates are unrelated and resampling would silently misalign.
    """
    if volume.frame_of_reference_uid != reference.frame_of_reference_uid:
        raise GeometryError(
            "The series were acquired in different frames of reference (the patient was "
            "repositioned or scanned in another session); they cannot be aligned without "
            "registration."
        )
    # reference index -> patient -> volume index, as one affine map.
    combined = np.linalg.inv(volume.affine) @ reference.affine
    # ndimage's "constant" mode treats any sample beyond the outermost voxel centre as outside,
    # so a grid that coincides with this one up to rounding (1e-12 voxel) would lose its border
    # slices. One voxel of edge padding keeps them; samples further out take ``fill``.
    padded = np.pad(volume.array, 1, mode="edge")
    order = 0 if nearest else 1
    source = padded if nearest else padded.astype(np.float32, copy=False)
    out = ndimage.affine_transform(
        source,
        combined[:3, :3],
        offset=combined[:3, 3] + 1.0,
        output_shape=reference.shape,
        order=order,
        mode="constant",
        cval=fill,
        prefilter=False,
    )
    return Volume(
        array=out,
        affine=reference.affine.copy(),
        spacing=reference.spacing,
        sop_instance_uids=reference.sop_instance_uids,
        frame_of_reference_uid=reference.frame_of_reference_uid,
    )
