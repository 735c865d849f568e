"""Smooth random fields that can be evaluated at any point in millimetres.

A field is a short sum of plane waves with random directions, wavelengths and phases. Unlike a
smoothed noise volume it needs no grid, so the same lesion, warp or bias field is seen
identically by every series, whatever its voxel size.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SmoothField:
    wavevectors: FloatArray  # (terms, 3), radians per mm
    phases: FloatArray  # (terms,)
    amplitudes: FloatArray  # (terms, channels)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        *,
        wavelength: tuple[float, float],
        channels: int = 1,
        terms: int = 8,
    ) -> "SmoothField":
        """A field with zero mean and unit variance per channel; ``wavelength`` in mm."""
        directions = rng.standard_normal((terms, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        lengths = rng.uniform(*wavelength, size=terms)
        phases = rng.uniform(0.0, 2 * np.pi, size=terms)
        # A cosine of random phase has variance 1/2, so sqrt(2 / terms) gives unit variance.
        amplitudes = rng.standard_normal((terms, channels)) * np.sqrt(2.0 / terms)
        return cls(directions * (2 * np.pi / lengths)[:, None], phases, amplitudes)

    def __call__(self, points: FloatArray) -> FloatArray:
        """Values at ``points`` (N, 3): shape (N, channels)."""
        result: FloatArray = np.cos(points @ self.wavevectors.T + self.phases) @ self.amplitudes
        return result
