"""What each structure is, in the terms SEG and RTSTRUCT readers understand."""

from dataclasses import dataclass

from pydicom.sr.coding import Code


@dataclass(frozen=True)
class StructureSpec:
    """One structure: TG-263 name, display colour and coded meaning.

    ``category`` and ``type`` are the SEG Segmented Property Category and Type codes;
    ``interpreted_type`` is the RTSTRUCT RT ROI Interpreted Type (PS3.3 C.8.8.8).
    """

    name: str
    colour: tuple[int, int, int]
    category: Code
    type: Code
    interpreted_type: str


@dataclass(frozen=True)
class Algorithm:
    """The software that produced the structures: for AI contours, the model and its version."""

    name: str
    version: str


# Targets use the DICOM radiotherapy codes (CID 9580 category "RT Target", CID 9534 types),
# not "Neoplasm": a CTV or PTV is tumour plus a margin, not a morphological structure, and
# TPS importers of RT segmentations look for these codes.
_RT_TARGET = Code("130041", "DCM", "RT Target")
_ABNORMAL = Code("49755003", "SCT", "Morphologically Abnormal Structure")
_ANATOMY = Code("91723000", "SCT", "Anatomical Structure")

STRUCTURES: dict[str, StructureSpec] = {
    spec.name: spec
    for spec in (
        StructureSpec("GTV", (255, 0, 0), _RT_TARGET, Code("228791009", "SCT", "GTV"), "GTV"),
        # Oedema is neither a target nor an organ at risk. Of the defined terms, CONTROL (a
        # structure that guides planning) makes a TPS treat it as a helper: it is not pulled into
        # target coverage or OAR dose reports, which ORGAN or a target type would do.
        StructureSpec("Edema", (255, 220, 0), _ABNORMAL, Code("79654002", "SCT", "Edema"),
                      "CONTROL"),
        StructureSpec("CTV", (255, 128, 0), _RT_TARGET, Code("228792002", "SCT", "CTV"), "CTV"),
        StructureSpec("PTV", (0, 160, 255), _RT_TARGET, Code("228793007", "SCT", "PTV"), "PTV"),
        StructureSpec("Brain", (0, 200, 120), _ANATOMY, Code("12738006", "SCT", "Brain"),
                      "ORGAN"),
    )
}


def structure_specs(names: list[str],
                    specs: dict[str, StructureSpec] | None = None) -> list[StructureSpec]:
    """The specs for ``names``, in order; an unknown name is a programming error."""
    known = STRUCTURES if specs is None else specs
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"No structure definition for {', '.join(unknown)}.")
    return [known[name] for name in names]
