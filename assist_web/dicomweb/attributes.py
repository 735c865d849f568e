"""The attributes QIDO-RS can match on and return, and where each lives in the index.

Answers come from the index tables only (PS3.18 10.6: a server answers from what it indexed),
so this table is the whole of what searches know about.
"""

import dataclasses
from dataclasses import dataclass
from enum import IntEnum

from pydicom.datadict import keyword_for_tag, tag_for_keyword


class Level(IntEnum):
    STUDY = 0
    SERIES = 1
    INSTANCE = 2


class Match(IntEnum):
    NONE = 0  # returned, never matched (counters)
    STRING = 1  # exact or * ? wildcards
    PERSON_NAME = 2  # like STRING, case-insensitive
    UID = 3  # list of UIDs
    DATE = 4  # single date or range
    TIME = 5  # single time or range
    INTEGER = 6
    MODALITIES = 7  # any series of the study has one of the listed modalities


@dataclass(frozen=True)
class Attribute:
    keyword: str
    vr: str
    level: Level
    field: str  # path from the model of ``level``
    match: Match
    default: bool = True  # returned without includefield
    tag: str = dataclasses.field(init=False, compare=False)  # 8 hex digits, as DICOM JSON names it

    def __post_init__(self) -> None:
        object.__setattr__(self, "tag", f"{tag_for_keyword(self.keyword):08X}")


_A = Attribute
ATTRIBUTES: tuple[Attribute, ...] = (
    _A("StudyInstanceUID", "UI", Level.STUDY, "study_instance_uid", Match.UID),
    _A("StudyDate", "DA", Level.STUDY, "study_date", Match.DATE),
    _A("StudyTime", "TM", Level.STUDY, "study_time", Match.TIME),
    _A("AccessionNumber", "SH", Level.STUDY, "accession_number", Match.STRING),
    _A("ModalitiesInStudy", "CS", Level.STUDY, "modalities", Match.MODALITIES),
    _A("ReferringPhysicianName", "PN", Level.STUDY, "referring_physician", Match.PERSON_NAME),
    _A("PatientName", "PN", Level.STUDY, "patient__name", Match.PERSON_NAME),
    _A("PatientID", "LO", Level.STUDY, "patient__patient_id", Match.STRING),
    _A("IssuerOfPatientID", "LO", Level.STUDY, "patient__issuer", Match.STRING, default=False),
    _A("PatientBirthDate", "DA", Level.STUDY, "patient__birth_date", Match.DATE),
    _A("PatientSex", "CS", Level.STUDY, "patient__sex", Match.STRING),
    _A("StudyID", "SH", Level.STUDY, "study_id", Match.STRING),
    _A("StudyDescription", "LO", Level.STUDY, "description", Match.STRING),
    _A("NumberOfStudyRelatedSeries", "IS", Level.STUDY, "num_series", Match.NONE),
    _A("NumberOfStudyRelatedInstances", "IS", Level.STUDY, "num_instances", Match.NONE),
    _A("SeriesInstanceUID", "UI", Level.SERIES, "series_instance_uid", Match.UID),
    _A("Modality", "CS", Level.SERIES, "modality", Match.STRING),
    _A("SeriesNumber", "IS", Level.SERIES, "series_number", Match.INTEGER),
    _A("SeriesDescription", "LO", Level.SERIES, "description", Match.STRING),
    _A("BodyPartExamined", "CS", Level.SERIES, "body_part", Match.STRING, default=False),
    _A("FrameOfReferenceUID", "UI", Level.SERIES, "frame_of_reference_uid", Match.UID, False),
    _A("NumberOfSeriesRelatedInstances", "IS", Level.SERIES, "num_instances", Match.NONE),
    _A("SOPClassUID", "UI", Level.INSTANCE, "sop_class_uid", Match.UID),
    _A("SOPInstanceUID", "UI", Level.INSTANCE, "sop_instance_uid", Match.UID),
    _A("InstanceNumber", "IS", Level.INSTANCE, "instance_number", Match.INTEGER),
    _A("Rows", "US", Level.INSTANCE, "rows", Match.INTEGER),
    _A("Columns", "US", Level.INSTANCE, "columns", Match.INTEGER),
    _A("NumberOfFrames", "IS", Level.INSTANCE, "number_of_frames", Match.INTEGER),
    _A("AvailableTransferSyntaxUID", "UI", Level.INSTANCE, "transfer_syntax_uid", Match.UID),
)
BY_KEYWORD: dict[str, Attribute] = {a.keyword: a for a in ATTRIBUTES}

# Relation from the model searched to the model that holds an attribute.
_PREFIX: dict[tuple[Level, Level], str] = {
    (Level.STUDY, Level.STUDY): "",
    (Level.SERIES, Level.STUDY): "study__",
    (Level.SERIES, Level.SERIES): "",
    (Level.INSTANCE, Level.STUDY): "series__study__",
    (Level.INSTANCE, Level.SERIES): "series__",
    (Level.INSTANCE, Level.INSTANCE): "",
}


def field_path(attribute: Attribute, searched: Level) -> str:
    return _PREFIX[(searched, attribute.level)] + attribute.field


def resolve_keyword(name: str) -> str | None:
    """A keyword for a keyword or an 8-hex-digit tag; None when DICOM has no such attribute."""
    if len(name) == 8 and all(c in "0123456789abcdefABCDEF" for c in name):
        return keyword_for_tag(int(name, 16)) or None
    return name if tag_for_keyword(name) is not None else None
