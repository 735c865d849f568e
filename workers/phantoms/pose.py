"""How the subject's head lies in the scanner: a rigid pose and a head size per seed.

Atlas space is the MNI152 template's RAS millimetres; patient space is DICOM LPS with the
isocentre at the origin. Tilting and scaling each head keeps two phantoms from sharing the
exact anatomy voxel for voxel.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# The atlas point put at the isocentre: the middle of the head (brain plus scalp), so a field
# of view centred on the isocentre covers the whole head.
ATLAS_HEAD_CENTRE = np.array([0.0, -17.0, 11.0])
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])


@dataclass(frozen=True)
class Pose:
    rotation: FloatArray  # (3, 3), applied in patient space
    scale: float
    shift: FloatArray  # (3,) mm, where the head centre lands in patient space

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "Pose":
        # A few degrees of nodding, turning and tilting, as heads lie in a head coil.
        pitch, yaw, roll = np.deg2rad(rng.uniform([-8, -5, -4], [8, 5, 4]))
        about_x = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)],
                            [0, np.sin(pitch), np.cos(pitch)]])
        about_z = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0],
                            [0, 0, 1]])
        about_y = np.array([[np.cos(roll), 0, np.sin(roll)], [0, 1, 0],
                            [-np.sin(roll), 0, np.cos(roll)]])
        return cls(
            rotation=about_z @ about_y @ about_x,
            scale=float(rng.uniform(0.94, 1.06)),
            shift=rng.uniform([-4, -4, -4], [4, 4, 4]),
        )

    def matrix(self) -> FloatArray:
        """4x4 atlas RAS -> patient LPS."""
        affine = np.eye(4)
        affine[:3, :3] = self.scale * self.rotation @ RAS_TO_LPS
        affine[:3, 3] = self.shift - affine[:3, :3] @ ATLAS_HEAD_CENTRE
        return affine

    def atlas_from_patient(self) -> FloatArray:
        """4x4 patient LPS -> atlas RAS."""
        result: FloatArray = np.linalg.inv(self.matrix()).astype(np.float64)
        return result
