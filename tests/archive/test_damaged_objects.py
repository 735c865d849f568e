"""Objects damaged the way transfers and disks damage them (tests/damage.py), made from
pydicom's corpus of vendor files: each one is stored or refused with a reason, never an
error, and a refused one leaves no row and no file behind."""

import random
from pathlib import Path

import pydicom.data
import pytest

from assist_web.archive.ingest import Outcome, instances_ingest
from assist_web.archive.models import Instance, SiteSettings
from tests.damage import damaged

pytestmark = pytest.mark.django_db

# The vendor files inside pydicom's wheel (its data manager would also try to download more).
CORPUS = sorted(
    p
    for p in (Path(pydicom.data.__file__).parent / "test_files").rglob("*")
    if p.is_file() and p.stat().st_size < 3e6
)


@pytest.mark.parametrize("deidentify", [False, True])
def test_a_damaged_object_is_stored_or_refused_never_an_error(
    data_dir: Path, deidentify: bool
) -> None:
    SiteSettings.objects.update_or_create(pk=1, defaults={"deidentify_on_ingest": deidentify})
    rng = random.Random(f"damaged-{deidentify}")
    objects = [damaged(rng, rng.choice(CORPUS).read_bytes()) for _ in range(300)]

    results = [instances_ingest(items=[data])[0] for data in objects]

    refused = [r for r in results if r.outcome == Outcome.REFUSED]
    stored = [r for r in results if r.outcome == Outcome.STORED]
    assert len(refused) > 75  # the damage mostly shows
    assert all(r.reason for r in refused)
    assert Instance.objects.count() == len(stored)
    assert sum(1 for p in (data_dir / "dicom").rglob("*") if p.is_file()) == len(stored)
