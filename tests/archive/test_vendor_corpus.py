"""pydicom's bundled test files as a corpus of real vendor objects.

Every Part 10 file that is valid goes in and comes back byte-exact over WADO-RS; every broken
one is refused with a reason and leaves nothing behind.
"""

from pathlib import Path

import pydicom.data
import pytest
from pydicom import dcmread
from pydicom.uid import UID
from rest_framework.test import APIClient

from assist_web.archive.ingest import Outcome, instance_ingest
from assist_web.archive.models import Instance, Study
from tests.multipart import multipart_parts

pytestmark = pytest.mark.django_db
CORPUS = Path(pydicom.data.__file__).parent / "test_files"

# Broken on purpose in pydicom's corpus, with the reason the archive must give.
BROKEN = {
    "MR_truncated.dcm": "pixel data is truncated",
    "badVR.dcm": "no valid Rows, Columns or Bits Allocated",
    "meta_missing_tsyntax.dcm": "no valid Transfer Syntax UID",
    "empty_charset_LEI.dcm": "no SOPClassUID",
    "nested_priv_SQ.dcm": "no SOPClassUID",
    "no_meta_group_length.dcm": "no SOPClassUID",
    "priv_SQ.dcm": "no SOPClassUID",
    "UN_sequence.dcm": "no SOPClassUID",
    # JPEG-LS samples written without the study-level UIDs.
    "JPEGLSNearLossless_08.dcm": "no StudyInstanceUID",
    "JPEGLSNearLossless_16.dcm": "no StudyInstanceUID",
    "SC_rgb_jls_lossy_line.dcm": "no StudyInstanceUID",
    "SC_rgb_jls_lossy_sample.dcm": "no StudyInstanceUID",
}


def _is_part10(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(132)[128:132] == b"DICM"


PART10 = sorted(p for p in CORPUS.rglob("*") if p.is_file() and _is_part10(p))
OTHER = sorted(p for p in CORPUS.rglob("*") if p.is_file() and not _is_part10(p))


def _image_without_pixels(path: Path) -> bool:
    ds = dcmread(path)
    return "PixelData" not in ds and "Image Storage" in UID(str(ds.get("SOPClassUID", ""))).name


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_the_corpus_is_the_one_expected() -> None:
    assert len(PART10) > 100
    assert {p.name for p in PART10} >= set(BROKEN)


@pytest.mark.parametrize("path", PART10, ids=_name)
def test_a_part10_vendor_file_is_stored_byte_exact_or_refused_cleanly(
    api: APIClient, path: Path, data_dir: Path
) -> None:
    data = path.read_bytes()

    result = instance_ingest(data=data)

    dicomdir_index = path.name.startswith("DICOMDIR")
    no_pixels = not dicomdir_index and _image_without_pixels(path)
    if path.name in BROKEN or dicomdir_index or no_pixels:
        expected = BROKEN.get(path.name) or ("DICOMDIR" if dicomdir_index else "no pixel data")
        assert result.outcome == Outcome.REFUSED
        assert expected in result.reason
        assert not Study.objects.exists()
        assert [f for f in (data_dir / "dicom").rglob("*") if f.is_file()] == []
        return
    assert result.outcome == Outcome.STORED, result.reason
    instance = Instance.objects.get()
    url = (
        f"/dicomweb/studies/{result.study_instance_uid}/series/{result.series_instance_uid}"
        f"/instances/{result.sop_instance_uid}"
    )
    response = api.get(url, HTTP_ACCEPT='multipart/related; type="application/dicom"')
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    [(headers, payload)] = multipart_parts(response["Content-Type"], body)
    assert headers["content-type"].startswith("application/dicom")
    assert payload == data
    assert instance.size == len(data)


@pytest.mark.parametrize("path", OTHER, ids=_name)
def test_a_file_that_is_not_part10_is_refused_with_a_reason(path: Path, data_dir: Path) -> None:
    result = instance_ingest(data=path.read_bytes())

    assert result.outcome == Outcome.REFUSED
    assert result.reason.startswith(("Not a DICOM", "The DICOM file is damaged"))
    assert not Study.objects.exists()
