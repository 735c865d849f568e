"""Which kind of MR sequence one series is, and how sure: the classification rules.

Each series is judged on two kinds of evidence that vendors write differently but always write:

- its name (SeriesDescription, ProtocolName): "T1 AX +C", "AX T1 BRAVO +C", "T1W_3D_TFE +C",
  "MPRAGE POST GD", "AX T2 FLAIR", "t2_tirm_tra_dark-fluid", "T2W_TSE_TRA"...
- its physics: contrast agent given (ContrastBolusAgent / ContrastBolusVolume), inversion
  recovery (ScanningSequence IR, InversionTime) and timing (RepetitionTime, EchoTime).

Names are what technologists chose and physics is what the scanner did; when both speak and
agree the verdict is strong, when they disagree the physics wins and the reason says so.
Localizers, derived images, other modalities and non-structural sequences are ignored.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from workers.geometry.errors import MULTI_FRAME
from workers.sequences.attributes import SeriesAttributes


class SequenceKind(StrEnum):
    T1 = "T1"
    T1C = "T1c"
    T2 = "T2"
    FLAIR = "FLAIR"
    UNKNOWN = "unknown"


# Timing thresholds (ms). T1 weighting needs a short TE; T2 weighting a long TE at long TR.
# FLAIR nulls CSF at TI ~1500-2800 ms (field dependent) with TR of several seconds; an IR
# prepared T1 (MPRAGE, BRAVO, TFE) inverts at 400-1300 ms.
_T1_MAX_TE = 30.0
_T1_MAX_TR_SPIN_ECHO = 1000.0
_T2_MIN_TE = 80.0
_T2_MIN_TR = 2000.0
_FLAIR_TI = (1500.0, 2800.0)
_FLAIR_MIN_TR = 4000.0
_T1_IR_MAX_TI = 1300.0
# Fewer images than this is a localizer or a single test slice, never a diagnostic series.
_MIN_IMAGES = 5

_IGNORED_NAMES = re.compile(
    r"\b(LOC|LOCALI[SZ]ER|SCOUT|SURVEY|3PL|AAHEAD|ADC|TRACE|DWI|DTI|EADC|FA|SWI|SWAN|SWIP|"
    r"PERF|PERFUSION|DSC|DCE|ASL|PCASL|TOF|MRA|MRV|SPECT|SVS|CSI|MIP|MPR|SUB|SUBTRACTION|"
    r"T2STAR|HEMO|PHASE|PHA|MAP|MAPS|REFORMAT)\b"
)
_FLAIR_NAMES = re.compile(r"\b(FLAIR|TIRM|DARK ?FLUID|DARKFLUID)\b")
_T1_NAMES = re.compile(
    r"\b(T1|T1W|T1WI|MPRAGE|MP ?RAGE|BRAVO|SPGR|FSPGR|TFE|VIBE|FFE|MEMPRAGE|IRFSPGR)\b"
)
_T2_NAMES = re.compile(r"\b(T2|T2W|T2WI)\b")
_CONTRAST_NAMES = re.compile(
    r"(\+ ?C\b|\bC\+|\+ ?GD\b|\+ ?GAD\b|\bGD\b|\bGAD\b|\bGADO\w*|\bPOST\b|\bCE\b|\bCONTRAST\b|"
    r"\bKM\b|\+ ?KM\b|\bPOSTCONTRAST\b|\bPOSTGD\b)"
)
_NO_CONTRAST_NAMES = re.compile(r"\b(PRE|PRECONTRAST|NATIVE?|NATIV|WITHOUT|NON ?CONTRAST)\b")
_NO_AGENT = {"", "NONE", "NO", "N/A", "NA", "0"}


def _norm(text: str) -> str:
    """Upper case with separators as spaces: 'T1W_3D_TFE +C' -> 'T1W 3D TFE +C'."""
    upper = text.upper().replace("T2*", "T2STAR")
    return re.sub(r"[_\-/(),.:;]+", " ", upper).strip()


@dataclass(frozen=True)
class SeriesVerdict:
    """How one series was judged: a kind, how sure (0 ignored .. 3 name and physics), why."""

    series_instance_uid: str
    kind: SequenceKind
    strength: int
    reason: str
    is_3d: bool = False
    num_images: int = 0
    series_number: int = 0

    def rank(self) -> tuple[int, bool, int, int]:
        return (self.strength, self.is_3d, self.num_images, self.series_number)


def _name_kind(name: str) -> SequenceKind | None:
    if _FLAIR_NAMES.search(name):
        # GE's "T1 FLAIR" is an inversion-prepared T1, not a dark-fluid T2.
        return SequenceKind.T1 if re.search(r"\bT1", name) else SequenceKind.FLAIR
    if _T2_NAMES.search(name):
        return SequenceKind.T2
    if _T1_NAMES.search(name):
        return SequenceKind.T1
    return None


def _physics_kind(s: SeriesAttributes) -> tuple[SequenceKind | None, str]:
    tr, te, ti = s.repetition_time, s.echo_time, s.inversion_time
    inversion = "IR" in s.scanning_sequence or (ti is not None and ti > 0)
    if te is None:
        return None, "no echo time"
    timing = f"TR {tr:g} ms, TE {te:g} ms" if tr is not None else f"TE {te:g} ms"
    if inversion and ti is not None:
        timing += f", TI {ti:g} ms"
    if inversion and ti is not None and _FLAIR_TI[0] <= ti <= _FLAIR_TI[1]:
        if tr is not None and tr >= _FLAIR_MIN_TR and te >= _T2_MIN_TE * 0.75:
            return SequenceKind.FLAIR, f"inversion recovery: {timing}"
    if te <= _T1_MAX_TE:
        if inversion and ti is not None and ti <= _T1_IR_MAX_TI:
            return SequenceKind.T1, f"inversion-prepared T1: {timing}"
        if tr is not None and tr < _T1_MAX_TR_SPIN_ECHO:
            return SequenceKind.T1, f"short TR and TE: {timing}"
        return None, timing
    if te >= _T2_MIN_TE and tr is not None and tr >= _T2_MIN_TR and not inversion:
        return SequenceKind.T2, f"long TR and TE: {timing}"
    return None, timing


def _contrast(s: SeriesAttributes, name: str) -> tuple[bool, str]:
    agent = s.contrast_agent.strip()
    if agent.upper() not in _NO_AGENT:
        return True, f"contrast agent {agent}"
    if s.contrast_volume:
        return True, f"contrast volume {s.contrast_volume:g} ml"
    if _NO_CONTRAST_NAMES.search(name):
        return False, ""
    if _CONTRAST_NAMES.search(name):
        return True, "named as post-contrast"
    return False, ""


def _ignored(s: SeriesAttributes, name: str) -> str:
    if s.modality and s.modality != "MR":
        return f"{s.modality}, not MR"
    if s.image_type[:1] == ("DERIVED",) or "LOCALIZER" in s.image_type:
        return "derived or localizer images"
    if _IGNORED_NAMES.search(name):
        return "not one of the four structural sequences"
    if s.frames > 1:
        return MULTI_FRAME.format(frames=s.frames)
    if s.num_images < _MIN_IMAGES:
        return f"only {s.num_images} image(s)"
    return ""


def series_classify(s: SeriesAttributes) -> SeriesVerdict:
    name = _norm(s.name)
    label = f"'{s.name}'" if s.name else "unnamed series"

    def verdict(kind: SequenceKind, strength: int, reason: str) -> SeriesVerdict:
        return SeriesVerdict(
            series_instance_uid=s.series_instance_uid,
            kind=kind,
            strength=strength,
            reason=f"{label}: {reason}",
            is_3d=s.acquisition_type == "3D",
            num_images=s.num_images,
            series_number=s.series_number or 0,
        )

    why_ignored = _ignored(s, name)
    if why_ignored:
        return verdict(SequenceKind.UNKNOWN, 0, f"ignored ({why_ignored})")
    by_name = _name_kind(name)
    by_physics, timing = _physics_kind(s)
    if by_name and by_physics and by_name != by_physics:
        kind, strength = by_physics, 1
        reason = f"named like {by_name.value}, but timing says {by_physics.value} ({timing})"
    elif by_name and by_physics:
        kind, strength, reason = by_name, 3, f"name and timing agree ({timing})"
    elif by_name:
        kind, strength, reason = by_name, 2, f"by name only ({timing})"
    elif by_physics:
        kind, strength, reason = by_physics, 1, timing
    else:
        return verdict(SequenceKind.UNKNOWN, 0, f"not recognised ({timing})")
    if kind == SequenceKind.T1:
        post, why = _contrast(s, name)
        if post:
            return verdict(SequenceKind.T1C, strength, f"{reason}; {why}")
    return verdict(kind, strength, reason)
