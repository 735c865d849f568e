"""Named acquisition grids: a clinical protocol and a small one for tests and CPU training.

T1C is the reference grid (a post-contrast 3D acquisition, labels live on it). T1, T2 and FLAIR
are 2D with thicker slices, other matrices and rectangular fields of view, as clinical protocols
are, so anything that combines the four must resample through patient coordinates.
"""

from dataclasses import dataclass

from workers.phantoms.geometry import SeriesGrid
from workers.phantoms.sequences import Sequence


@dataclass(frozen=True)
class Grid:
    name: str
    t1: SeriesGrid
    t1c: SeriesGrid
    t2: SeriesGrid
    flair: SeriesGrid

    def of(self, sequence: Sequence) -> SeriesGrid:
        return {
            Sequence.T1: self.t1,
            Sequence.T1C: self.t1c,
            Sequence.T2: self.t2,
            Sequence.FLAIR: self.flair,
        }[sequence]


# The head (brain plus ~13 mm of skull and scalp, scaled up to 6 % per subject) spans about
# 225 mm front to back, 185 mm side to side and 180 mm top to bottom; every T1C field of view
# covers all of it, the 2D series cover the brain from the skull base up as a 150 mm stack.
CLINICAL = Grid(
    name="clinical",
    t1=SeriesGrid(rows=256, columns=224, pixel_spacing=0.9, slices=25,
                  slice_thickness=5.0, slice_spacing=6.0),
    t1c=SeriesGrid(rows=256, columns=256, pixel_spacing=1.0, slices=120,
                   slice_thickness=1.5, slice_spacing=1.5),
    t2=SeriesGrid(rows=320, columns=288, pixel_spacing=0.72, slices=34,
                  slice_thickness=4.0, slice_spacing=4.4),
    flair=SeriesGrid(rows=256, columns=224, pixel_spacing=0.9, slices=30,
                     slice_thickness=5.0, slice_spacing=5.0),
)

SMALL = Grid(
    name="small",
    t1=SeriesGrid(rows=80, columns=72, pixel_spacing=2.9, slices=25,
                  slice_thickness=6.0, slice_spacing=6.0),
    t1c=SeriesGrid(rows=96, columns=96, pixel_spacing=2.4, slices=44,
                   slice_thickness=4.0, slice_spacing=4.0),
    t2=SeriesGrid(rows=80, columns=72, pixel_spacing=2.9, slices=25,
                  slice_thickness=6.0, slice_spacing=6.0),
    flair=SeriesGrid(rows=80, columns=72, pixel_spacing=2.9, slices=25,
                     slice_thickness=6.0, slice_spacing=6.0),
)

GRIDS: dict[str, Grid] = {grid.name: grid for grid in (CLINICAL, SMALL)}
