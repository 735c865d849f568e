from tests.peers.fixtures import (  # noqa: F401 - fixtures are found by name
    dcmtk,
    dicom_listener,
    orthanc,
    orthanc_remote,
    orthanc_server,
)
