"""Assemble a phantom study in memory: four MR series, their geometry and the ground truth."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workers.phantoms.anatomy import anatomy_load
from workers.phantoms.contrast import white_signal
from workers.phantoms.fields import SmoothField
from workers.phantoms.geometry import SeriesGeometry
from workers.phantoms.grids import CLINICAL, GRIDS, Grid
from workers.phantoms.identity import StudyIdentity, keyed_rng, study_identity
from workers.phantoms.lesion import Lesion, lesion_draw
from workers.phantoms.normal_head import normal_head_load
from workers.phantoms.pose import Pose
from workers.phantoms.render import series_render
from workers.phantoms.scanner import ScannerProfile, scanner_apply, scanner_profile
from workers.phantoms.sequences import Sequence

Float32Array = npt.NDArray[np.float32]
LABEL_SEQUENCE = Sequence.T1C  # labels live on the post-contrast reference grid


@dataclass(frozen=True)
class SeriesVolume:
    sequence: Sequence
    geometry: SeriesGeometry
    pixels: npt.NDArray[np.uint16]  # (slices, rows, columns) as stored


@dataclass(frozen=True)
class Phantom:
    seed: int
    profile: ScannerProfile
    grid: Grid
    identity: StudyIdentity
    pose: Pose
    lesion: Lesion
    series: dict[Sequence, SeriesVolume]
    labels: npt.NDArray[np.uint8]  # BraTS labels on the T1C geometry, (slices, rows, columns)
    tissue: npt.NDArray[np.uint8]  # dominant Tissue per T1C voxel (for tests and brain masks)

    @property
    def label_geometry(self) -> SeriesGeometry:
        return self.series[LABEL_SEQUENCE].geometry


def make_phantom(seed: int, site: str = "default", grid: Grid | str = CLINICAL) -> Phantom:
    """A brain-tumour MR study: the same seed, site and grid always give the same images.

    The seed alone decides anatomy, head pose and lesion (so one seed is the same patient at
    every site); the site decides the scanner's look; the grid decides the sampling.
    """
    if isinstance(grid, str):
        if grid not in GRIDS:
            raise ValueError(f"unknown grid {grid!r}; known: {', '.join(GRIDS)}")
        grid = GRIDS[grid]
    profile = scanner_profile(site)
    anatomy = anatomy_load()
    head = normal_head_load()
    subject = keyed_rng("subject", seed)
    pose = Pose.draw(subject)
    lesion = lesion_draw(subject, anatomy)
    bias = SmoothField.draw(keyed_rng("bias", site, seed), wavelength=profile.bias_wavelength,
                            terms=6)
    series: dict[Sequence, SeriesVolume] = {}
    labels = tissue = np.zeros((0, 0, 0), dtype=np.uint8)
    for sequence in Sequence:
        geometry = grid.of(sequence).geometry()
        rendered = series_render(
            geometry, sequence, anatomy=anatomy, head=head, pose=pose, lesion=lesion,
            bias=bias, bias_strength=profile.bias, with_tissue=sequence is LABEL_SEQUENCE,
        )
        pixels = scanner_apply(
            rendered.clean, profile=profile, white=white_signal(sequence), bias=rendered.bias,
            rng=keyed_rng("noise", site, grid.name, seed, sequence.value),
        )
        series[sequence] = SeriesVolume(sequence, geometry, pixels)
        if sequence is LABEL_SEQUENCE:
            labels, tissue = rendered.labels, rendered.tissue
    return Phantom(
        seed=seed,
        profile=profile,
        grid=grid,
        identity=study_identity(seed=seed, site=profile.name, grid=grid.name),
        pose=pose,
        lesion=lesion,
        series=series,
        labels=labels,
        tissue=tissue,
    )
