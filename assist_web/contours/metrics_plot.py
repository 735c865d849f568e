"""Strip plots of one metric: a band per structure, a lane per model version, a dot per approval.

Only geometry is computed here; ``contours/metrics_plot.svg`` draws it, so the page needs no
script and no plotting library. Each lane carries its interquartile box and median line over
the dots, which are spread vertically (deterministically) so equal values stay visible.
"""

import math
from dataclasses import dataclass

from assist_web.contours.metrics_summary import Metric, ModelVersionSummary, structure_key

WIDTH = 760
LEFT = 170  # structure and version labels
RIGHT = 24
TOP = 12
LANE = 24
BAND_GAP = 10
AXIS = 34
# Distinguishable for common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000")


@dataclass(frozen=True)
class Dot:
    x: float
    dy: float  # from the lane's centre line
    title: str


@dataclass(frozen=True)
class Lane:
    structure: str
    version_label: str
    color: str
    y: float  # centre line
    box: tuple[float, float] | None  # x of q1, and the width to q3
    median: float | None
    dots: list[Dot]
    structure_label: str  # shown on a band's first lane only


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class StripPlot:
    id: str
    title: str
    width: int
    height: int
    left: int
    right: int
    axis_y: float
    lanes: list[Lane]
    ticks: list[Tick]
    zero_x: float | None  # a reference line where "no change" is 0


def _nice_step(span: float) -> float:
    raw = span / 5 or 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)


def _domain(metric: Metric, versions: list[ModelVersionSummary]) -> tuple[float, float, float]:
    if metric.bounds:
        low, high = metric.bounds
        return low, high, 0.2
    values = [v for s in versions for st in s.structures for v in st.metrics[metric.field].values]
    low, high = min([0.0, *values]), max([0.0, *values])
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step or step, step


def _format(value: float, metric: Metric) -> str:
    text = f"{value:.3f}" if metric.bounds else f"{value:.1f}"
    return f"{text} {metric.unit}".strip()


def strip_plot(*, metric: Metric, versions: list[ModelVersionSummary]) -> StripPlot:
    low, high, step = _domain(metric, versions)

    def x(value: float) -> float:
        return LEFT + (value - low) / (high - low) * (WIDTH - LEFT - RIGHT)

    structures = sorted({st.structure for v in versions for st in v.structures}, key=structure_key)
    lanes: list[Lane] = []
    y = float(TOP)
    for structure in structures:
        first = True
        for index, version in enumerate(versions):
            found = next((s for s in version.structures if s.structure == structure), None)
            if found is None:
                continue
            dist = found.metrics[metric.field]
            centre = y + LANE / 2
            dots = [
                Dot(
                    x=x(value),
                    dy=((n * 7) % 11 - 5) * 0.9,
                    title=f"{structure}, {version.label}: {_format(value, metric)}",
                )  # fmt: skip
                for n, value in enumerate(dist.values)
            ]
            lanes.append(
                Lane(
                    structure=structure, version_label=version.version,
                    color=PALETTE[index % len(PALETTE)], y=centre,
                    box=(x(dist.q1), x(dist.q3) - x(dist.q1))
                    if dist.q1 is not None and dist.q3 is not None else None,
                    median=x(dist.median) if dist.median is not None else None,
                    dots=dots, structure_label=structure if first else "",
                )
            )  # fmt: skip
            first = False
            y += LANE
        y += BAND_GAP
    count = round((high - low) / step)
    ticks = [Tick(x=x(low + i * step), label=f"{low + i * step:g}") for i in range(count + 1)]
    return StripPlot(
        id=f"plot-{metric.field}",
        title=f"{metric.label}{f' ({metric.unit})' if metric.unit else ''}",
        width=WIDTH, height=int(y + AXIS), left=LEFT, right=WIDTH - RIGHT, axis_y=y,
        lanes=lanes, ticks=ticks, zero_x=x(0.0) if metric.bounds is None else None,
    )  # fmt: skip
