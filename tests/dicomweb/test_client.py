"""The site as dicomweb-client (what the gpu workers use) sees it, over real HTTP."""

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from dicomweb_client import DICOMwebClient
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.pixels import iter_pixels
from rest_framework.authtoken.models import Token

from assist_web.accounts.models import User
from tests.dicom_files import mr_slice
from tests.dicomweb.conftest import (
    NATIVE,
    SERIES_UID,
    STUDY_UID,
    multipart_parts,
    pydicom_path,
    stored_path,
)

COMPRESSED = ["JPEG2000.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_rle_2frame.dcm"]


def _compressed(name: str) -> Dataset:
    """A pydicom test file under a SOP Instance UID of its own (some of them share one)."""
    ds = dcmread(pydicom_path(name))
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.77.{COMPRESSED.index(name) + 1}"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


@pytest.fixture
def client(live_server, alice: User) -> Iterator[DICOMwebClient]:  # type: ignore[no-untyped-def]
    token, _ = Token.objects.get_or_create(user=alice)
    # Closed at the end, so that the live server's threads for its kept-alive connections
    # end too, with their database sessions.
    with requests.Session() as session:
        yield DICOMwebClient(
            url=f"{live_server.url}/dicomweb",
            headers={"Authorization": f"Token {token.key}"},
            session=session,
        )


@pytest.fixture
def stowed(client: DICOMwebClient) -> list:  # type: ignore[type-arg]
    """Three MR slices and the compressed pydicom files, stored through STOW-RS."""
    slices = [
        mr_slice(study_uid=STUDY_UID, series_uid=SERIES_UID, instance_number=n, seed=n)
        for n in (1, 2, 3)
    ]
    reply = client.store_instances(slices, study_instance_uid=STUDY_UID)
    assert len(reply.ReferencedSOPSequence) == 3
    assert "FailedSOPSequence" not in reply
    others = [_compressed(name) for name in COMPRESSED]
    reply = client.store_instances(others)
    assert len(reply.ReferencedSOPSequence) == len(COMPRESSED)
    return slices


def test_searches_with_filters(client: DICOMwebClient, stowed: list) -> None:  # type: ignore[type-arg]
    studies = client.search_for_studies(search_filters={"PatientID": "PAT-001"})
    series = client.search_for_series(STUDY_UID, search_filters={"Modality": "MR"})
    instances = client.search_for_instances(
        STUDY_UID, SERIES_UID, search_filters={"InstanceNumber": "2"}, fields=["Rows"]
    )
    limited = client.search_for_studies(limit=1, offset=0)

    assert [s["0020000D"]["Value"][0] for s in studies] == [STUDY_UID]
    assert [s["0020000E"]["Value"][0] for s in series] == [SERIES_UID]
    assert [i["00080018"]["Value"][0] for i in instances] == [stowed[1].SOPInstanceUID]
    assert len(limited) == 1
    assert client.search_for_studies(search_filters={"PatientID": "nobody"}) == []


def test_series_retrieve_and_every_file_byte_exact(
    client: DICOMwebClient,
    stowed: list,
    live_server,
    alice: User,
    data_dir: Path,  # type: ignore[no-untyped-def,type-arg]
) -> None:
    retrieved = client.retrieve_series(STUDY_UID, SERIES_UID)

    assert [ds.SOPInstanceUID for ds in retrieved] == [ds.SOPInstanceUID for ds in stowed]
    assert [ds.PixelData for ds in retrieved] == [ds.PixelData for ds in stowed]
    # The raw bodies, as a proxy or a hashing client would see them.
    token = Token.objects.get(user=alice).key
    response = requests.get(
        f"{live_server.url}/dicomweb/studies/{STUDY_UID}/series/{SERIES_UID}",
        headers={
            "Authorization": f"Token {token}",
            "Accept": "multipart/related; type=application/dicom",
        },
        timeout=30,
    )
    received = [
        content
        for _, content in multipart_parts(response.headers["Content-Type"], response.content)
    ]
    assert received == [stored_path(data_dir, ds.SOPInstanceUID).read_bytes() for ds in stowed]


def test_series_metadata(client: DICOMwebClient, stowed: list) -> None:  # type: ignore[type-arg]
    metadata = client.retrieve_series_metadata(STUDY_UID, SERIES_UID)

    assert [m["00200013"]["Value"][0] for m in metadata] == [1, 2, 3]
    assert metadata[0]["00100020"]["Value"] == ["PAT-001"]


def test_native_frames_equal_the_stored_pixels(client: DICOMwebClient, stowed: list) -> None:  # type: ignore[type-arg]
    original = stowed[0]

    (frame,) = client.retrieve_instance_frames(
        STUDY_UID,
        SERIES_UID,
        original.SOPInstanceUID,
        [1],
        media_types=(("application/octet-stream", NATIVE),),
    )

    assert frame == original.PixelData


@pytest.mark.parametrize("name", COMPRESSED)
def test_compressed_frames_native_and_as_stored(
    client: DICOMwebClient,
    stowed: list,
    name: str,  # type: ignore[type-arg]
) -> None:
    ds = _compressed(name)
    count = int(ds.get("NumberOfFrames", 1) or 1)
    numbers = list(range(1, count + 1))
    uids = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)

    native = client.retrieve_instance_frames(
        *uids, numbers, media_types=(("application/octet-stream", NATIVE),)
    )
    stored = client.retrieve_instance_frames(
        *uids, numbers, media_types=(("application/octet-stream", "*"),)
    )

    for received, expected in zip(native, iter_pixels(ds), strict=True):
        decoded = np.frombuffer(received, dtype=expected.dtype.newbyteorder("<"))
        assert np.array_equal(decoded.reshape(expected.shape), expected)
    # As stored: the very fragments in the file, which pydicom decodes to the same pixels.
    assert stored == list(generate_frames(ds.PixelData, number_of_frames=count))


def test_series_rendered_as_dicomweb_client_asks_for_it(
    client: DICOMwebClient,
    stowed: list,  # type: ignore[type-arg]
) -> None:
    body = client.retrieve_series_rendered(STUDY_UID, SERIES_UID, params={"viewport": "8,8"})

    # The client hands back the body alone; its first line names the boundary.
    boundary = body.split(b"\r\n", 1)[0][2:].decode()
    received = multipart_parts(f"multipart/related; boundary={boundary}", body)
    images = [Image.open(io.BytesIO(content)) for _, content in received]
    assert [(i.format, i.size) for i in images] == [("JPEG", (8, 8))] * len(stowed)
    # A single-part media type cannot carry a series of three: the client sends it as asked.
    with pytest.raises(requests.HTTPError) as refused:
        client.retrieve_series_rendered(STUDY_UID, SERIES_UID, media_types=("image/png",))
    assert refused.value.response is not None
    assert refused.value.response.status_code == 406
