"""Sample the phantom on one series' grid: noise-free signal, coil bias, labels, tissue.

The healthy head comes from the precomputed atlas images (one interpolation per voxel), blurred
through the slice for thick 2D slices. Only voxels the lesion reaches go through the full
tissue model, at several points across the slice so thick slices get their partial volume.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workers.phantoms.anatomy import Anatomy
from workers.phantoms.contrast import contrast_render, oedema_flair_rise
from workers.phantoms.fields import SmoothField
from workers.phantoms.geometry import SeriesGeometry
from workers.phantoms.lesion import Lesion, lesion_fractions, mass_effect_source
from workers.phantoms.normal_head import NormalHead
from workers.phantoms.pose import Pose
from workers.phantoms.sequences import Sequence
from workers.phantoms.tissue import lesion_mix, normal_mix

Float32Array = npt.NDArray[np.float32]
_CHUNK_POINTS = 1_000_000  # bounds the temporaries of one pass to some tens of megabytes


@dataclass(frozen=True)
class Rendered:
    clean: Float32Array  # noise-free signal, (slices, rows, columns)
    bias: Float32Array  # the receive coil's multiplicative field at the same voxels
    labels: npt.NDArray[np.uint8]  # BraTS labels at the voxel centres
    tissue: npt.NDArray[np.uint8]  # dominant Tissue at the voxel centres


@dataclass(frozen=True)
class _Scene:
    anatomy: Anatomy
    head: NormalHead
    lesion: Lesion
    sequence: Sequence
    image: Float32Array  # the healthy head as this series' slices see it
    offsets: Float32Array  # (samples, 3): atlas displacements across the slice thickness
    edge: float  # in-plane voxel size in atlas mm


def _offsets(geometry: SeriesGeometry, to_atlas: npt.NDArray[np.float64]) -> Float32Array:
    """Points across a slice's thickness, the middle one the centre, as atlas displacements."""
    count = 3 if geometry.slice_thickness > 2.0 else 1
    steps = ((np.arange(count) + 0.5) / count - 0.5) * geometry.slice_thickness
    return (steps[:, None] * (to_atlas[:3, :3] @ geometry.normal)).astype(np.float32)


def _source(lesion: Lesion, atlas: Float32Array) -> Float32Array:
    """Where the healthy tissue now at ``atlas`` was before the tumour pushed it."""
    offset = atlas - lesion.centre.astype(np.float32)
    pushed = np.flatnonzero(np.einsum("ij,ij->i", offset, offset) < lesion.mass_effect_radius**2)
    source = atlas.copy()
    source[pushed] = mass_effect_source(lesion, atlas[pushed])
    return source


def _sample(scene: _Scene, atlas: Float32Array, with_tissue: bool) -> Rendered:
    lesion, head = scene.lesion, scene.head
    source = _source(lesion, atlas)
    image = head.signal_at(scene.image, source)
    labels = np.zeros(len(atlas), dtype=np.uint8)
    tissue = head.tissue_at(source) if with_tissue else labels
    offset = atlas - lesion.centre.astype(np.float32)
    half = float(np.abs(scene.offsets).sum(axis=1).max())
    reach = lesion.reach(scene.edge) + half
    near = np.flatnonzero(np.einsum("ij,ij->i", offset, offset) < reach**2)
    samples = [atlas[near] + step for step in scene.offsets]
    local = [lesion_fractions(lesion, points, scene.edge) for points in samples]
    touched = np.flatnonzero(np.any([(f.tumour > 0) | (f.oedema > 0) for f in local], axis=0))
    if len(touched):
        where = near[touched]
        image[where] = 0
        for points, fractions in zip(samples, local, strict=True):
            at = _source(lesion, points[touched])
            grey, white = scene.anatomy.brain_at(at)
            normal = normal_mix(scene.anatomy.distance_at(at), grey, white, scene.edge)
            here = fractions.subset(touched)
            mix = lesion_mix(normal, here)
            image[where] += contrast_render(mix.fractions, scene.sequence, mix.enhancement)
            if points is samples[len(samples) // 2]:
                labels[where] = mix.labels(oedema_flair_rise(normal, here))
                if with_tissue:
                    tissue[where] = mix.dominant()
        image[where] /= len(samples)
    return Rendered(image, np.ones(0, np.float32), labels, tissue)


def series_render(
    geometry: SeriesGeometry,
    sequence: Sequence,
    *,
    anatomy: Anatomy,
    head: NormalHead,
    pose: Pose,
    lesion: Lesion,
    bias: SmoothField,
    bias_strength: float,
    with_tissue: bool,
) -> Rendered:
    slices, rows, columns = geometry.shape
    clean = np.zeros(geometry.shape, dtype=np.float32)
    field = np.zeros(geometry.shape, dtype=np.float32)
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    tissue = np.zeros(geometry.shape if with_tissue else (0, 0, 0), dtype=np.uint8)
    to_atlas = pose.atlas_from_patient()
    scene = _Scene(
        anatomy=anatomy, head=head, lesion=lesion, sequence=sequence,
        image=head.slab(sequence, geometry.slice_thickness / pose.scale),
        offsets=_offsets(geometry, to_atlas),
        edge=min(geometry.pixel_spacing) / pose.scale,
    )
    step = max(1, _CHUNK_POINTS // (rows * columns))
    for first in range(0, slices, step):
        stop = min(first + step, slices)
        part, shape = slice(first, stop), (stop - first, rows, columns)
        atlas = geometry.points(first, stop, into=to_atlas, dtype=np.float32)
        sample = _sample(scene, atlas, with_tissue)
        clean[part] = sample.clean.reshape(shape)
        labels[part] = sample.labels.reshape(shape)
        if with_tissue:
            tissue[part] = sample.tissue.reshape(shape)
        # The coil's field belongs to the scanner, so it is evaluated in patient space.
        log_bias = bias.on_grid(geometry.affine_lps(), first, stop, (rows, columns))
        field[part] = np.exp(bias_strength * log_bias)
    return Rendered(clean, field, labels, tissue)
