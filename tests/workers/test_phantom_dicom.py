"""The files are valid Part 10 MR images with the attributes a planning system reads."""

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

from workers.phantoms import Phantom, PhantomFiles, Sequence

DCIODVFY = shutil.which("dciodvfy")


def test_every_file_is_readable_explicit_little_endian_mr(small_study: PhantomFiles,
                                                         small_phantom: Phantom) -> None:
    for sequence, paths in small_study.series.items():
        for path in paths:
            ds = pydicom.dcmread(path)
            assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
            assert ds.file_meta.MediaStorageSOPClassUID == MRImageStorage == ds.SOPClassUID
            assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
            assert ds.Modality == "MR" and ds.PhotometricInterpretation == "MONOCHROME2"
            assert (ds.BitsAllocated, ds.PixelRepresentation) == (16, 0)
            k = int(ds.InstanceNumber) - 1
            assert (ds.pixel_array == small_phantom.series[sequence].pixels[k]).all()


def test_sequence_attributes_tell_the_four_series_apart(small_study: PhantomFiles) -> None:
    first = {s: pydicom.dcmread(small_study.series[s][0]) for s in Sequence}
    t1, t1c, t2, flair = (first[s] for s in Sequence)
    assert "ContrastBolusAgent" in t1c and t1c.ContrastBolusAgent
    assert all("ContrastBolusAgent" not in ds for ds in (t1, t2, flair))
    assert t1c.MRAcquisitionType == "3D" and t1.MRAcquisitionType == "2D"
    assert "IR" in flair.ScanningSequence and float(flair.InversionTime) > 1500
    assert float(t2.EchoTime) > 60 > float(t1.EchoTime)
    assert float(t2.RepetitionTime) > 2000 > float(t1.RepetitionTime)
    assert [ds.SeriesDescription for ds in (t1, t1c, t2, flair)] == [
        "T1 AX SE", "T1 AX +C", "T2 AX TSE", "AX FLAIR",
    ]
    for ds in first.values():
        assert ds.Manufacturer == "SIEMENS" and float(ds.MagneticFieldStrength) == 3.0
        assert ds.PatientName.family_name.startswith("PHANTOM")
        assert float(ds.WindowWidth) > 0


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy (Debian dicom3tools) not installed")
@pytest.mark.parametrize("sequence", list(Sequence))
def test_dciodvfy_finds_no_errors(small_study: PhantomFiles, sequence: Sequence) -> None:
    path: Path = small_study.series[sequence][len(small_study.series[sequence]) // 2]
    result = subprocess.run([str(DCIODVFY), str(path)], capture_output=True, text=True,
                            timeout=60, check=False)
    report = (result.stdout + result.stderr).splitlines()
    assert [line for line in report if line.startswith("Error")] == [], report
