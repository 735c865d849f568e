"""End-to-end mode of bench/inference.py: phantom studies through a live site and gpu worker."""

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pydicom
import torch

from bench.inference_machine import ModelTime, model_time
from bench.inference_site import (
    Site,
    cpu_seconds,
    job_wait,
    peak_rss_mb,
    site_running,
    stage_times,
    study_store,
)
from workers.gpu.bundle import bundle_load
from workers.gpu.phantom_cases import SEQUENCE_NAMES, case_site
from workers.phantoms import make_phantom, write_phantom_study

SEED = 9000
# (name, the mark it starts at, the mark it ends at): marks are the job's timestamps and the
# worker's progress stages (workers/gpu/job.py, pipeline.py).
STAGES = (
    ("queue (job made -> claimed)", "created", "started"),
    ("fetch: QIDO + WADO-RS", "fetching", "preparing"),
    ("volumes + resampling", "preparing", "segmenting"),
    ("model grid + inference + back", "segmenting", "contouring"),
    ("structures + SEG + RTSTRUCT", "contouring", "storing"),
    ("STOW-RS + revision recorded", "storing", "finished"),
)


def _when(value: object) -> float:
    return datetime.fromisoformat(str(value)).timestamp()


def _one_study(site: Site, uid: str, files: list[bytes]) -> dict[str, float]:
    """Timestamps (epoch s) of one study's way through the site, and the CPU it cost."""
    worker_cpu, web_cpu = cpu_seconds(site.worker_pid), cpu_seconds(site.web_pid)
    sent = time.time()
    study_store(site, files)
    marks = {"sent": sent, "arrived": time.time()}
    job = job_wait(site, uid)
    marks.update(created=_when(job["created_at"]), started=_when(job["started_at"]),
                 finished=_when(job["finished_at"]))
    time.sleep(0.3)  # the worker's last log line
    marks.update(dict(stage_times(site.worker_log, int(str(job["id"])))))
    marks["worker_cpu"] = cpu_seconds(site.worker_pid) - worker_cpu
    marks["web_cpu"] = cpu_seconds(site.web_pid) - web_cpu
    return marks


def end_to_end(args: argparse.Namespace, device: torch.device) -> None:
    bundle = bundle_load(args.bundle)
    folder = Path(tempfile.mkdtemp(prefix="bench-inf-e2e-"))
    studies = []
    for seed in range(SEED - 1, SEED + args.repeats):  # the first warms the worker up
        phantom = make_phantom(seed, site=case_site(seed), grid=args.grid)
        written = write_phantom_study(phantom, folder / "in")
        paths = sorted(p for ps in written.series.values() for p in ps)
        studies.append((phantom.identity.study_uid, [p.read_bytes() for p in paths]))
        if seed == SEED:
            series = {SEQUENCE_NAMES[s]: [pydicom.dcmread(p) for p in ps]
                      for s, ps in written.series.items()}
            model = model_time(bundle, series, device, 1)
    database = args.database_url or "SQLite"
    broker = args.broker_url or "embedded broker"
    print(f"study: {args.grid} grid, {model.describe}; site on {database.split('://')[0]}, "
          f"{broker.split('://')[0]}; settle {args.settle} s; torch threads of the gpu worker "
          f"and the model alone: {args.worker_threads or 'default'}")
    with site_running(folder / "site", database_url=args.database_url,
                      broker_url=args.broker_url, settle_s=args.settle,
                      worker_threads=args.worker_threads) as site:
        runs, models = [], []
        for uid, files in studies:
            runs.append(_one_study(site, uid, files))
            # The model alone, between studies: on these shared cores the load changes by the
            # minute, so each study's time is paired with a model run under the same load.
            models.append(model_time(bundle, series, device, 1))
        worker_peak, web_peak = peak_rss_mb(site.worker_pid), peak_rss_mb(site.web_pid)
    cold, timed = runs[0], runs[1:]
    walls = [m.wall for m in models[1:]]
    model = ModelTime(statistics.median(walls), statistics.median(m.cpu for m in models[1:]),
                      model.describe, (min(walls), max(walls)))

    def median(start: str, end: str) -> float:
        return statistics.median(r[end] - r[start] for r in timed)

    total, claimed = median("created", "finished"), median("started", "finished")
    worker_cpu = statistics.median(r["worker_cpu"] for r in timed)
    print(f"model only (sliding window, this process, after each study): {model.wall:7.2f} s "
          f"wall, {model.cpu:6.2f} s CPU (median of {len(timed)})")
    print(f"arrival -> RTSTRUCT stored and revision recorded, from the job's creation: "
          f"{total:7.2f} s = {total / model.wall:.2f} x model only (target <= 1.5)")
    print(f"  from the worker's claim: {claimed:7.2f} s = {claimed / model.wall:.2f} x; "
          f"gpu worker CPU per study {worker_cpu:.2f} s = {worker_cpu / model.cpu:.2f} x model "
          f"CPU; site CPU {statistics.median(r['web_cpu'] for r in timed):.2f} s")
    print(f"  settle (STOW-RS done -> job made, waits for more images): "
          f"{median('arrived', 'created'):.2f} s; STOW-RS of the study "
          f"{median('sent', 'arrived'):.2f} s; first study (cold worker: bundle download "
          f"and load) {cold['finished'] - cold['created']:.2f} s from the job's creation")
    for name, start, end in STAGES:
        if all(start in r and end in r for r in timed):
            print(f"  {name:<34}{median(start, end):7.2f} s")
    print(f"peak memory: gpu worker {worker_peak:.0f} MB, web (largest gunicorn process) "
          f"{web_peak:.0f} MB resident, {len(timed)} studies timed")
