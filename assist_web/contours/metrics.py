"""How far the approved contours are from the AI's: per structure, measured at approval.

Both revisions' masks are read back from their SEGs on the shared reference grid; a structure
the physician rejected counts as an empty mask (Dice 0), one they accepted unchanged as a
perfect match without the cost of distance transforms.
"""

import numpy as np

from assist_web.contours.labelmap import revision_masks
from assist_web.contours.models import Approval, Revision, StructureMetrics
from workers.structures.metrics import StructureComparison, structures_compare


def _compare(
    ai: dict[str, np.ndarray], approved: dict[str, np.ndarray], spacing: tuple[float, float, float]
) -> dict[str, StructureComparison]:
    voxel_ml = float(np.prod(spacing)) / 1000.0
    unchanged = {
        name: StructureComparison(
            dice=1.0,
            hd95_mm=0.0,
            surface_dice=1.0,
            apl_mm=0.0,
            ai_volume_ml=int(ai[name].sum()) * voxel_ml,
            approved_volume_ml=int(ai[name].sum()) * voxel_ml,
            volume_change_ml=0.0,
            volume_change_percent=0.0,
            tolerance_mm=2.0,
        )  # fmt: skip
        for name in ai.keys() & approved.keys()
        if ai[name].any() and np.array_equal(ai[name], approved[name])
    }
    changed = structures_compare(
        ai={n: m for n, m in ai.items() if n not in unchanged},
        approved={n: m for n, m in approved.items() if n not in unchanged},
        spacing_zyx=spacing,
    )
    return dict(sorted({**unchanged, **changed}.items()))


def metrics_measure(*, ai: Revision, approved: Revision) -> dict[str, StructureComparison]:
    ai_read = revision_masks(revision=ai)
    approved_read = revision_masks(revision=approved)
    return _compare(ai_read.by_name(), approved_read.by_name(), ai_read.grid.spacing)


def metrics_store(
    *, approval: Approval, ai: Revision, measured: dict[str, StructureComparison]
) -> list[StructureMetrics]:
    assert ai.model_version_id is not None  # an AI revision names its model (a constraint)
    return StructureMetrics.objects.bulk_create(
        StructureMetrics(
            approval=approval,
            ai_revision=ai,
            model_version_id=ai.model_version_id,
            structure=name,
            dice=m.dice,
            hd95_mm=m.hd95_mm,
            surface_dice=m.surface_dice,
            apl_mm=m.apl_mm,
            volume_ai_ml=m.ai_volume_ml,
            volume_approved_ml=m.approved_volume_ml,
            volume_change_ml=m.volume_change_ml,
            volume_change_pct=m.volume_change_percent,
        )
        for name, m in measured.items()
    )


def metrics_json(*, approval: Approval) -> dict[str, object]:
    rows = list(approval.metrics.order_by("structure"))
    return {
        "ai_revision_id": rows[0].ai_revision_id if rows else None,
        "structures": [
            {
                "structure": row.structure,
                "dice": row.dice,
                "hd95_mm": row.hd95_mm,
                "surface_dice": row.surface_dice,
                "apl_mm": row.apl_mm,
                "volume_ai_ml": row.volume_ai_ml,
                "volume_approved_ml": row.volume_approved_ml,
                "volume_change_ml": row.volume_change_ml,
                "volume_change_pct": row.volume_change_pct,
            }
            for row in rows
        ],
    }
