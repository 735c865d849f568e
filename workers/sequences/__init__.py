"""Which MR series of a study is the T1, T1c, T2 and FLAIR a brain-tumour model needs.

Django-free: the site runs it on the archive index (one representative instance per series, as
DICOM JSON) and the gpu worker may run it on datasets it fetched. Each series is judged on two
kinds of evidence that vendors write differently but always write:

- its name (SeriesDescription, ProtocolName): "T1 AX +C", "AX T1 BRAVO +C", "T1W_3D_TFE +C",
  "MPRAGE POST GD", "AX T2 FLAIR", "t2_tirm_tra_dark-fluid", "T2W_TSE_TRA"...
- its physics: contrast agent given (ContrastBolusAgent / ContrastBolusVolume), inversion
  recovery (ScanningSequence IR, InversionTime) and timing (RepetitionTime, EchoTime).

Names are what technologists chose and physics is what the scanner did; when both speak and
agree the choice is strong, when they disagree the physics wins and the reason says so. Several
candidates for one sequence: the strongest evidence, then a 3D acquisition, then the most
images, then the later series. Every choice carries a short reason shown to users.

``attributes`` reads what is judged from a dataset or DICOM JSON, ``classification`` judges one
series, ``mapping`` chooses a series for each required sequence.
"""

from workers.sequences.attributes import SeriesAttributes
from workers.sequences.classification import SequenceKind, SeriesVerdict, series_classify
from workers.sequences.mapping import (
    REQUIRED,
    SequenceChoice,
    SequenceMapping,
    sequences_identify,
)

__all__ = [
    "REQUIRED",
    "SequenceChoice",
    "SequenceKind",
    "SequenceMapping",
    "SeriesAttributes",
    "SeriesVerdict",
    "sequences_identify",
    "series_classify",
]
