"""Which of T1, T1c, T2 and FLAIR each study on a worklist page holds, in two queries.

The same judgement as ``inference.study_sequences`` (identification from the first image's DICOM
JSON, a person's choice overriding it), for many studies at once. A series' verdict depends only
on its first image and its image count, so it is remembered per (series, count): a worklist
polled every few seconds parses each series' DICOM JSON once, not on every poll.
"""

import json
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import OuterRef, Subquery

from assist_web.archive.models import Instance, Series
from assist_web.inference.models import SequenceOverride
from workers.sequences import REQUIRED, SequenceKind, SeriesAttributes, series_classify

# Far more series than a busy site's worklist pages show; cleared whole when full.
_MAX_REMEMBERED = 50_000
_verdicts: dict[tuple[str, int], SequenceKind] = {}
_lock = threading.Lock()


def _classify(metadata: str | None, num_images: int) -> SequenceKind:
    try:
        body = json.loads(metadata or "")
    except ValueError:
        return SequenceKind.UNKNOWN
    attributes = SeriesAttributes.from_dicom_json(body, num_images=num_images)
    return series_classify(attributes).kind


def _verdicts_of(series: list[tuple[int, str, int]]) -> dict[tuple[str, int], SequenceKind]:
    """Verdicts by (series UID, image count); the DICOM JSON is read only for new keys."""
    with _lock:
        known = {(uid, n): _verdicts[uid, n] for _, uid, n in series if (uid, n) in _verdicts}
    missing = [pk for pk, uid, n in series if (uid, n) not in known]
    if missing:
        first = Instance.objects.filter(series=OuterRef("pk")).order_by("instance_number", "id")
        rows = (
            Series.objects.filter(pk__in=missing)
            .annotate(first_metadata=Subquery(first.values("metadata")[:1]))
            .values_list("series_instance_uid", "num_instances", "first_metadata")
        )
        found = {(uid, n): _classify(metadata, n) for uid, n, metadata in rows}
        with _lock:
            if len(_verdicts) + len(found) > _MAX_REMEMBERED:
                _verdicts.clear()
            _verdicts.update(found)
        known |= found
    return known


def studies_sequences_present(*, study_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per study id, the sequences found, in the order T1, T1c, T2, FLAIR."""
    ids = list(study_ids)
    series = list(
        Series.objects.filter(study_id__in=ids, modality="MR").values_list(
            "pk", "study_id", "series_instance_uid", "num_instances"
        )
    )
    verdicts = _verdicts_of([(pk, uid, count) for pk, _, uid, count in series])
    kinds: dict[int, set[str]] = defaultdict(set)
    uids: dict[int, set[str]] = defaultdict(set)
    for _, study_id, uid, count in series:
        kinds[study_id].add(verdicts.get((uid, count), SequenceKind.UNKNOWN).value)
        uids[study_id].add(uid)
    for study_id, chosen in SequenceOverride.objects.filter(study_id__in=ids).values_list(
        "study_id", "series"
    ):
        # A chosen series deleted since is ignored, as identification ignores it.
        kinds[study_id] |= {kind for kind, uid in chosen.items() if uid in uids[study_id]}
    return {
        study_id: [kind.value for kind in REQUIRED if kind.value in kinds[study_id]]
        for study_id in ids
    }


def sequences_forget() -> None:
    """Forget the remembered verdicts (tests; nothing else needs to)."""
    with _lock:
        _verdicts.clear()
