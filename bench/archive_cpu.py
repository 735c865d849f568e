#!/usr/bin/env python
"""CPU time of the archive's hot paths, in-process, stage by stage.

Wall-clock figures (bench/archive.py) depend on whatever else the machine runs; CPU time of
this process does not, so this is the figure to compare changes by. It drives the services
and the Django test client (middleware, authentication and views included) on the same
synthetic MR study as bench/archive.py and prints CPU milliseconds per instance or request.
With PostgreSQL the database server's own CPU is not counted (it runs in another process);
with SQLite it is.

    .venv/bin/python bench/archive_cpu.py [--database-url postgres://.../db] [--profile stow]

With ``--gunicorn`` it instead starts the archive as bench/archive.py does (gunicorn on
PostgreSQL), sends the same requests from one client, and prints the CPU time the server
side spent per instance and per request: gunicorn workers and PostgreSQL backends, read from
/proc, so other work on the machine is not counted (it still slows each CPU second a little:
compare runs made close together, and look at the lowest of the rounds too).
"""

import argparse
import cProfile
import functools
import hashlib
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bench.local_site import reset_database  # noqa: E402


def cpu_ms(call: Callable[[], object], repeats: int) -> float:
    """Median over ``repeats`` rounds of the CPU time of one call, in ms."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        call()
        times.append((time.process_time() - start) * 1000)
    times.sort()
    return times[len(times) // 2]


def stow_body(files: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    body = b"".join(head + f + b"\r\n" for f in files) + f"--{boundary}--\r\n".encode()
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=480)
    parser.add_argument("--batch", type=int, default=10, help="instances per STOW request")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per stage (median)")
    parser.add_argument("--repeats", type=int, default=300, help="QIDO requests per round")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary dir")
    parser.add_argument("--profile", choices=["stow", "qido", "metadata"], default=None)
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime, cumulative")
    parser.add_argument("--gunicorn", action="store_true", help="server CPU under gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="archive-cpu-"))  # the stored files go here
    try:
        (server_cpu if args.gunicorn else in_process)(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def in_process(args: argparse.Namespace, workdir: Path) -> None:
    """The stages and requests in this process, on a fresh database."""
    os.environ.update(
        ASSIST_DATA_DIR=str(workdir),
        DEBUG="0",  # DEBUG keeps every SQL statement in memory, which costs CPU of its own
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="assist_web.settings",
    )
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        reset_database(args.database_url)
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from archive import make_study  # bench/archive.py
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from assist_web.accounts.models import User
    from assist_web.archive.header import Header
    from assist_web.archive.ingest import instances_ingest
    from assist_web.archive.models import Instance, Patient, Series, Study
    from assist_web.archive.parsing import parse_part10
    from assist_web.archive.reading import read_part10
    from assist_web.archive.scanning import scan_part10
    from assist_web.archive.store import file_store

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password=None, role="physician")
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get("/dicomweb/studies")  # loads the URL configuration and views, once

    study_uid, files = make_study(args.instances)
    n = len(files)
    print(f"data: {n} MR instances (256x256, 16-bit), STOW batches of {args.batch}")
    print(f"database: {django.db.connection.vendor}; CPU ms of this process, median of rounds\n")

    def wipe() -> None:
        Instance.objects.all().delete()
        Series.objects.all().delete()
        Study.objects.all().delete()
        Patient.objects.all().delete()

    def fresh_round(step: Callable[[Any, bytes], object]) -> float:
        # Freshly read each round: pydicom converts values on first access and keeps them.
        datasets = [read_part10(f) for f in files]
        start = time.process_time()
        for ds, data in zip(datasets, files, strict=True):
            step(ds, data)
        return (time.process_time() - start) * 1000

    def json_text(ds: Any, data: bytes) -> None:
        Header.of(ds, data=data).json_text()

    store = file_store()
    stages: list[tuple[str, Callable[[], object]]] = [
        ("read (pydicom, large values deferred)", lambda: _each(read_part10, files)),
        ("read (plain reader, scanning.py)", lambda: _each(scan_part10, files)),
        ("read + DICOM JSON dict (Header.scanned)", lambda: _each(Header.scanned, files)),
        ("parse_part10 (read, DICOM JSON, checks)", lambda: _each(parse_part10, files)),
        ("sha256", lambda: _each(lambda f: hashlib.sha256(f).hexdigest(), files)),
        ("file write (temporary)", lambda: _each(lambda f: _write_and_drop(store, f), files)),
    ]
    print(f"{'stage':<44}{'ms/instance':>12}")
    for name, call in stages:
        print(f"{name:<44}{cpu_ms(call, args.rounds) / n:>12.3f}")
    for name, step in (
        ("DICOM JSON dict (Header.of, pydicom read)", lambda ds, data: Header.of(ds, data=data)),
        ("DICOM JSON dict + text (json_text)", json_text),
    ):
        ms = sorted(fresh_round(step) for _ in range(args.rounds))[args.rounds // 2]
        print(f"{name:<44}{ms / n:>12.3f}")

    batches = [files[i : i + args.batch] for i in range(0, n, args.batch)]

    def ingest_all() -> None:
        for batch in batches:
            instances_ingest(items=batch)

    def ingest_round() -> float:
        wipe()
        start = time.process_time()
        ingest_all()
        return (time.process_time() - start) * 1000

    ingest = sorted(ingest_round() for _ in range(args.rounds))[args.rounds // 2]
    print(f"{'instances_ingest (whole service)':<44}{ingest / n:>12.3f}")

    bodies = [stow_body(batch) for batch in batches]

    def stow_all() -> None:
        for body, content_type in bodies:
            response = client.post("/dicomweb/studies", body, content_type=content_type)
            assert response.status_code == 200, response.content[:300]

    def stow_round() -> float:
        wipe()
        start = time.process_time()
        stow_all()
        return (time.process_time() - start) * 1000

    stow = sorted(stow_round() for _ in range(args.rounds))[args.rounds // 2]
    print(f"{'STOW-RS request (test client, all layers)':<44}{stow / n:>12.3f}")
    if args.profile == "stow":
        wipe()
        _profile(stow_all, args.sort)

    series_uid = Series.objects.values_list("series_instance_uid", flat=True).first()
    requests = {
        "QIDO studies?PatientID": ("/dicomweb/studies?PatientID=BENCH-1", {}),
        "QIDO studies/{study}/series": (f"/dicomweb/studies/{study_uid}/series", {}),
        "QIDO series/{series}/instances": (
            f"/dicomweb/studies/{study_uid}/series/{series_uid}/instances",
            {},
        ),
        "WADO series metadata": (
            f"/dicomweb/studies/{study_uid}/series/{series_uid}/metadata",
            {"Accept": "application/dicom+json"},
        ),
    }
    print(f"\n{'request':<44}{'ms/request':>12}")
    for name, (url, headers) in requests.items():

        def get(url: str = url, headers: dict[str, str] = headers) -> None:
            for _ in range(args.repeats):
                response = client.get(url, headers=headers)
                assert response.status_code == 200, response.content[:300]
                if response.streaming:
                    b"".join(response.streaming_content)  # type: ignore[attr-defined]

        print(f"{name:<44}{cpu_ms(get, args.rounds) / args.repeats:>12.3f}")
        if args.profile == "qido" and name.startswith("QIDO studies/"):
            _profile(get, args.sort)
        if args.profile == "metadata" and name.startswith("WADO"):
            _profile(get, args.sort)


def _stow_quietly(server: Any, files: list[bytes], batch: int) -> None:
    import archive

    archive.stow(server, files, 1, batch)


def _each(step: Callable[[bytes], object], files: list[bytes]) -> None:
    """``step`` on every file, keeping no result: ingest holds one batch at a time, and
    holding hundreds of parsed objects makes the garbage collector's passes longer."""
    for data in files:
        step(data)


