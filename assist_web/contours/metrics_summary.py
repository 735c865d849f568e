"""How much physicians change the AI's contours, summed up per model version.

Every approval stores, per structure, the approved contour measured against the AI revision it
came from (StructureMetrics). Here those rows become, per model version and structure, the
distribution of each metric: its values, n, median and interquartile range. A set approved
twice (approved, edited again, approved again) counts twice: each sign-off is a judgement of
the AI's proposal.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assist_web.contours.models import StructureMetrics
from assist_web.inference.models import ModelVersion


@dataclass(frozen=True)
class Metric:
    field: str
    label: str
    unit: str
    # Fixed axis bounds for bounded metrics; None: from the data.
    bounds: tuple[float, float] | None = None


METRICS: tuple[Metric, ...] = (
    Metric("dice", "Dice", "", (0.0, 1.0)),
    Metric("hd95_mm", "95th-percentile Hausdorff distance", "mm"),
    Metric("surface_dice", "Surface Dice at 2 mm", "", (0.0, 1.0)),
    Metric("apl_mm", "Added path length", "mm"),
    Metric("volume_change_ml", "Volume change", "ml"),
    Metric("volume_change_pct", "Volume change", "%"),
)
# The structures of an AI revision, in the order clinicians read them; others follow by name.
STRUCTURE_ORDER = ("GTV", "Edema", "CTV", "PTV", "Brain")


@dataclass(frozen=True)
class Distribution:
    """Values of one metric (None values, e.g. HD95 of an empty mask, left out)."""

    values: tuple[float, ...]
    median: float | None
    q1: float | None
    q3: float | None

    @property
    def n(self) -> int:
        return len(self.values)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "median": self.median, "q1": self.q1, "q3": self.q3}


def distribution_of(values: Iterable[float | None]) -> Distribution:
    """Median and quartiles by linear interpolation between order statistics (numpy's default)."""
    found = tuple(sorted(v for v in values if v is not None))
    if not found:
        return Distribution(values=(), median=None, q1=None, q3=None)
    if len(found) == 1:
        return Distribution(values=found, median=found[0], q1=found[0], q3=found[0])
    q1, median, q3 = statistics.quantiles(found, n=4, method="inclusive")
    return Distribution(values=found, median=median, q1=q1, q3=q3)


@dataclass(frozen=True)
class SummaryCell:
    """One metric of one structure as a table shows it."""

    n: int
    median: float | None
    q1: float | None
    q3: float | None
    digits: int


@dataclass(frozen=True)
class StructureSummary:
    structure: str
    metrics: dict[str, Distribution]

    @property
    def cells(self) -> list[SummaryCell]:
        """In the order of METRICS; scores to 3 decimals, distances and volumes to 1."""
        return [
            SummaryCell(n=d.n, median=d.median, q1=d.q1, q3=d.q3, digits=3 if m.bounds else 1)
            for m in METRICS
            if (d := self.metrics[m.field]) is not None
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "structure": self.structure,
            "metrics": {field: d.as_json() for field, d in self.metrics.items()},
        }


@dataclass(frozen=True)
class ModelVersionSummary:
    id: int
    name: str
    version: str
    status: str
    approvals: int
    structures: list[StructureSummary]

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def as_json(self) -> dict[str, Any]:
        return {
            "model_version": {
                "id": self.id,
                "name": self.name,
                "version": self.version,
                "status": self.status,
            },  # fmt: skip
            "approvals": self.approvals,
            "structures": [s.as_json() for s in self.structures],
        }


def structure_key(name: str) -> tuple[int, str]:
    known = name in STRUCTURE_ORDER
    return (STRUCTURE_ORDER.index(name) if known else len(STRUCTURE_ORDER), name)


def _summaries(versions: Sequence[ModelVersion]) -> list[ModelVersionSummary]:
    fields = [m.field for m in METRICS]
    rows = StructureMetrics.objects.filter(model_version__in=versions).values_list(
        "model_version_id", "structure", "approval_id", *fields
    )
    values: dict[int, dict[str, dict[str, list[float | None]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    approvals: dict[int, set[int]] = defaultdict(set)
    for version_id, structure, approval_id, *measured in rows:
        approvals[version_id].add(approval_id)
        for field, value in zip(fields, measured, strict=True):
            values[version_id][structure][field].append(value)
    return [
        ModelVersionSummary(
            id=version.pk,
            name=version.name,
            version=version.version,
            status=version.status,
            approvals=len(approvals[version.pk]),
            structures=[
                StructureSummary(
                    structure=structure,
                    metrics={f: distribution_of(values[version.pk][structure][f]) for f in fields},
                )
                for structure in sorted(values[version.pk], key=structure_key)
            ],
        )  # fmt: skip
        for version in versions
    ]


def model_version_metrics_summary(*, model_version: ModelVersion) -> ModelVersionSummary:
    """One version's summary (no structures when nothing it proposed was approved yet)."""
    return _summaries([model_version])[0]


def model_versions_metrics_summary(*, limit: int = 8) -> list[ModelVersionSummary]:
    """The newest ``limit`` versions with approved work to show, newest first; two queries."""
    versions = list(
        ModelVersion.objects.filter(structure_metrics__isnull=False)
        .distinct()
        .order_by("-created_at", "-id")[:limit]
    )
    return _summaries(versions)
