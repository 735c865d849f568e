"""One small phantom study as DICOM datasets, and the committed demo bundle, shared by the
gpu tests (both are slow enough to make once per session)."""

from pathlib import Path

import pydicom
import pytest
from pydicom import Dataset

from workers.gpu.bundle import Bundle, bundle_load
from workers.gpu.phantom_cases import SEQUENCE_NAMES, case_site
from workers.phantoms import Phantom, make_phantom, write_phantom_study

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "workers/gpu/bundles/assist-brain-tumour-demo"
SEED = 9100  # outside the training (1000..) and validation (8000..) ranges


@pytest.fixture(scope="session")
def phantom() -> Phantom:
    return make_phantom(SEED, site=case_site(SEED), grid="small")


@pytest.fixture(scope="session")
def study_series(phantom: Phantom,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Dataset]]:
    """The study as a DICOMweb retrieve would hand it over: datasets by sequence name."""
    files = write_phantom_study(phantom, tmp_path_factory.mktemp("gpu-study"))
    return {SEQUENCE_NAMES[sequence]: [pydicom.dcmread(path) for path in paths]
            for sequence, paths in files.series.items()}


@pytest.fixture(scope="session")
def demo_bundle() -> Bundle:
    return bundle_load(DEMO_BUNDLE)