def _write_and_drop(store: Any, data: bytes) -> int:
    store.write([data]).discard()
    return len(data)


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def server_cpu(args: argparse.Namespace, workdir: Path) -> None:
    """CPU ms per instance / request spent by gunicorn workers and PostgreSQL backends."""
    import archive
    import psycopg

    url = args.database_url or "postgres://postgres@127.0.0.1:5432/assist_cpu_gunicorn"
    database = url.rsplit("/", 1)[1]
    reset_database(url)
    study_uid, files = archive.make_study(args.instances)
    hz = os.sysconf("SC_CLK_TCK")
    print(f"gunicorn -w {args.workers} --threads {args.threads}, PostgreSQL; {len(files)} MR")
    with (
        archive.assist(workdir, url, args.workers, args.threads) as server,
        psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin,
    ):
        workers = _gunicorn_processes(workdir)

        def backends() -> list[int]:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
            ).fetchall()
            return [int(r[0]) for r in rows]

        def spent(call: Callable[[], None], count: int) -> tuple[float, float]:
            before = {pid: _ticks(pid) for pid in workers + backends()}
            call()
            ms = [
                sum(_ticks(pid) - before.get(pid, 0) for pid in pids) * 1000 / hz / count
                for pids in (workers, backends())
            ]
            return ms[0], ms[1]

        def measure(name: str, calls: list[Callable[[], None]], count: int, unit: str) -> None:
            rounds = sorted((spent(call, count) for call in calls), key=sum)
            web, database = rounds[len(rounds) // 2]
            low = sum(rounds[0])
            print(
                f"{name:<34}{web + database:>8.3f}{low:>8.3f}{web:>10.3f}{database:>10.3f}  {unit}"
            )

        # Every worker's first requests pay one-time costs (imports, caches, prepared
        # statements); a study of its own, sent first, takes them out of the figures.
        archive.stow(server, archive.make_study(80)[1], 1, 5)
        print(f"CPU ms, median of {args.rounds} rounds (and the lowest), one client")
        print(f"{'':<34}{'total':>8}{'lowest':>8}{'gunicorn':>10}{'postgres':>10}")
        studies = [files] + [archive.make_study(args.instances)[1] for _ in range(args.rounds - 1)]
        measure(
            "STOW-RS, batches of 10",
            [functools.partial(_stow_quietly, server, f, args.batch) for f in studies],
            len(files),
            "per instance",
        )
        get = server.session.get
        series_uid = get(f"{server.base}/studies/{study_uid}/series").json()[0]["0020000E"][
            "Value"
        ][0]
        urls = {
            "unknown URL (404)": (f"{server.base}/nothing-here", {}),
            "QIDO studies?PatientID": (f"{server.base}/studies?PatientID=BENCH-1", {}),
            "QIDO studies/{study}/series": (f"{server.base}/studies/{study_uid}/series", {}),
            "WADO series metadata": (
                f"{server.base}/studies/{study_uid}/series/{series_uid}/metadata",
                {"Accept": "application/dicom+json"},
            ),
        }
        for name, (address, headers) in urls.items():

            def repeat(address: str = address, headers: dict[str, str] = headers) -> None:
                for _ in range(args.repeats):
                    response = get(address, headers=headers)
                    assert response.status_code in (200, 404), response.text[:300]

            measure(name, [repeat] * args.rounds, args.repeats, "per request")


def _gunicorn_processes(workdir: Path) -> list[int]:
    """The gunicorn master and workers serving from ``workdir``."""
    marker = f"ASSIST_DATA_DIR={workdir}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc / "cmdline").read_bytes()
            if b"gunicorn" in command and marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    if not found:
        raise RuntimeError("gunicorn is not running")
    return found


def _profile(call: Callable[[], object], sort: str) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(call)
    pstats.Stats(profiler).sort_stats(sort).print_stats(40)


if __name__ == "__main__":
    main()
