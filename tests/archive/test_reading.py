"""Ingest's reader gives what pydicom's ``dcmread`` gives, over pydicom's corpus of vendor files
and the bench's MR slices: the same elements, raw as read and deferred alike, the same file
meta group and encoding, and the same refusal where dcmread refuses."""

import io
import warnings
from pathlib import Path
from typing import Any

import pydicom.data
import pytest
from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from assist_web.archive.reading import DEFER_BYTES, read_part10
from tests.dicom_files import mr_slice, to_bytes

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _read(read: Any, data: bytes) -> tuple[Dataset | None, type[BaseException] | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read(data), None
        except Exception as exc:  # noqa: BLE001 - the failure itself is compared
            return None, type(exc)


def _dcmread(data: bytes) -> Dataset:
    ds = dcmread(io.BytesIO(data), force=False, defer_size=DEFER_BYTES)
    if ds.file_meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian:
        return dcmread(io.BytesIO(data), force=False)  # deferred offsets are not into ``data``
    return ds


def _raw(ds: Dataset) -> dict[int, Any]:
    """Each element as read: raw ones with their bytes, offsets and encoding."""
    return {
        int(tag): (elem.VR, elem.length, elem.value, elem.value_tell, elem.is_implicit_VR)
        if isinstance(elem, RawDataElement)
        else repr(elem)
        for tag, elem in ds._dict.items()
    }


def _assert_same(mine: Dataset, expected: Dataset) -> None:
    assert type(mine) is type(expected)
    assert _raw(mine) == _raw(expected)
    assert mine.original_encoding == expected.original_encoding
    assert mine.original_character_set == expected.original_character_set
    assert mine.preamble == expected.preamble
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mine.file_meta == expected.file_meta
        assert mine == expected  # every value converted, deferred ones read back


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_vendor_file_reads_as_dcmread_reads_it(path: Path) -> None:
    data = path.read_bytes()
    mine, mine_error = _read(read_part10, data)
    expected, expected_error = _read(_dcmread, data)

    assert mine_error == expected_error
    if expected is not None:
        assert mine is not None
        _assert_same(mine, expected)


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
def test_an_mr_slice_reads_as_dcmread_reads_it(syntax: UID) -> None:
    ds = mr_slice(rows=128, columns=128)  # pixel data larger than DEFER_BYTES
    ds.file_meta.TransferSyntaxUID = syntax
    data = to_bytes(ds)

    mine = read_part10(data)

    assert mine._dict[BaseTag(0x7FE00010)].value is None  # the pixel data left in the bytes
    _assert_same(mine, _dcmread(data))
    assert mine.PixelData == ds.PixelData
