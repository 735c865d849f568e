"""Training reads phantoms from memory; the pipeline reads DICOM. They must be the same data."""

import numpy as np
from pydicom import Dataset

from workers.geometry import volume_from_datasets
from workers.gpu.bundle_config import CHANNELS
from workers.gpu.inputs import study_volumes
from workers.gpu.phantom_cases import SEQUENCE_NAMES, phantom_case, seed_range, series_volume
from workers.phantoms import Phantom


def test_memory_volumes_equal_the_dicom_volumes(phantom: Phantom,
                                                study_series: dict[str, list[Dataset]]) -> None:
    frame = phantom.identity.frame_of_reference_uid
    for sequence, series in phantom.series.items():
        memory = series_volume(series, frame)
        dicom = volume_from_datasets(study_series[SEQUENCE_NAMES[sequence]])
        np.testing.assert_allclose(memory.affine, dicom.affine, atol=1e-3)
        assert memory.spacing == dicom.spacing
        np.testing.assert_array_equal(memory.array, dicom.array)

    case = phantom_case(phantom.seed, "small", CHANNELS)
    from_dicom = study_volumes(study_series, CHANNELS)
    for index in range(len(CHANNELS)):
        np.testing.assert_allclose(case.volumes.channel_on_reference(index).array,
                                   from_dicom.channel_on_reference(index).array, atol=1e-2)


def test_seed_ranges() -> None:
    assert seed_range("9000-9003") == [9000, 9001, 9002, 9003]
    assert seed_range("5,7-8") == [5, 7, 8]
