"""CTV and PTV recomputed from an edited GTV, with the site's margins, as the AI makes them:
the CTV is the GTV grown by the CTV margin and kept inside the brain, the PTV is the CTV grown
by the PTV margin (not clipped: it must cover the CTV wherever set-up error moves it)."""

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from assist_web.contours.reference import ReferenceGrid
from workers.structures.margins import clip, expand_mm


@dataclass(frozen=True, eq=False)
class Targets:
    ctv: np.ndarray
    ptv: np.ndarray
    ctv_margin_mm: float
    ptv_margin_mm: float


def targets_from_gtv(*, grid: ReferenceGrid, gtv: np.ndarray, brain: np.ndarray) -> Targets:
    ctv_mm = float(settings.ASSIST_CTV_MARGIN_MM)
    ptv_mm = float(settings.ASSIST_PTV_MARGIN_MM)
    ctv = clip(expand_mm(gtv, grid.spacing, ctv_mm), brain)
    ptv = expand_mm(ctv, grid.spacing, ptv_mm)
    return Targets(ctv=ctv, ptv=ptv, ctv_margin_mm=ctv_mm, ptv_margin_mm=ptv_mm)
