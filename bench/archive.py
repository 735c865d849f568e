#!/usr/bin/env python
"""The archive against Orthanc, on the same files, in the same run, on this machine.

Starts both servers on loopback with fresh storage: ASSIST under gunicorn on PostgreSQL
(``BENCH_DATABASE_URL``, default the local server) and Orthanc with its DICOMweb plugin (Debian
packages). Then measures, for each: STOW-RS instances/s with parallel clients and the CPU time
the server spent per stored instance (its processes, read from /proc; for ASSIST the gunicorn
processes and the PostgreSQL backends serving its database), QIDO-RS latency, WADO-RS
series-metadata latency and frames/s, and prints the ratios (above 1: ASSIST is faster). On a
shared machine the rates swing by a fifth or more from run to run, and so does the CPU time
(creating files costs the kernel more or less at different times): run it several times.

The same rules for both servers: each stores a small study first, untimed, so that its
processes have loaded their code and opened their connections. STOW-RS request bodies are
built before the clock starts (building them is the client's work, on the same cores as the
server being measured). Both servers stay up for the whole run and take turns: each stores
``--rounds`` studies, one after the other's (its figure is the median; every round's rate is
printed too), and the latencies are requests in turns of both, so that a slow stretch of the
machine (other work, the host) falls on both rather than on whichever was being measured.

    .venv/bin/python bench/archive.py [--instances 480] [--clients 4]

Both servers keep their files in one temporary folder (``TMPDIR`` chooses where); the run
prints it with the CPU cost of creating a file there, which differs between filesystems and
even between folders of one disk, and weighs on both servers' ingest. Both flush each stored
file to disk before answering (Orthanc's ``SyncStorageArea``, on by default since 1.7.4;
ASSIST always), so the wait for the disk weighs on both too: a journaled filesystem (ext4,
XFS), as a hospital server would have, makes that wait longer than one without a journal.
"""

import argparse
import functools
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.local_site import cpu_model, free_port, reset_database, wait_http  # noqa: E402

ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
ORTHANC_DICOMWEB = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


@dataclass(frozen=True)
class Server:
    name: str
    base: str  # DICOMweb root
    session: requests.Session
    # The processes whose CPU time is the server's: its own, and for ASSIST its database's.
    processes: Callable[[], list[int]]


@dataclass
class Figures:
    stow_instances_per_s: float = 0.0
    stow_cpu_ms: float = 0.0  # CPU of the server's processes per stored instance
    qido_studies_ms: float = 0.0
    qido_series_ms: float = 0.0
    metadata_ms: float = 0.0
    frames_per_s: float = 0.0


def make_study(
    instances: int, series_count: int = 4, size: int = 256, patient_id: str = "BENCH-1"
) -> tuple[str, list[bytes]]:
    """One MR study of ``series_count`` series, 16-bit ``size``² slices, like a brain MRI."""
    study_uid, frame_of_reference_uid, files = generate_uid(), generate_uid(), []
    rng = np.random.default_rng(7)
    per_series = instances // series_count
    for s in range(series_count):
        series_uid = generate_uid()
        for n in range(per_series):
            ds = Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
            ds.SOPClassUID = MRImageStorage
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
            ds.FrameOfReferenceUID = frame_of_reference_uid
            ds.PatientID, ds.PatientName = patient_id, "Bench^Patient"
            ds.StudyDate, ds.StudyTime, ds.AccessionNumber = "20260101", "101010", "B1"
            ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "MR", s + 1, n + 1
            ds.SeriesDescription = ["T1", "T1 +C", "T2", "FLAIR"][s % 4]
            ds.ImagePositionPatient = [-128.0, -128.0, float(n)]
            ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
            ds.PixelSpacing, ds.SliceThickness = [1, 1], 1
            ds.Rows = ds.Columns = size
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
            ds.PixelData = rng.integers(0, 4096, (size, size), dtype=np.uint16).tobytes()
            buffer = io.BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            files.append(buffer.getvalue())
    return study_uid, files


