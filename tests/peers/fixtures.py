"""Pytest fixtures for real DICOM peers: Orthanc, DCMTK and this site's own listener.

Import them into a conftest.py (``from tests.peers.fixtures import orthanc, ...``) or register
the module once as a plugin (``pytest_plugins = ["tests.peers.fixtures"]`` in tests/conftest.py).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.db import connection

from assist_web.archive.models import RemotePacs
from assist_web.archive.scp import ListenerConfig, listener_start
from tests.peers.dcmtk import dcmtk_installed
from tests.peers.orthanc import OrthancPeer, orthanc_installed
from tests.peers.ports import free_port


@pytest.fixture(scope="session")
def orthanc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancPeer]:
    """One Orthanc for the whole session (starting one takes a moment); see ``orthanc``."""
    if not orthanc_installed():
        pytest.skip("Orthanc with the DICOMweb plugin is not installed")
    peer = OrthancPeer(
        folder=tmp_path_factory.mktemp("orthanc"), http_port=free_port(), dicom_port=free_port()
    )
    peer.start()
    yield peer
    peer.stop()


@pytest.fixture
def orthanc(orthanc_server: OrthancPeer) -> Iterator[OrthancPeer]:
    """A running Orthanc (basic auth on), emptied after each test."""
    yield orthanc_server
    orthanc_server.clear()


@pytest.fixture
def orthanc_remote(orthanc: OrthancPeer, db: None) -> RemotePacs:
    """The Orthanc peer configured as a remote PACS with the right credentials."""
    return RemotePacs.objects.create(
        name="Orthanc",
        base_url=orthanc.dicomweb_url,
        auth_kind=RemotePacs.AuthKind.BASIC,
        username=orthanc.username,
        secret=orthanc.password,
    )


@pytest.fixture
def dcmtk() -> None:
    if not dcmtk_installed():
        pytest.skip("DCMTK (storescu, echoscu, storescp) is not installed")


@dataclass(frozen=True)
class RunningListener:
    ae_title: str
    port: int
    host: str = "127.0.0.1"


@pytest.fixture
def dicom_listener(transactional_db: None) -> Iterator[RunningListener]:
    """This site's C-STORE SCP in a thread of the test process, on a port the OS picked.

    Needs a transactional test: the listener's threads have database connections of their
    own, which see only committed rows.
    """
    config = ListenerConfig(ae_title="ASSIST_TEST", bind="127.0.0.1", port=0)
    server = listener_start(config=config, block=False)
    assert server is not None
    yield RunningListener(ae_title=config.ae_title, port=int(server.server_address[1]))
    server.shutdown()


def database_url() -> str:
    """A DATABASE_URL for another process to use the test database this process created."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings['NAME']}"


def unused_url() -> str:
    """A DICOMweb URL on a loopback port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/dicom-web"


__all__ = [
    "RunningListener",
    "database_url",
    "dcmtk",
    "dicom_listener",
    "orthanc",
    "orthanc_remote",
    "orthanc_server",
    "unused_url",
]
