"""The archive's own DICOM JSON encoder gives pydicom's ``to_json_dict``, element for element.

Checked over pydicom's whole corpus of vendor files, a phantom study, and hand-made elements
of every VR whose values sit on the edges of pydicom's conversions (padding, backslashes,
empty values, signs and exponents, non-ASCII text), in explicit and implicit VR.
"""

import io
import json
import random
from pathlib import Path
from typing import Any

import pydicom.data
import pytest
from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.tag import Tag

from assist_web.archive.dicomjson import dataset_json
from assist_web.archive.header import Header
from assist_web.archive.reading import DEFER_BYTES, read_part10
from workers.phantoms.phantom import make_phantom
from workers.phantoms.study import write_phantom_study

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _pydicom_json(ds: Dataset) -> tuple[str | None, type[BaseException] | None]:
    try:
        body = ds.to_json_dict(
            bulk_data_threshold=1024, bulk_data_element_handler=lambda e: f"{e.tag:08X}"
        )
    except Exception as exc:  # noqa: BLE001 - the failure itself is compared
        return None, type(exc)
    # As text: NaN values make equal dicts compare unequal.
    return json.dumps(body, sort_keys=True), None


def _own_json(ds: Dataset) -> tuple[str | None, type[BaseException] | None]:
    bulk: list[dict[str, Any]] = []
    try:
        body = dataset_json(ds, bulk)
    except Exception as exc:  # noqa: BLE001
        return None, type(exc)
    assert all("BulkDataURI" in entry for entry in bulk)
    return json.dumps(body, sort_keys=True), None


def _read_twice(data: bytes) -> tuple[Dataset, Dataset] | None:
    """The file read whole by pydicom, and read as ingest reads it (large values deferred);
    files without a Part 10 header too, to try the encoder on more kinds of data."""
    try:
        whole = dcmread(io.BytesIO(data), force=True)
    except Exception:  # noqa: BLE001 - files pydicom cannot read are refused before JSON
        return None
    try:
        return whole, read_part10(data)
    except InvalidDicomError:
        return whole, dcmread(io.BytesIO(data), force=True, defer_size=DEFER_BYTES)
    except Exception:  # noqa: BLE001 - files pydicom cannot read are refused before JSON
        return None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_vendor_file_json_is_pydicoms(path: Path) -> None:
    pair = _read_twice(path.read_bytes())
    if pair is None:
        return
    expected, mine = pair
    assert _own_json(mine) == _pydicom_json(expected)


# The attributes ingest reads from a Header; each must give what pydicom's ds.get gives.
INDEXED = (
    "SOPClassUID SOPInstanceUID StudyInstanceUID SeriesInstanceUID PatientID IssuerOfPatientID "
    "PatientName PatientBirthDate PatientSex StudyDate StudyTime AccessionNumber StudyID "
    "StudyDescription ReferringPhysicianName Modality SeriesNumber SeriesDescription "
    "BodyPartExamined FrameOfReferenceUID InstanceNumber Rows Columns NumberOfFrames "
    "SamplesPerPixel BitsAllocated PhotometricInterpretation"
).split()


def _as_int(value: object) -> object:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        return type(exc)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_vendor_file_header_values_are_pydicoms(path: Path) -> None:
    pair = _read_twice(path.read_bytes())
    if pair is None:
        return
    expected, mine = pair
    header = Header.of(mine, data=path.read_bytes())
    for keyword in INDEXED:
        try:
            value = expected.get(keyword, "")
        except Exception:  # noqa: BLE001, S112 - a value pydicom cannot convert
            continue
        got = header.get(keyword, "")
        assert header.text(keyword) == str(value or ""), keyword
        assert _as_int(got) == _as_int(value), keyword
        assert bool(got) == bool(value), keyword
    assert header.pixel_data_size() == (
        len(expected.PixelData) if "PixelData" in expected else None
    )


@pytest.fixture(scope="module")
def phantom_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    files = write_phantom_study(
        make_phantom(4, site="umea", grid="small"), tmp_path_factory.mktemp("phantom")
    )
    return [path for paths in files.series.values() for path in paths]


def test_phantom_study_json_is_pydicoms(phantom_files: list[Path]) -> None:
    assert len(phantom_files) > 100
    for path in phantom_files:
        pair = _read_twice(path.read_bytes())
        assert pair is not None
        expected, mine = pair
        own, error = _own_json(mine)
        assert error is None
        assert (own, error) == _pydicom_json(expected), path.name


# One public attribute per VR, to hold the hand-made values.
TAGS = {
    "AE": 0x00020016, "AS": 0x00101010, "AT": 0x00209165, "CS": 0x00080060, "DA": 0x00080020,
    "DS": 0x00180050, "DT": 0x0008002A, "FD": 0x00189089, "FL": 0x00189087, "IS": 0x00200013,
    "LO": 0x00100020, "LT": 0x00204000, "OB": 0x00420011, "OW": 0x00660023, "PN": 0x00100010,
    "SH": 0x00080050, "SL": 0x00186020, "SS": 0x00189219, "ST": 0x00080081, "TM": 0x00080030,
    "UC": 0x00080119, "UI": 0x00080018, "UL": 0x00081161, "UR": 0x00081190, "US": 0x00280010,
    "UT": 0x00400400,
}  # fmt: skip
EDGE_VALUES = [
    b"", b" ", b"\x00", b"\\", b" \\ ", b"A\\", b"\\B", b"1.2.3\x00", b" 1.2.3 ", b"1.2\\3.4 ",
    b"007\\+8 ", b" 12 \x00", b"-0", b"1.5\\2e3 \\ -.5", b"1.", b".5", b"1e400", b"nan", b"1,5",
    b"12345678901234567", b"Doe^Jane", b"Doe^Jane=", b"=Ideo", b"A=B=C", b"A=B=C=D", b"A\\\\B",
    b"Doe^Jane\\", b"Ren\xe9", b"\x1b$B", b"tab\there", b"ab\x00cd", b"x" * 800, b"\x01\x02\x03",
    bytes(range(256)) * 4,
]  # fmt: skip
_alphabet = [b" ", b"\\", b"\x00", b"=", b"^", b"1", b"2", b".", b"-", b"+", b"e", b"a", b"\t"]
_rng = random.Random(2026)
RANDOM_VALUES = [
    b"".join(_rng.choice(_alphabet) for _ in range(_rng.randint(1, 8))) for _ in range(150)
]


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
@pytest.mark.parametrize("vr", sorted(TAGS))
def test_edge_values_json_is_pydicoms(vr: str, implicit: bool) -> None:
    tag = Tag(TAGS[vr])
    for value in EDGE_VALUES + RANDOM_VALUES:
        datasets = []
        for _ in range(2):
            ds = Dataset()
            ds._dict[tag] = RawDataElement(
                tag, None if implicit else vr, len(value), value, 0, implicit, True
            )
            datasets.append(ds)
        assert _own_json(datasets[1]) == _pydicom_json(datasets[0]), value