@contextmanager
def orthanc(workdir: Path) -> Iterator[Server]:
    http, dicom = free_port(), free_port()
    config = {
        "Name": "bench",
        "HttpPort": http,
        "DicomPort": dicom,
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"),
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "Plugins": [ORTHANC_DICOMWEB],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "HttpServerKeepAlive": True,
        "SyncStorageArea": True,  # its default, named: ASSIST flushes each file too
    }
    (workdir / "orthanc.json").write_text(json.dumps(config))
    log = (workdir / "orthanc.log").open("w")
    process = subprocess.Popen([ORTHANC, str(workdir / "orthanc.json")], stdout=log, stderr=log)
    session = requests.Session()
    try:
        wait_http(f"http://127.0.0.1:{http}/system", session)
        yield Server(
            "Orthanc", f"http://127.0.0.1:{http}/dicom-web", session, lambda: [process.pid]
        )
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def assist(workdir: Path, database_url: str, workers: int, threads: int) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "ASSIST_DATA_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    py = str(REPO / ".venv" / "bin" / "python")
    manage = [py, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
    subprocess.run(
        [
            *manage,
            "shell",
            "--no-imports",
            "-c",
            "from assist_web.accounts.models import User; "
            "User.objects.create_user('bench', password=None, role='physician')",
        ],
        env=env,
        check=True,
        cwd=REPO,
    )
    token = subprocess.run(
        [*manage, "drf_create_token", "bench"],
        env=env,
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()[2]
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "gunicorn"),
            "assist_web.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--keep-alive",
            "30",
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    try:
        wait_http(f"http://127.0.0.1:{port}/dicomweb/studies", session)
        database = database_url.rsplit("/", 1)[1]
        yield Server(
            "ASSIST",
            f"http://127.0.0.1:{port}/dicomweb",
            session,
            lambda: [*_process_tree(process.pid), *_postgres_backends(database)],
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def stow(server: Server, files: list[bytes], clients: int, batch: int) -> float:
    """Instances/s of ``clients`` parallel STOW-RS requests of ``batch`` instances each.

    The request bodies are built before the clock starts: building them is the client's work,
    on the same cores as the server, and would count against whichever server is measured.
    """
    headers_auth = dict(server.session.headers)
    requests_ready = [_stow_body(files[i : i + batch]) for i in range(0, len(files), batch)]

    def send(request: tuple[bytes, str]) -> None:
        body, content_type = request
        response = requests.post(
            f"{server.base}/studies",
            data=body,
            timeout=300,
            headers={
                **headers_auth,
                "Accept": "application/dicom+json",
                "Content-Type": content_type,
            },
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"{server.name} STOW answered {response.status_code}: {response.text[:300]}"
            )

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, requests_ready))
    return len(files) / (time.perf_counter() - start)


def _stow_body(files: list[bytes]) -> tuple[bytes, str]:
    """A multipart/related body of DICOM parts, and its Content-Type."""
    boundary = uuid.uuid4().hex
    head = f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    body = b"".join(head + f + b"\r\n" for f in files) + f"--{boundary}--\r\n".encode()
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def medians_ms(
    calls: Mapping[str, Callable[[], requests.Response]], repeats: int, rounds: int = 5
) -> dict[str, float]:
    """The median latency of each server's call over ``repeats`` requests, made in ``rounds``
    turns of the servers, so that a slow stretch of the machine falls on both."""
    for call in calls.values():
        call()  # warm caches and connections the same way for both servers
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            for _ in range(max(1, repeats // rounds)):
                start = time.perf_counter()
                response = calls[name]()
                times[name].append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{response.url} answered {response.status_code}")
    return {name: statistics.median(values) for name, values in times.items()}


def frames_per_s(server: Server, study_uid: str, clients: int) -> float:
    series = server.session.get(f"{server.base}/studies/{study_uid}/series").json()
    urls = []
    for item in series:
        series_uid = item["0020000E"]["Value"][0]
        for inst in server.session.get(
            f"{server.base}/studies/{study_uid}/series/{series_uid}/instances"
        ).json():
            sop = inst["00080018"]["Value"][0]
            urls.append(
                f"{server.base}/studies/{study_uid}/series/{series_uid}/instances/{sop}/frames/1"
            )
    headers = {
        **server.session.headers,
        "Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
    }
    sessions = [requests.Session() for _ in range(clients)]

    def fetch(index: int) -> int:
        response = sessions[index % clients].get(urls[index], headers=headers, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"{server.name} frames answered {response.status_code}")
        return len(response.content)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(fetch, range(len(urls))))
    return len(urls) / (time.perf_counter() - start)


@dataclass
class StowRounds:
    rates: dict[str, list[float]]  # instances/s of each round
    # CPU milliseconds per stored instance of the server's processes in each round: unlike
    # the rate, this barely depends on what else the machine runs at the time.
    cpu_ms: dict[str, list[float]]


def stow_rounds(
    servers: list[Server], studies: list[list[bytes]], args: argparse.Namespace
) -> StowRounds:
    """Instances/s of each server storing each study, the servers taking turns.

    Both servers are up for the whole run and store the studies alternately, the first to go
    alternating too, so a stretch of a slower machine (other work, the host) falls on both
    instead of on whichever server it happened to be measuring."""
    rates: dict[str, list[float]] = {server.name: [] for server in servers}
    cpu_ms: dict[str, list[float]] = {server.name: [] for server in servers}
    for number, study in enumerate(studies):
        for server in servers if number % 2 == 0 else servers[::-1]:
            os.sync()  # the last round's files written out, not flushed during this one
            processes = server.processes()
            before = _cpu_seconds(processes)
            rates[server.name].append(stow(server, study, args.clients, args.batch))
            cpu_ms[server.name].append((_cpu_seconds(processes) - before) * 1000 / len(study))
    return StowRounds(rates, cpu_ms)


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / _TICKS


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, index = [root], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], []))
        index += 1
    return tree


