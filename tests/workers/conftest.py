"""One small phantom study, made and written once for all the phantom tests."""

from pathlib import Path

import pytest

from workers.phantoms import Phantom, PhantomFiles, make_phantom, write_phantom_study

SEED = 11


@pytest.fixture(scope="session")
def small_phantom() -> Phantom:
    return make_phantom(SEED, site="default", grid="small")


@pytest.fixture(scope="session")
def small_study(small_phantom: Phantom, tmp_path_factory: pytest.TempPathFactory) -> PhantomFiles:
    out: Path = tmp_path_factory.mktemp("phantoms")
    return write_phantom_study(small_phantom, out)
