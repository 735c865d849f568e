"""A glioma-like lesion: necrotic core inside an enhancing rim, vasogenic oedema around it.

Shapes are ellipsoids in atlas space whose boundaries are pushed about by smooth random warps,
so each seed gives an irregular but plausible tumour. Everything is a function of position,
evaluated at whatever points a series samples.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workers.phantoms.anatomy import Anatomy
from workers.phantoms.fields import SmoothField

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
_OEDEMA_EDGE = 4.0  # mm; oedema fades out over several millimetres rather than at a wall
_OEDEMA_BAND = 4.0  # mm; however the oedema is shaped, the white matter next to the rim swells
_MIN_RIM = 3.0  # mm; enhancing rims are seldom thinner, and thinner would vanish on 2.4 mm voxels


@dataclass(frozen=True)
class Lesion:
    centre: FloatArray  # atlas RAS mm
    tumour_radius: float  # mm, enhancing outer boundary before warping
    core_ratio: float  # necrotic core radius / tumour radius
    oedema_radius: float  # mm
    shape: FloatArray  # (3, 3): offset -> ellipsoid coordinates (rotation and axis lengths)
    tumour_warp: SmoothField  # 3 channels, mm
    core_warp: SmoothField
    oedema_warp: SmoothField
    enhancement: SmoothField  # 1 channel: patchy enhancement of the rim
    mass_effect: float  # 0..1, how far the tumour pushes the tissue around it

    @property
    def mass_effect_radius(self) -> float:
        return 1.6 * self.oedema_radius

    def _extent(self, radius: float, warp: SmoothField, edge: float) -> float:
        # |shape @ v| >= |v| * its smallest singular value, so no point farther from the centre
        # than this can fall even partly inside the warped ellipsoid of ``radius``.
        smallest = float(np.linalg.svd(self.shape, compute_uv=False).min())
        return (radius + edge) / smallest + warp.bound()

    def tumour_reach(self, edge: float) -> float:
        return self._extent(self.tumour_radius, self.tumour_warp, edge)

    def reach(self, edge: float) -> float:
        """Beyond this distance from the centre (mm) there is neither tumour nor oedema."""
        return self._extent(self.oedema_radius, self.oedema_warp, max(edge, _OEDEMA_EDGE))


@dataclass(frozen=True)
class LesionFractions:
    tumour: Float32Array  # enhancing rim plus necrotic core, 0..1
    core: Float32Array  # fraction of the tumour that is necrotic, 0..1
    oedema: Float32Array  # oedema's claim on the white matter here, 0..1
    enhancement: Float32Array  # multiplies the rim's contrast uptake, about 0.7..1.3

    def subset(self, index: npt.NDArray[np.intp]) -> "LesionFractions":
        return LesionFractions(
            self.tumour[index], self.core[index], self.oedema[index], self.enhancement[index]
        )


def lesion_draw(rng: np.random.Generator, anatomy: Anatomy) -> Lesion:
    tumour_radius = float(rng.uniform(11.0, 20.0))
    oedema_radius = tumour_radius * float(rng.uniform(1.5, 2.2))
    # Gliomas grow in white matter; keep the tumour off the midline and above the
    # tentorium, and deep enough that it stays inside the brain.
    centres = anatomy.coarse_centres()
    depth = -anatomy.distance.ravel()
    candidates = (
        (anatomy.white_coarse.ravel() >= 0.8)
        & (np.abs(centres[:, 0]) >= 14)
        & (centres[:, 2] >= -15)
        & (depth >= tumour_radius + 6)
    )
    if not candidates.any():  # a large tumour: take the deepest white matter there is
        candidates = depth >= np.sort(depth)[-50]
    centre = centres[rng.choice(np.flatnonzero(candidates))]
    axes = rng.uniform(0.8, 1.25, size=3)
    axes /= np.cbrt(axes.prod())  # the same volume as the sphere of tumour_radius
    rotation, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    return Lesion(
        centre=centre,
        tumour_radius=tumour_radius,
        core_ratio=float(rng.uniform(0.4, 0.62)),
        oedema_radius=oedema_radius,
        shape=np.diag(1 / axes) @ rotation.T,
        tumour_warp=_warp(rng, tumour_radius, 0.16),
        core_warp=_warp(rng, tumour_radius, 0.1),
        oedema_warp=_warp(rng, oedema_radius, 0.22),
        enhancement=SmoothField.draw(rng, wavelength=(8.0, 20.0)),
        mass_effect=float(rng.uniform(0.2, 0.4)),
    )


def _warp(rng: np.random.Generator, radius: float, strength: float) -> SmoothField:
    field = SmoothField.draw(rng, wavelength=(0.6 * radius, 2.0 * radius), channels=3)
    return SmoothField(field.wavevectors, field.phases, field.amplitudes * strength * radius)


def _margin(lesion: Lesion, atlas: Float32Array, warp: SmoothField,
            radius: float) -> Float32Array:
    """Roughly how many mm inside the warped ellipsoid of ``radius`` each point lies."""
    moved = atlas + warp(atlas) - lesion.centre.astype(np.float32)
    offset = np.einsum("nd,ed->ne", moved, lesion.shape.astype(np.float32))  # no BLAS threads
    result: Float32Array = radius - np.sqrt(np.einsum("ij,ij->i", offset, offset))
    return result


def _ramp(margin: Float32Array, edge: float) -> Float32Array:
    """How much of a voxel of size ``edge`` lies inside a boundary ``margin`` mm away."""
    return np.clip(0.5 + margin / edge, 0.0, 1.0).astype(np.float32)


def lesion_fractions(lesion: Lesion, atlas: Float32Array, edge: float) -> LesionFractions:
    """The lesion at atlas points within ``lesion.reach(edge)``; ``edge`` (mm, about a voxel)
    softens boundaries the way partial volume does."""
    n = len(atlas)
    tumour = np.zeros(n, dtype=np.float32)
    core = np.zeros(n, dtype=np.float32)
    band = np.zeros(n, dtype=np.float32)
    enhancement = np.ones(n, dtype=np.float32)
    offset = atlas - lesion.centre.astype(np.float32)
    reach = lesion.tumour_reach(edge) + _OEDEMA_BAND
    near = np.flatnonzero(np.einsum("ij,ij->i", offset, offset) < reach**2)
    if len(near):
        points = atlas[near]
        margin = _margin(lesion, points, lesion.tumour_warp, lesion.tumour_radius)
        tumour[near] = _ramp(margin, edge)
        core_radius = lesion.core_ratio * lesion.tumour_radius
        # The necrotic core has a shape of its own but never breaks through the rim.
        core[near] = np.minimum(
            _ramp(_margin(lesion, points, lesion.core_warp, core_radius), edge),
            _ramp(margin - _MIN_RIM, edge),
        )
        band[near] = _ramp(margin + _OEDEMA_BAND, _OEDEMA_EDGE)
        enhancement[near] = 1 + 0.15 * lesion.enhancement(points)[:, 0]
    oedema = _ramp(_margin(lesion, atlas, lesion.oedema_warp, lesion.oedema_radius),
                   max(edge, _OEDEMA_EDGE))
    return LesionFractions(tumour, core, np.maximum(oedema, band), enhancement)


def mass_effect_source(lesion: Lesion, atlas: Float32Array) -> Float32Array:
    """Where the tissue now at ``atlas`` came from before the tumour pushed it outwards.

    The displacement is ``offset * s * (1 - u)^2`` with ``u`` the squared distance over the
    squared radius: it vanishes smoothly at the radius, and for ``s < 1`` its radial
    derivative stays below one, so the mapping is one to one and nothing folds.
    """
    offset = atlas - lesion.centre.astype(np.float32)
    u = np.minimum(np.sum(offset**2, axis=1) / lesion.mass_effect_radius**2, 1.0)
    fall = (lesion.mass_effect * (1 - u) ** 2).astype(np.float32)
    result: Float32Array = atlas - offset * fall[:, None]
    return result
