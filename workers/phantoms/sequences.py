"""The four MR sequences of a brain-tumour study and how each is acquired."""

from dataclasses import dataclass
from enum import StrEnum


class Sequence(StrEnum):
    """The BraTS channels; the value names the study's ``dicom/<SEQ>`` folder."""

    T1 = "T1"
    T1C = "T1C"
    T2 = "T2"
    FLAIR = "FLAIR"


@dataclass(frozen=True)
class SeriesProtocol:
    """The acquisition attributes a scanner writes into every image of a series."""

    description: str
    series_number: int
    scanning_sequence: tuple[str, ...]
    sequence_variant: tuple[str, ...]
    scan_options: tuple[str, ...]
    acquisition_type: str  # "2D" or "3D" (MRAcquisitionType)
    repetition_time: float  # ms
    echo_time: float  # ms
    inversion_time: float | None  # ms, only for inversion-prepared sequences
    flip_angle: float  # degrees
    echo_train_length: int
    sequence_name: str
    contrast: bool  # acquired after gadolinium


@dataclass(frozen=True)
class Protocols:
    t1: SeriesProtocol
    t1c: SeriesProtocol
    t2: SeriesProtocol
    flair: SeriesProtocol

    def of(self, sequence: Sequence) -> SeriesProtocol:
        return {
            Sequence.T1: self.t1,
            Sequence.T1C: self.t1c,
            Sequence.T2: self.t2,
            Sequence.FLAIR: self.flair,
        }[sequence]


def siemens_3t(*, t1c_description: str = "T1 MPRAGE POST GD") -> Protocols:
    """A Siemens 3 T brain-tumour protocol: 2D SE T1, 3D MPRAGE after gadolinium, TSE, FLAIR."""
    return Protocols(
        t1=SeriesProtocol("T1 AX SE", 3, ("SE",), ("SK", "SP"), (), "2D",
                          600.0, 9.1, None, 90.0, 1, "*se2d1", False),
        t1c=SeriesProtocol(t1c_description, 7, ("GR", "IR"), ("SK", "SP", "MP"), (), "3D",
                           2300.0, 2.32, 900.0, 8.0, 1, "*tfl3d1_16ns", True),
        t2=SeriesProtocol("T2 AX TSE", 4, ("SE",), ("SK", "SP", "OSP"), (), "2D",
                          5000.0, 95.0, None, 150.0, 15, "*tse2d1_15", False),
        flair=SeriesProtocol("AX FLAIR", 5, ("SE", "IR"), ("SK", "SP", "MP"), (), "2D",
                             9000.0, 81.0, 2500.0, 150.0, 16, "*tir2d1_16", False),
    )


def ge_3t() -> Protocols:
    """A GE 3 T protocol: the post-contrast 3D is an IR-prepared fast SPGR (BRAVO)."""
    return Protocols(
        t1=SeriesProtocol("AX T1 SE", 2, ("SE",), ("SK",), (), "2D",
                          550.0, 10.0, None, 90.0, 1, "", False),
        t1c=SeriesProtocol("AX T1 BRAVO +C", 9, ("GR", "IR"), ("SK", "SS", "MP"), (), "3D",
                           8.2, 3.2, 450.0, 12.0, 1, "efgre3d", True),
        t2=SeriesProtocol("AX T2 FSE", 3, ("SE",), ("SK", "OSP"), (), "2D",
                          4800.0, 102.0, None, 111.0, 18, "fse", False),
        flair=SeriesProtocol("AX T2 FLAIR", 4, ("SE", "IR"), ("SK", "OSP", "MP"), (), "2D",
                             9500.0, 118.0, 2400.0, 160.0, 24, "fse-ir", False),
    )


def philips_15t() -> Protocols:
    """A Philips 1.5 T protocol: 3D T1 TFE after gadolinium, longer T1 for the lower field."""
    return Protocols(
        t1=SeriesProtocol("T1W_SE_TRA", 301, ("SE",), ("SK",), (), "2D",
                          500.0, 12.0, None, 90.0, 1, "", False),
        t1c=SeriesProtocol("T1W_3D_TFE +C", 801, ("GR", "IR"), ("SK", "MP"), (), "3D",
                           8.1, 3.7, 1100.0, 8.0, 1, "", True),
        t2=SeriesProtocol("T2W_TSE_TRA", 401, ("SE",), ("SK",), (), "2D",
                          4200.0, 100.0, None, 90.0, 16, "", False),
        flair=SeriesProtocol("T2W_FLAIR_TRA", 501, ("SE", "IR"), ("SK", "MP"), (), "2D",
                             8000.0, 120.0, 2200.0, 90.0, 20, "", False),
    )
