"""The series a study's T1, T1c, T2 and FLAIR are taken from, chosen among the judged series.

Several candidates for one sequence: the strongest evidence, then a 3D acquisition, then the
most images, then the later series. Every choice carries a short reason shown to users.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from workers.sequences.attributes import SeriesAttributes
from workers.sequences.classification import SequenceKind, SeriesVerdict, series_classify

REQUIRED: tuple[SequenceKind, ...] = (
    SequenceKind.T1,
    SequenceKind.T1C,
    SequenceKind.T2,
    SequenceKind.FLAIR,
)


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
