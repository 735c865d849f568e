"""Ingest's plain reader (``scanning.py``) gives what pydicom's reader gives, or steps aside.

Wherever ``Header.scanned`` answers, its DICOM JSON, file meta values, pixel data size and the
values the index reads must equal those of a header made from pydicom's reading of the same
bytes: over pydicom's corpus of vendor files, over hand-made sequences in every length encoding,
and over files cut or damaged at random places. The common files must be covered, or the fast
path would silently be the slow one.
"""

import json
import random
import warnings
from pathlib import Path

import pydicom.data
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit

from assist_web.archive.header import Header
from assist_web.archive.parsing import parse_part10
from assist_web.archive.reading import read_part10
from assist_web.archive.refusals import DicomRejected
from tests.archive.test_dicomjson import INDEXED
from tests.dicom_files import mr_slice, to_bytes

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())
# Vendor files the plain reader must read itself: CT and MR slices, explicit and implicit VR,
# nested sequences (RT plan and dose, SEG, SR), encapsulated (compressed) pixel data, DICOMDIR.
MUST_COVER = [
    "MR_small.dcm",
    "CT_small.dcm",
    "rtplan.dcm",
    "rtdose.dcm",
    "liver_1frame.dcm",
    "reportsi.dcm",
    "JPEG2000.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "dicomdirtests/DICOMDIR-implicit",
]


def _pydicom_header(data: bytes) -> Header:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Header.of(read_part10(data), data=data)


def _assert_same(scanned: Header, expected: Header) -> None:
    assert json.dumps(scanned.body, sort_keys=True) == json.dumps(expected.body, sort_keys=True)
    assert scanned.bulk == expected.bulk
    assert scanned.transfer_syntax_uid == expected.transfer_syntax_uid
    assert scanned.media_sop_class_uid == expected.media_sop_class_uid
    assert scanned.pixel_data_size() == expected.pixel_data_size()
    for keyword in INDEXED:
        assert scanned.text(keyword) == expected.text(keyword), keyword
        assert scanned.get(keyword) == expected.get(keyword), keyword


def _check(data: bytes) -> Header | None:
    """The scanned header, checked against pydicom's; None where the scanner stepped aside."""
    scanned = Header.scanned(data)
    if scanned is not None:
        _assert_same(scanned, _pydicom_header(data))
    return scanned


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_a_vendor_file_scans_as_pydicom_reads_it(path: Path) -> None:
    _check(path.read_bytes())


@pytest.mark.parametrize("name", MUST_COVER)
def test_common_vendor_files_are_read_without_pydicoms_reader(name: str) -> None:
    assert _check((CORPUS / name).read_bytes()) is not None


def test_most_of_the_corpus_is_covered() -> None:
    covered = sum(Header.scanned(p.read_bytes()) is not None for p in FILES)
    assert covered >= 0.6 * len(FILES)


def _with_sequences(undefined: bool, syntax: str) -> bytes:
    ds = mr_slice(rows=128, columns=128)  # pixel data above the deferral size
    ds.file_meta.TransferSyntaxUID = syntax
    inner = Dataset()
    inner.CodeValue, inner.CodingSchemeDesignator, inner.CodeMeaning = "T-A0100", "SRT", "Brain"
    item = Dataset()
    item.ReferencedSOPClassUID = ds.SOPClassUID
    item.ReferencedSOPInstanceUID = "1.2.3.4"
    item.AnatomicRegionSequence = Sequence([inner])
    empty_item = Dataset()
    ds.ReferencedImageSequence = Sequence([item, empty_item])
    ds.ProcedureCodeSequence = Sequence([])
    for sequence in (ds.ReferencedImageSequence, item.AnatomicRegionSequence):
        sequence.is_undefined_length = undefined
        for each in sequence:
            each.is_undefined_length_sequence_item = undefined
    return to_bytes(ds)


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
@pytest.mark.parametrize("undefined", [False, True], ids=["defined", "undefined"])
def test_nested_sequences_in_either_length_encoding(undefined: bool, syntax: str) -> None:
    data = _with_sequences(undefined, syntax)
    header = _check(data)
    assert header is not None
    items = header.body["00081140"]["Value"]  # type: ignore[index]
    assert items[0]["00082218"]["Value"][0]["00080104"]["Value"] == ["Brain"]
    assert items[1] == {}
    assert header.body["00081032"] == {"vr": "SQ", "Value": []}  # type: ignore[index]


def test_encapsulated_pixel_data_is_measured_to_its_delimiter() -> None:
    ds = mr_slice(rows=64, columns=64)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([b"\xff\xd8" + bytes(9000) + b"\xff\xd9"] * 3)
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    header = _check(to_bytes(ds))
    assert header is not None
    assert header.pixel_data_size() == len(ds.PixelData)


def test_truncated_pixel_data_is_refused_as_before() -> None:
    data = to_bytes(mr_slice(rows=128, columns=128))[:-5000]
    header = _check(data)
    assert header is not None
    with pytest.raises(DicomRejected, match="truncated"):
        parse_part10(data)


@pytest.mark.parametrize("undefined", [False, True], ids=["defined", "undefined"])
def test_a_file_cut_anywhere_scans_as_pydicom_reads_it_or_not_at_all(undefined: bool) -> None:
    data = _with_sequences(undefined, ExplicitVRLittleEndian)
    header_end = len(data) - 128 * 128 * 2
    for cut in range(132, header_end + 16):
        try:
            _pydicom_header(data[:cut])
        except Exception:  # noqa: BLE001 - pydicom refuses: the scanner must not answer
            assert Header.scanned(data[:cut]) is None, cut
            continue
        _check(data[:cut])


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
def test_damaged_bytes_scan_as_pydicom_reads_them_or_not_at_all(syntax: str) -> None:
    original = _with_sequences(True, syntax)
    header_end = len(original) - 128 * 128 * 2
    rng = random.Random(7)
    for _ in range(400):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(132, header_end)] = rng.randrange(256)
        try:
            expected = _pydicom_header(bytes(data))
        except Exception:  # noqa: BLE001 - pydicom refuses: the scanner must not answer
            assert Header.scanned(bytes(data)) is None
            continue
        scanned = Header.scanned(bytes(data))
        if scanned is not None and expected.body is not None:
            _assert_same(scanned, expected)
        elif scanned is not None:
            pytest.fail("scanned a file whose values pydicom cannot convert")
