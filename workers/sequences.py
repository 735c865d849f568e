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
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset

from workers.geometry.errors import MULTI_FRAME


class SequenceKind(StrEnum):
    T1 = "T1"
    T1C = "T1c"
    T2 = "T2"
    FLAIR = "FLAIR"
    UNKNOWN = "unknown"


REQUIRED: tuple[SequenceKind, ...] = (
    SequenceKind.T1,
    SequenceKind.T1C,
    SequenceKind.T2,
    SequenceKind.FLAIR,
)

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
class SeriesAttributes:
    """What identification reads from one representative image of a series."""

    series_instance_uid: str
    modality: str = "MR"
    description: str = ""
    protocol_name: str = ""
    series_number: int | None = None
    image_type: tuple[str, ...] = ()
    scanning_sequence: tuple[str, ...] = ()
    sequence_variant: tuple[str, ...] = ()
    acquisition_type: str = ""  # MRAcquisitionType: 2D or 3D
    repetition_time: float | None = None
    echo_time: float | None = None
    inversion_time: float | None = None
    contrast_agent: str = ""
    contrast_volume: float | None = None
    num_images: int = 1
    frames: int = 1  # NumberOfFrames of the image read: above 1, an enhanced (multi-frame) MR

    @classmethod
    def from_dataset(cls, ds: Dataset, *, num_images: int = 1) -> "SeriesAttributes":
        return cls._build(lambda keyword: _values(ds.get(keyword)), num_images)

    @classmethod
    def from_dicom_json(cls, body: Mapping[str, Any], *, num_images: int = 1) -> "SeriesAttributes":
        """From DICOM JSON (PS3.18 F.2) as the archive index and WADO-RS metadata hold it."""

        def read(keyword: str) -> list[Any]:
            element = body.get(f"{tag_for_keyword(keyword):08X}") or {}
            return list(element.get("Value") or [])

        return cls._build(read, num_images)

    @classmethod
    def _build(cls, read: Any, num_images: int) -> "SeriesAttributes":
        def text(keyword: str) -> str:
            values = read(keyword)
            return str(values[0]).strip() if values else ""

        def texts(keyword: str) -> tuple[str, ...]:
            return tuple(str(v).strip().upper() for v in read(keyword) if str(v).strip())

        def number(keyword: str) -> float | None:
            values = read(keyword)
            try:
                value = float(values[0]) if values and values[0] not in (None, "") else None
            except (TypeError, ValueError):
                return None
            return value if value is not None and math.isfinite(value) else None  # not NaN

        series_number = number("SeriesNumber")
        return cls(
            series_instance_uid=text("SeriesInstanceUID"),
            modality=text("Modality").upper(),
            description=text("SeriesDescription"),
            protocol_name=text("ProtocolName"),
            series_number=int(series_number) if series_number is not None else None,
            image_type=texts("ImageType"),
            scanning_sequence=texts("ScanningSequence"),
            sequence_variant=texts("SequenceVariant"),
            acquisition_type=text("MRAcquisitionType").upper(),
            repetition_time=number("RepetitionTime"),
            echo_time=number("EchoTime"),
            inversion_time=number("InversionTime"),
            contrast_agent=text("ContrastBolusAgent"),
            contrast_volume=number("ContrastBolusVolume"),
            num_images=num_images,
            frames=int(number("NumberOfFrames") or 1),
        )

    @property
    def name(self) -> str:
        return self.description or self.protocol_name


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | int | float):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


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


@dataclass(frozen=True)
class SequenceChoice:
    series_instance_uid: str
    reason: str


@dataclass(frozen=True)
class SequenceMapping:
    chosen: dict[SequenceKind, SequenceChoice]
    verdicts: list[SeriesVerdict] = field(default_factory=list)

    @property
    def missing(self) -> list[SequenceKind]:
        return [kind for kind in REQUIRED if kind not in self.chosen]

    def series_uids(self) -> dict[str, str]:
        return {kind.value: choice.series_instance_uid for kind, choice in self.chosen.items()}


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


def sequences_identify(series: Iterable[SeriesAttributes]) -> SequenceMapping:
    """The best series for each of T1, T1c, T2 and FLAIR; the ones not found are missing."""
    verdicts = [series_classify(s) for s in series]
    chosen: dict[SequenceKind, SequenceChoice] = {}
    for kind in REQUIRED:
        candidates = sorted(
            (v for v in verdicts if v.kind == kind), key=SeriesVerdict.rank, reverse=True
        )
        if not candidates:
            continue
        best = candidates[0]
        reason = best.reason
        if len(candidates) > 1:
            reason += f" (best of {len(candidates)} candidates"
            reason += ", 3D)" if best.is_3d else f", {best.num_images} images)"
        chosen[kind] = SequenceChoice(series_instance_uid=best.series_instance_uid, reason=reason)
    return SequenceMapping(chosen=chosen, verdicts=verdicts)
