"""From output probabilities to GTV, Edema, CTV, PTV and Brain, on an anisotropic grid."""

import numpy as np
import pytest
from pydicom import Dataset

from workers.geometry import Volume, volume_from_datasets
from workers.gpu.dice import dice
from workers.gpu.phantom_cases import truth_masks
from workers.gpu.skull_strip import brain_from_t1
from workers.gpu.targets import ORDER, Margins, structures_build, volumes_ml
from workers.phantoms import Phantom

SPACING = (3.0, 1.0, 1.0)  # thick slices: margins must still be in mm, not voxels
SHAPE = (30, 80, 80)


def _grid() -> Volume:
    affine = np.diag([*SPACING, 1.0])[:, [0, 1, 2, 3]]
    return Volume(array=np.zeros(SHAPE, np.float32), affine=affine, spacing=SPACING,
                  sop_instance_uids=(), frame_of_reference_uid="1.2.3")


def _ball(centre: tuple[float, float, float], radius_mm: float) -> np.ndarray:
    z, y, x = np.indices(SHAPE).astype(float)
    d2 = (((z - centre[0]) * SPACING[0]) ** 2 + ((y - centre[1]) * SPACING[1]) ** 2
          + ((x - centre[2]) * SPACING[2]) ** 2)
    return d2 <= radius_mm**2


@pytest.fixture
def probabilities() -> dict[str, np.ndarray]:
    brain = _ball((15, 40, 40), 38.0)
    core = _ball((15, 40, 62), 6.0)  # near the brain's edge, so the CTV gets clipped
    return {"TC": core * 0.9, "WT": _ball((15, 40, 60), 10.0) * 0.8,
            "ET": core * 0.7, "Brain": brain * 0.95}


def test_structures_nest_and_the_ctv_stays_in_the_brain(
        probabilities: dict[str, np.ndarray]) -> None:
    masks = structures_build(probabilities, _grid(), threshold=0.5, margins=Margins())
    assert list(masks) == list(ORDER)
    gtv, edema, ctv, ptv, brain = (masks[n] for n in ORDER)
    np.testing.assert_array_equal(gtv, probabilities["TC"] >= 0.5)
    assert not (gtv & ~edema).any() and not (gtv & ~ctv).any() and not (ctv & ~ptv).any()
    assert not (ctv & ~brain).any()
    assert (ptv & ~brain).any(), "the PTV is not clipped: it covers set-up error"
    # 15 mm is 5 slices of 3 mm but 15 rows of 1 mm.
    rows = np.flatnonzero(ctv[15].any(axis=1))
    slices = np.flatnonzero(ctv.any(axis=(1, 2)))
    assert (rows.min(), rows.max()) == (40 - 21, 40 + 21)
    assert (slices.min(), slices.max()) == (15 - 7, 15 + 7)


def test_margins_come_from_the_job(probabilities: dict[str, np.ndarray]) -> None:
    small = structures_build(probabilities, _grid(), threshold=0.5,
                             margins=Margins(ctv_mm=5.0, ptv_mm=0.0))
    assert (small["CTV"] == small["PTV"]).all()
    assert small["CTV"].sum() < structures_build(probabilities, _grid(), threshold=0.5,
                                                 margins=Margins())["CTV"].sum()


def test_specks_are_dropped_and_holes_filled(probabilities: dict[str, np.ndarray]) -> None:
    tc = probabilities["TC"].copy()
    tc[15, 40, 62] = 0.0  # a hole in the core
    tc[15, 10, 20] = 0.9  # a one-voxel speck, 3 mm^3
    masks = structures_build({**probabilities, "TC": tc}, _grid(), threshold=0.5,
                             margins=Margins())
    assert masks["GTV"][15, 40, 62] and not masks["GTV"][15, 10, 20]


def test_without_a_brain_output_the_t1_is_skull_stripped(phantom: Phantom,
                                                         study_series: dict[str, list[Dataset]]
                                                         ) -> None:
    t1c = volume_from_datasets(study_series["T1c"])
    truth = truth_masks(phantom)
    probabilities = {"TC": truth["TC"] * 1.0, "WT": truth["WT"] * 1.0}
    masks = structures_build(probabilities, t1c, threshold=0.5, margins=Margins(), t1=t1c)
    assert dice(masks["Brain"], truth["Brain"]) >= 0.85
    assert not (masks["CTV"] & ~masks["Brain"]).any()
    with pytest.raises(ValueError, match="no T1"):
        structures_build(probabilities, t1c, threshold=0.5, margins=Margins())


def test_skull_strip_of_the_phantom_t1c_matches_its_tissue_map(
        phantom: Phantom, study_series: dict[str, list[Dataset]]) -> None:
    brain = brain_from_t1(volume_from_datasets(study_series["T1c"]))
    assert dice(brain, truth_masks(phantom)["Brain"]) >= 0.85


def test_volumes_in_ml() -> None:
    mask = np.zeros(SHAPE, bool)
    mask[:10, :10, :10] = True  # 1000 voxels of 3 mm^3
    assert volumes_ml({"GTV": mask}, SPACING) == {"GTV": 3.0}
