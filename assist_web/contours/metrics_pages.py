"""The metrics page: how much physicians change the AI's contours, per model version."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assist_web.accounts.permissions import clinician_required
from assist_web.contours.metrics_plot import PALETTE, strip_plot
from assist_web.contours.metrics_summary import METRICS, model_versions_metrics_summary

# More versions than this make the lanes of a plot too thin to read; the newest matter most.
MAX_VERSIONS = 8


@clinician_required
def metrics(request: HttpRequest) -> HttpResponse:
    versions = model_versions_metrics_summary(limit=MAX_VERSIONS)
    plots = [strip_plot(metric=m, versions=versions) for m in METRICS] if versions else []
    context = {
        "versions": [(v, PALETTE[i % len(PALETTE)]) for i, v in enumerate(versions)],
        "metrics": METRICS,
        "plots": plots,
        "max_versions": MAX_VERSIONS,
    }
    return render(request, "contours/metrics.html", context)
