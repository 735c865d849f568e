"""Series whose headers are damaged in the attributes a volume is built from: each is refused
with a reason a person can read (the job's failure message), or gives a finite regular volume;
never an arithmetic error or NaN geometry further down. Seeded, so a failure can be made again."""

import copy
import random
import re

import numpy as np
import pytest

from workers.geometry import GeometryError, volume_from_datasets
from workers.geometry.synthetic import series_build

DAMAGE = {
    "ImageOrientationPatient": [[1, 0, 0, 0, 1], [1, 0, 0, 0, 1, 0, 0], ["nan", 0, 0, 0, 1, 0],
                                [0, 0, 0, 0, 0, 0], ["inf", 0, 0, 0, 1, 0]],
    "ImagePositionPatient": [[0, 0], [0, 0, 0, 0], ["nan", 0, 0], [1e308, 0, 0]],
    "PixelSpacing": [[1], [1, 1, 1], [0, 0], [-1, -1], ["nan", 1], ["inf", 1]],
    "Rows": [0, 1, 9],
    "Columns": [0, 1, 11],
    "RescaleSlope": ["nan", "inf", 1e308],
    "RescaleIntercept": ["nan", "inf"],
    "NumberOfFrames": [0, -1],
    "BitsAllocated": [8, 32],
    "SamplesPerPixel": [3, 0],
    "PixelRepresentation": [2],
}


def _series() -> list:
    return series_build(np.arange(6 * 8 * 10, dtype=np.uint16).reshape(6, 8, 10),
                        spacing=(3.0, 0.9, 1.1))


@pytest.mark.filterwarnings("ignore")
def test_damaged_geometry_is_refused_with_a_reason_or_gives_a_finite_grid() -> None:
    rng = random.Random("damaged geometry")
    intact, refused = _series(), 0
    for _ in range(400):
        datasets = [copy.deepcopy(ds) for ds in intact]
        for _ in range(rng.randint(1, 3)):
            keyword = rng.choice(sorted(DAMAGE))
            value = rng.choice(DAMAGE[keyword])
            for ds in datasets if rng.random() < 0.5 else [rng.choice(datasets)]:
                setattr(ds, keyword, value)
        try:
            volume = volume_from_datasets(datasets)
        except GeometryError as refusal:
            assert str(refusal)
            refused += 1
            continue
        assert np.isfinite(volume.affine).all() and np.isfinite(volume.array).all()
        assert min(volume.spacing) > 0

    assert refused > 300


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [
        ("PixelSpacing", [0.9], "pixel spacing holds 1 value(s) where 2 finite numbers belong"),
        ("PixelSpacing", [0, 0], "spacing must be positive"),
        ("ImageOrientationPatient", ["nan", 0, 0, 0, 1, 0], "orientation holds 6 value(s)"),
        ("ImagePositionPatient", [0, 0], "position holds 2 value(s) where 3"),
        ("RescaleSlope", "inf", "rescale slope and intercept"),
    ],
)
def test_a_damaged_attribute_is_named(keyword: str, value: object, message: str) -> None:
    datasets = _series()
    setattr(datasets[2], keyword, value)

    with pytest.raises(GeometryError, match=re.escape(message)):
        volume_from_datasets(datasets)
