"""Smooth random fields that can be evaluated at any point in millimetres.

A field is a short sum of plane waves with random directions, wavelengths and phases. Unlike a
smoothed noise volume it needs no grid, so the same lesion, warp or bias field is seen
identically by every series, whatever its voxel size.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]


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

    def __call__(self, points: npt.NDArray[np.floating]) -> Float32Array:
        """Values at ``points`` (N, 3): shape (N, channels).

        Single precision on purpose: phases stay within a few hundred radians, where float32
        is accurate to 1e-4, and numpy's vectorised float32 cosine is some 20 times faster.
        einsum, not ``@``: BLAS spreads these thin products over threads that cost far more
        than they save (and could sum in a different order from run to run).
        """
        phase = np.einsum("nd,kd->nk", points.astype(np.float32),
                          self.wavevectors.astype(np.float32))
        waves = np.cos(phase + self.phases.astype(np.float32))
        result: Float32Array = np.einsum("nk,kc->nc", waves, self.amplitudes.astype(np.float32))
        return result

    def on_grid(self, affine: FloatArray, first: int, stop: int,
                shape: tuple[int, int]) -> Float32Array:
        """Channel 0 on voxels ``(slice, row, column)`` of slices ``first:stop`` of a grid whose
        ``affine`` maps (column, row, slice) to millimetres.

        Along a grid each wave's phase is a sum of one term per axis, so its cosine is the real
        part of a product of three short complex exponentials: the same values as calling the
        field, for a few multiplications a voxel instead of a cosine per wave.
        """
        rows, columns = shape
        axes = [np.arange(first, stop), np.arange(rows), np.arange(columns)]
        steps = [affine[:3, 2], affine[:3, 1], affine[:3, 0]]
        total = np.zeros((stop - first, rows, columns), dtype=np.float32)
        for wave, phase, amplitude in zip(self.wavevectors, self.phases, self.amplitudes[:, 0],
                                          strict=True):
            start = np.exp(1j * (wave @ affine[:3, 3] + phase)) * amplitude
            k, j, i = (np.exp(1j * (wave @ step) * axis).astype(np.complex64)
                       for step, axis in zip(steps, axes, strict=True))
            total += ((start * k)[:, None, None] * (j[:, None] * i[None, :])[None]).real
        return total

    def bound(self) -> float:
        """No value's vector length exceeds this."""
        return float(np.linalg.norm(np.abs(self.amplitudes).sum(axis=0)))
