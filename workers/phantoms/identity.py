"""Synthetic patient, study and UIDs: the same seed, site and grid always give the same ones.

UIDs are hashes of those three under pydicom's UID root, so a regenerated study is the same
study (re-ingesting it is a no-op) while the same seed at two sites never collides.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from pydicom.uid import generate_uid

from workers.phantoms.sequences import Sequence

_FIRST_STUDY_DAY = dt.date(2025, 1, 6)
_NAMES = ("ANDERSSON", "JOHANSSON", "KARLSSON", "NILSSON", "ERIKSSON", "LARSSON", "OLSSON",
          "PERSSON", "SVENSSON", "GUSTAFSSON")
_GIVEN = {"F": ("ANNA", "EVA", "MARIA", "KARIN", "SARA"), "M": ("ERIK", "LARS", "KARL", "JOHAN",
                                                                 "PER")}


@dataclass(frozen=True)
class StudyIdentity:
    case_id: str  # the study's folder name
    patient_id: str
    patient_name: str
    patient_sex: str
    birth_date: str
    study_date: str
    study_time: str
    accession_number: str
    study_id: str
    study_uid: str
    frame_of_reference_uid: str
    series_uids: dict[Sequence, str]

    def instance_uid(self, sequence: Sequence, number: int) -> str:
        return generate_uid(entropy_srcs=[self.series_uids[sequence], str(number)])


def keyed_rng(*parts: object) -> np.random.Generator:
    """A generator keyed by strings, stable across runs and Python versions (unlike hash())."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def study_identity(*, seed: int, site: str, grid: str) -> StudyIdentity:
    key = ["assist-phantom", site, grid, str(seed)]
    rng = keyed_rng(*key)
    sex = "F" if rng.random() < 0.5 else "M"
    # Gliomas peak in the sixth and seventh decades.
    age_days = int(rng.integers(35 * 365, 80 * 365))
    study_day = _FIRST_STUDY_DAY + dt.timedelta(days=int(rng.integers(0, 600)))
    birth_day = study_day - dt.timedelta(days=age_days)
    minutes = int(rng.integers(7 * 60, 17 * 60))
    family = _NAMES[int(rng.integers(len(_NAMES)))]
    given = _GIVEN[sex][int(rng.integers(5))]
    return StudyIdentity(
        case_id=f"{site}-{grid}-{seed:04d}",
        patient_id=f"PH-{site[:3].upper()}-{seed:05d}",
        # "PHANTOM" in the name so no one takes a synthetic study for a person's.
        patient_name=f"PHANTOM {family}^{given}",
        patient_sex=sex,
        birth_date=birth_day.strftime("%Y%m%d"),
        study_date=study_day.strftime("%Y%m%d"),
        study_time=f"{minutes // 60:02d}{minutes % 60:02d}00",
        accession_number=f"A{int(rng.integers(10**7, 10**8))}",
        study_id=str(seed),
        study_uid=generate_uid(entropy_srcs=[*key, "study"]),
        frame_of_reference_uid=generate_uid(entropy_srcs=[*key, "frame"]),
        series_uids={s: generate_uid(entropy_srcs=[*key, "series", s.value]) for s in Sequence},
    )