def _postgres_backends(database: str) -> list[int]:
    """PostgreSQL's processes serving ``database``: their title is 'postgres: [cluster:] user
    database address state'."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().decode(errors="replace").split()
        except OSError:
            continue
        if title[:1] == ["postgres:"] and database in title[2:4]:
            found.append(int(cmdline.parent.name))
    return found


def read_figures(
    servers: list[Server], study_uid: str, args: argparse.Namespace
) -> dict[str, Figures]:
    """The read figures of each server, on the first stored study."""
    figures = {server.name: Figures() for server in servers}

    def each(
        url: Callable[[Server], str],
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, float]:
        calls = {
            server.name: functools.partial(
                server.session.get, url(server), params=params, headers=headers
            )
            for server in servers
        }
        return medians_ms(calls, args.repeats)

    studies = each(lambda server: f"{server.base}/studies", params={"PatientID": "BENCH-1"})
    series = each(lambda server: f"{server.base}/studies/{study_uid}/series")
    first_series = {
        server.name: server.session.get(f"{server.base}/studies/{study_uid}/series").json()[0][
            "0020000E"
        ]["Value"][0]
        for server in servers
    }
    metadata = each(
        lambda server: (
            f"{server.base}/studies/{study_uid}/series/{first_series[server.name]}/metadata"
        ),
        headers={"Accept": "application/dicom+json"},
    )
    for server in servers:
        figure = figures[server.name]
        figure.qido_studies_ms = studies[server.name]
        figure.qido_series_ms = series[server.name]
        figure.metadata_ms = metadata[server.name]
        figure.frames_per_s = frames_per_s(server, study_uid, args.clients)
    return figures


def _figure(value: float) -> str:
    return f"{value:>10.2f}" if value < 10 else f"{value:>10.1f}"


def _filesystem(folder: Path) -> str:
    """The filesystem holding ``folder``, and for ext4 whether it keeps a journal."""
    mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    device, point, kind = "", "", "unknown"
    for fields in mounts:
        if folder.resolve().is_relative_to(fields[1]) and len(fields[1]) >= len(point):
            device, point, kind = fields[0], fields[1], fields[2]
    if kind == "ext4":
        task = Path("/sys/fs/ext4") / Path(device).name / "journal_task"
        if task.exists():
            kind += " without a journal" if task.read_text().strip() == "<none>" else " (journaled)"
    return f"{kind} on {device or '?'}"


def _create_cost_ms(folder: Path, files: int = 200) -> float:
    """CPU milliseconds to create, write (128 KiB) and rename one file in a new subfolder."""
    probe = folder / "create-probe"
    probe.mkdir()
    data = bytes(128 * 1024)
    start = time.process_time()
    for number in range(files):
        part = probe / f"{number}.part"
        part.write_bytes(data)
        part.rename(probe / f"{number}.dcm")
    cost = (time.process_time() - start) * 1000 / files
    shutil.rmtree(probe)
    return cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=480)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10, help="instances per STOW request")
    parser.add_argument(
        "--rounds", type=int, default=3, help="studies each server stores, timed (median)"
    )
    # Requests per latency figure and server, in 5 turns of the servers. The first request of
    # a turn meets a server whose caches the other one just used; with 30 such requests those
    # were a sixth of the sample and moved the medians by a fifth from run to run.
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument(
        "--warmup",
        type=int,
        default=80,
        help="instances of another patient stored first on each server, not timed (0: none)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for ASSIST")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assist_bench"
        ),
    )
    args = parser.parse_args()

    study_uid, files = make_study(args.instances)
    studies = [files] + [
        make_study(args.instances, patient_id=f"BENCH-{n}")[1] for n in range(2, args.rounds + 1)
    ]
    warmup = make_study(args.warmup, patient_id="WARMUP-1")[1] if args.warmup else []
    size_mb = sum(map(len, files)) / 1e6
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}")
    print(
        f"data: {len(files)} MR instances in 4 series, {size_mb:.0f} MB, {args.rounds} such "
        f"studies; {args.clients} clients, {args.batch} instances per STOW request; ASSIST: "
        f"gunicorn -w {args.workers} --threads {args.threads}, "
        f"{args.database_url.split('://')[0]}; warm-up: {len(warmup)} instances per server"
    )
    print(f"load average before: {_load()}")
    reset_database(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        # Both servers store their files here; the figures depend on that filesystem, so it is
        # named. TMPDIR chooses it. On ext4 without a journal, creating a file costs more CPU
        # for some minutes after many were deleted (it skips inodes freed recently): up to
        # 0.5 ms on one machine, against 0.06 ms otherwise.
        print(
            f"storage of both servers: {tmp}, {_filesystem(Path(tmp))} "
            f"({_create_cost_ms(Path(tmp)):.3f} ms CPU per file created there)"
        )
        (Path(tmp) / "orthanc").mkdir()
        (Path(tmp) / "assist").mkdir()
        with (
            orthanc(Path(tmp) / "orthanc") as theirs,
            assist(Path(tmp) / "assist", args.database_url, args.workers, args.threads) as ours,
        ):
            servers = [theirs, ours]
            for server in servers:
                if warmup:
                    # Each server process's first requests load code and open connections; a
                    # study of its own, stored first, spreads that over every process.
                    stow(server, warmup, args.clients, args.batch)
            rounds = stow_rounds(servers, studies, args)
            results = read_figures(servers, study_uid, args)
            for server in servers:
                figure = results[server.name]
                figure.stow_instances_per_s = statistics.median(rounds.rates[server.name])
                figure.stow_cpu_ms = statistics.median(rounds.cpu_ms[server.name])
    for name, per_round in rounds.rates.items():
        print(f"STOW-RS rounds, {name}: " + ", ".join(f"{rate:.0f}" for rate in per_round))
    for name, per_round in rounds.cpu_ms.items():
        print(
            f"STOW-RS server CPU ms per instance, {name}: "
            + ", ".join(f"{ms:.2f}" for ms in per_round)
        )
    a, o = results["ASSIST"], results["Orthanc"]
    rows = [
        ("STOW-RS ingest (instances/s)", a.stow_instances_per_s, o.stow_instances_per_s, True),
        ("STOW-RS server CPU (ms/instance)", a.stow_cpu_ms, o.stow_cpu_ms, False),
        ("QIDO-RS studies by PatientID (ms)", a.qido_studies_ms, o.qido_studies_ms, False),
        ("QIDO-RS series of a study (ms)", a.qido_series_ms, o.qido_series_ms, False),
        ("WADO-RS series metadata (ms)", a.metadata_ms, o.metadata_ms, False),
        ("WADO-RS frames (frames/s)", a.frames_per_s, o.frames_per_s, True),
    ]
    print(f"\n{'figure':<36}{'ASSIST':>10}{'Orthanc':>10}{'ratio':>8}")
    for name, mine, theirs_figure, higher_is_better in rows:
        ratio = mine / theirs_figure if higher_is_better else theirs_figure / mine
        print(f"{name:<36}{_figure(mine)}{_figure(theirs_figure)}{ratio:>7.2f}x")
    print("ratio: how many times better ASSIST is (above 1: faster than Orthanc)")
    print(f"load average after: {_load()}")


def _load() -> str:
    """Other work on the machine skews every figure here; say how much there was."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} cores)"


if __name__ == "__main__":
    main()
