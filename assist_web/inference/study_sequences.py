"""The T1, T1c, T2 and FLAIR series of a study: identified from the index, or chosen by a person.

Identification reads the DICOM JSON the archive keeps for each series' first instance, so no
file is opened. A person's choice (per sequence) overrides what identification found.
"""

import json
from dataclasses import dataclass

from django.db import transaction

from assist_web.accounts.models import User
from assist_web.archive.models import Series, Study
from assist_web.inference.models import SequenceOverride
from workers.sequences import (
    REQUIRED,
    SequenceChoice,
    SequenceKind,
    SeriesAttributes,
    SeriesVerdict,
    sequences_identify,
)


@dataclass(frozen=True)
class StudySequences:
    chosen: dict[SequenceKind, SequenceChoice]
    overridden: frozenset[SequenceKind]
    verdicts: tuple[SeriesVerdict, ...] = ()

    @property
    def missing(self) -> list[SequenceKind]:
        return [kind for kind in REQUIRED if kind not in self.chosen]

    def series_uids(self) -> dict[str, str]:
        return {kind.value: c.series_instance_uid for kind, c in self.chosen.items()}

    def as_json(self) -> dict[str, object]:
        return {
            kind.value: (
                {
                    "series_instance_uid": self.chosen[kind].series_instance_uid,
                    "reason": self.chosen[kind].reason,
                    "overridden": kind in self.overridden,
                }
                if kind in self.chosen
                else None
            )
            for kind in REQUIRED
        }

    def series_json(self) -> list[dict[str, object]]:
        """How each MR series was judged, for a person choosing by hand."""
        return [
            {"series_instance_uid": v.series_instance_uid, "kind": v.kind.value, "reason": v.reason}
            for v in self.verdicts
        ]


class SequencesInvalid(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _series_attributes(study: Study) -> list[SeriesAttributes]:
    found = []
    for series in study.series.filter(modality="MR"):
        first = series.instances.order_by("instance_number", "id").values_list(
            "metadata", flat=True
        )[:1]
        if not first:
            continue
        try:
            body = json.loads(first[0])
        except ValueError:
            continue
        found.append(SeriesAttributes.from_dicom_json(body, num_images=series.num_instances))
    return found


def study_sequences_get(*, study: Study) -> StudySequences:
    mapping = sequences_identify(_series_attributes(study))
    chosen = dict(mapping.chosen)
    override = SequenceOverride.objects.filter(study=study).first()
    overridden: set[SequenceKind] = set()
    if override is not None:
        descriptions = dict(
            study.series.filter(series_instance_uid__in=override.series.values()).values_list(
                "series_instance_uid", "description"
            )
        )
        for key, uid in override.series.items():
            if uid in descriptions:  # a series deleted since is ignored, not trusted
                kind = SequenceKind(key)
                reason = f"'{descriptions[uid]}': chosen by {override.set_by or 'a user'}"
                chosen[kind] = SequenceChoice(series_instance_uid=uid, reason=reason)
                overridden.add(kind)
    return StudySequences(
        chosen=chosen, overridden=frozenset(overridden), verdicts=tuple(mapping.verdicts)
    )


@transaction.atomic
def study_sequences_override(
    *, study: Study, series: dict[str, str | None], user: User
) -> StudySequences:
    """Set (uid) or clear (None) a person's choice per sequence; other sequences are kept."""
    override, _ = SequenceOverride.objects.select_for_update().get_or_create(study=study)
    chosen = dict(override.series)
    valid = {kind.value for kind in REQUIRED}
    for key, uid in series.items():
        if key not in valid:
            raise SequencesInvalid(f"Unknown sequence {key!r}; use {', '.join(sorted(valid))}.")
        if uid is None or uid == "":
            chosen.pop(key, None)
            continue
        if not Series.objects.filter(study=study, series_instance_uid=uid, modality="MR").exists():
            raise SequencesInvalid(f"{key}: series {uid} is not an MR series of this study.")
        chosen[key] = uid
    override.series = chosen
    override.set_by = user
    override.save()
    return study_sequences_get(study=study)
