"""Objects damaged the way transfers and disks damage them (bytes changed, cut short, bytes
inserted), made from pydicom's corpus of vendor files: each one is stored or refused with a
reason, never an error, and a refused one leaves no row and no file behind. Seeded, so a
failure names objects that can be made again."""

import random
from pathlib import Path

import pytest
from pydicom.data import get_testdata_files

from assist_web.archive.ingest import Outcome, instances_ingest
from assist_web.archive.models import Instance, SiteSettings

pytestmark = pytest.mark.django_db

CORPUS = sorted(
    Path(f) for f in get_testdata_files("*") if Path(f).is_file() and Path(f).stat().st_size < 3e6
)


def _damaged(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    how = rng.random()
    if how < 0.5:  # a few bytes changed, mostly in the header where lengths and VRs are
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(min(len(damaged), 4000) if rng.random() < 0.8 else len(damaged))
            damaged[at] = rng.randrange(256)
    elif how < 0.8:  # cut short
        del damaged[rng.randrange(len(damaged)) :]
    else:  # bytes inserted
        at = rng.randrange(min(len(damaged), 3000))
        damaged[at:at] = rng.randbytes(rng.randint(1, 40))
    return bytes(damaged)


@pytest.mark.parametrize("deidentify", [False, True])
def test_a_damaged_object_is_stored_or_refused_never_an_error(
    data_dir: Path, deidentify: bool
) -> None:
    SiteSettings.objects.update_or_create(pk=1, defaults={"deidentify_on_ingest": deidentify})
    rng = random.Random(f"damaged-{deidentify}")
    objects = [_damaged(rng, rng.choice(CORPUS).read_bytes()) for _ in range(300)]

    results = [instances_ingest(items=[data])[0] for data in objects]

    refused = [r for r in results if r.outcome == Outcome.REFUSED]
    stored = [r for r in results if r.outcome == Outcome.STORED]
    assert len(refused) > 75  # the damage mostly shows
    assert all(r.reason for r in refused)
    assert Instance.objects.count() == len(stored)
    assert sum(1 for p in (data_dir / "dicom").rglob("*") if p.is_file()) == len(stored)
