from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.worker import WorkerProcess, worker_start
from tests.peers.fixtures import (  # noqa: F401 - fixtures are found by name
    database_url,
    dcmtk,
    dicom_listener,
    orthanc,
    orthanc_remote,
    orthanc_server,
)


@pytest.fixture
def celery_worker_process(transactional_db: None, data_dir: Path) -> Iterator[WorkerProcess]:
    """A real default-queue worker on this test's database, data dir and broker."""
    worker = worker_start(data_dir=data_dir, database_url=database_url())
    yield worker
    worker.stop()
