#!/usr/bin/env python
"""The review page in Chromium: time to the first image and to the whole study loaded.

Starts ASSIST under gunicorn on PostgreSQL (``BENCH_DATABASE_URL``, default the local server's
``assist_v``) with fresh storage, ingests a phantom brain MR study on the clinical grid (T1, T1c,
T2, FLAIR: 209 slices), then opens ``/viewer/<study>/`` in Debian's Chromium through Playwright,
each run in a fresh browser context (empty HTTP cache). Times are the page's own marks, from
navigation start. The first image is what the bench itself sees, not what the page reports: the
first animation frame in which an image or canvas in the image area is visible (laid out, on
screen, not hidden or transparent) and shows image pixels (luminance standard deviation over 5 on
a 0-255 scale, sampled 64 x 64, so a black or uniform canvas does not count), timed at the start
of the frame after it, once that one is painted. The whole study is
the page's mark for every series loaded (the two shown and the two streamed in the background).
Prints the median of the runs.

    .venv/bin/python bench/viewer.py [--runs 5]
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.local_site import cpu_model, free_port, reset_database, wait_http  # noqa: E402

PASSWORD = uuid.uuid4().hex  # a throw-away site's only account
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]

# Runs in the page before its own scripts: polls every animation frame until an <img> or
# <canvas> in the image area is visible and shows pixels that are not blank (see the docstring).
FIRST_PIXELS_SCRIPT = """
(() => {
  if (!location.pathname.startsWith('/viewer/')) return;
  const probe = document.createElement('canvas');
  probe.width = probe.height = 64;
  const context = probe.getContext('2d', { willReadFrequently: true });
  const covers = (image, box) => {
    const over = image.getBoundingClientRect(); // within a pixel: layout rounds
    const start = over.left <= box.left + 1 && over.top <= box.top + 1;
    const end = over.right >= box.right - 1 && over.bottom >= box.bottom - 1;
    return image.checkVisibility() && start && end;
  };
  const shows = (element) => {
    const box = element.getBoundingClientRect();
    if (box.width < 32 || box.height < 32 || box.right <= 0 || box.bottom <= 0) return false;
    if (box.left >= innerWidth || box.top >= innerHeight) return false;
    if (!element.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const image = element instanceof HTMLImageElement;
    if (image && !(element.complete && element.naturalWidth)) return false;
    if (!image && [...document.querySelectorAll('.panes img')].some((over) => covers(over, box))) {
      return false;
    }
    context.clearRect(0, 0, 64, 64);
    try {
      context.drawImage(element, 0, 0, 64, 64);
    } catch {
      return false;
    }
    const data = context.getImageData(0, 0, 64, 64).data;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < data.length; i += 4) {
      const y = ((0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]) * data[i + 3]) / 255;
      sum += y;
      squares += y * y;
    }
    const mean = sum / 4096;
    return Math.sqrt(Math.max(0, squares / 4096 - mean * mean)) > 5;
  };
  // Two times: any image (the page may show a server-rendered preview first), and the first
  // canvas, where the viewer's own volume views draw.
  const seen = (element) => {
    const cell = element.closest('[data-viewport]')?.dataset.viewport ?? element.id;
    return { at: performance.now(), element: `${element.tagName} ${cell}` };
  };
  const poll = () => {
    for (const element of document.querySelectorAll('.panes img, .panes canvas')) {
      const canvas = element instanceof HTMLCanvasElement;
      if ((window.benchFirstPixels && !canvas) || !shows(element)) continue;
      // Timed at the next frame's start, after this frame (the one that shows it) is painted.
      requestAnimationFrame(() => {
        window.benchFirstPixels ??= seen(element);
        if (canvas) window.benchFirstCanvas ??= seen(element);
      });
      if (canvas) return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""


@contextmanager
def site(workdir: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """A gunicorn site with one physician and a phantom study; yields (base URL, study UID)."""
    port = free_port()
    env = {
        **os.environ,
        "ASSIST_DATA_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    manage = [str(REPO / ".venv" / "bin" / "python"), str(REPO / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run([*manage, *args], env=env, check=True, cwd=REPO,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout

    run("migrate", "--noinput", "-v0")
    run("collectstatic", "--noinput", "-v0")
    run("shell", "--no-imports", "-c", "from assist_web.accounts.models import User; "
        f"User.objects.create_user('bench', password='{PASSWORD}', role='physician')")  # fmt: skip
    phantoms = workdir / "phantoms"
    run("make_phantoms", "--count", "1", "--grid", "clinical", "--out", str(phantoms))
    run("ingest", str(phantoms))
    study_uid = run(
        "shell", "--no-imports", "-c", "from assist_web.archive.models import Study; "
        "print(Study.objects.get().study_instance_uid)",
    ).split()[-1]  # fmt: skip
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "assist_web.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--threads", "8", "--timeout", "300", "--keep-alive", "30"],
        env=env, cwd=REPO, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/accounts/login/")
        yield base, study_uid
    finally:
        process.terminate()
        process.wait(30)


def _page_log(page: Page, log: list[str]) -> None:
    """Collect the page's console messages and uncaught errors into ``log``."""
    page.on("console", lambda m: log.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: log.append(f"pageerror: {e}"))


def measure(base: str, study_uid: str, runs: int) -> list[tuple[float, float]]:
    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.add_init_script(FIRST_PIXELS_SCRIPT)
            page = context.new_page()
            messages: list[str] = []
            _page_log(page, messages)
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            page.goto(f"{base}/viewer/{study_uid}/")
            try:
                page.wait_for_function(
                    "() => window.assistViewer?.timings.allLoaded !== undefined",
                    timeout=120_000,
                )
            except Exception:
                print(page.url, page.title(), page.content()[:1500], *messages[-20:], sep="\n")
                raise
            timings = page.evaluate("() => ({...window.assistViewer.timings})")
            seen = page.evaluate("() => window.benchFirstPixels ?? null")
            if seen is None:
                raise RuntimeError("the study loaded but no image pixels were ever seen on screen")
            figures.append((seen["at"] / 1000, timings["allLoaded"] / 1000))
            canvas = page.evaluate("() => window.benchFirstCanvas ?? {at: NaN, element: 'none'}")
            print(
                f"  first image pixels seen at {seen['at']:.0f} ms in {seen['element']}"
                f" (the page's own mark: {timings['firstImage']:.0f} ms); first in a volume view"
                f" canvas at {canvas['at']:.0f} ms in {canvas['element']}"
            )
            nav = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return {html: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd}; }"
            )
            marks = {
                **nav,
                **timings["marks"],
                **page.evaluate(
                    "() => Object.fromEntries("
                    "performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
                ),
            }
            print(
                "  page marks (ms):",
                ", ".join(f"{k} {v:.0f}" for k, v in sorted(marks.items(), key=lambda kv: kv[1])),
            )
            tasks = page.evaluate("() => window.assistViewer.longTasks")
            first = seen["at"]
            busy = [t for t in tasks if t["start"] < first]
            print(
                f"  main thread: {len(busy)} long tasks, {sum(t['duration'] for t in busy):.0f} ms"
                " before the first image: "
                + ", ".join(f"{t['start']:.0f}+{t['duration']:.0f}" for t in busy)
            )
            context.close()
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assist_v"),
    )
    args = parser.parse_args()
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}")
    reset_database(args.database_url)
    with (
        tempfile.TemporaryDirectory(prefix="v-data-bench-", dir="/tmp") as tmp,
        site(Path(tmp), args.database_url) as (base, study_uid),
    ):
        figures = measure(base, study_uid, args.runs)
    first = [f for f, _ in figures]
    whole = [w for _, w in figures]
    print("study: phantom brain MR, clinical grid, 4 series, 209 slices; gunicorn -w 2 --threads 8")
    for number, (f, w) in enumerate(figures, start=1):
        print(f"run {number}: first image {f:.2f} s, whole study {w:.2f} s")
    print(f"median of {args.runs}: first image {statistics.median(first):.2f} s (target < 1 s), "
          f"whole study {statistics.median(whole):.2f} s (target < 5 s)")  # fmt: skip


if __name__ == "__main__":
    main()
