"""Bundle uploads: what the registry accepts, and that a refusal leaves nothing behind."""

import io
import random
import zipfile
from pathlib import Path

import pytest

from assist_web.accounts.models import User
from assist_web.inference.bundles import BundleInvalid
from assist_web.inference.models import ModelVersion
from assist_web.inference.services import RegistryRefused, model_version_register
from tests.damage import damaged
from tests.flushing import FlushLog
from tests.inference.factories import METADATA, bundle_bytes

pytestmark = pytest.mark.django_db


def _register(data: bytes, user: User, **kwargs: object) -> ModelVersion:
    return model_version_register(bundle_file=io.BytesIO(data), uploaded_by=user, **kwargs)  # type: ignore[arg-type]


def _stored(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "models").rglob("*") if p.is_file())


def test_a_good_bundle_is_stored_by_checksum_as_a_candidate(sam: User, data_dir: Path) -> None:
    data = bundle_bytes()

    version = _register(data, sam, trained_how="phantoms, seeds 0-99")

    assert (version.name, version.version, version.status) == (
        "assist_glioma", "0.1.0", ModelVersion.Status.CANDIDATE,
    )  # fmt: skip
    assert version.metadata == METADATA
    assert version.bundle_path.read_bytes() == data
    assert _stored(data_dir) == [data_dir / "models" / f"{version.sha256}.zip"]


@pytest.mark.django_db(transaction=True)
def test_the_bundle_and_its_folder_reach_the_disk_before_the_version_commits(
    sam: User, flush_log: FlushLog
) -> None:
    version = _register(bundle_bytes(), sam)

    flushed = flush_log.flushed_before_commit()
    assert version.bundle_path.stat().st_ino in flushed
    assert version.bundle_path.parent.stat().st_ino in flushed


def test_a_bundle_inside_one_top_folder_is_accepted(sam: User) -> None:
    version = _register(bundle_bytes(root="assist_glioma/"), sam)

    assert version.bundle_root == "assist_glioma/"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "not a zip archive"),
        (b"%PDF-1.4", "not a zip archive"),
        (bundle_bytes(omit=("models/model.pt",)), "Not a MONAI bundle"),
        (bundle_bytes(omit=("configs/inference.json",)), "Not a MONAI bundle"),
        (bundle_bytes(extra={"../../etc/cron.d/evil": b"x"}), "points outside the bundle"),
        (bundle_bytes(extra={"/etc/passwd": b"x"}), "absolute or Windows path"),
        (bundle_bytes(extra={"models\\..\\..\\evil": b"x"}), "absolute or Windows path"),
        (bundle_bytes(metadata=["a list"]), "must hold a JSON object"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_upload_is_refused_and_leaves_nothing(
    sam: User, data_dir: Path, data: bytes, message: str
) -> None:
    with pytest.raises(BundleInvalid) as refused:
        _register(data, sam)

    assert message in refused.value.message
    assert ModelVersion.objects.count() == 0
    assert _stored(data_dir) == []


def test_a_symbolic_link_member_is_refused(sam: User) -> None:
    buffer = io.BytesIO(bundle_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        link = zipfile.ZipInfo("models/link")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")

    with pytest.raises(BundleInvalid, match="symbolic link"):
        _register(buffer.getvalue(), sam)


def test_a_bundle_over_the_size_limit_is_refused(sam: User, settings: object) -> None:
    settings.ASSIST_MAX_BUNDLE_BYTES = 1024  # type: ignore[attr-defined]

    with pytest.raises(BundleInvalid, match="larger than the limit"):
        _register(bundle_bytes(extra={"big.bin": random.Random(0).randbytes(4096)}), sam)


def test_the_same_bundle_twice_is_refused(sam: User, data_dir: Path) -> None:
    first = _register(bundle_bytes(), sam)

    with pytest.raises(RegistryRefused, match="already registered as assist_glioma 0.1.0"):
        _register(bundle_bytes(), sam, version="0.2.0")

    assert list(ModelVersion.objects.all()) == [first]
    assert len(_stored(data_dir)) == 1


def test_a_bundle_damaged_anywhere_is_refused_with_a_reason_and_leaves_nothing(
    sam: User, data_dir: Path
) -> None:
    intact = bundle_bytes()
    rng = random.Random("damaged bundles")
    refused = 0
    for number in range(150):
        try:
            _register(damaged(rng, intact), sam, version=f"0.0.{number}")
        except (BundleInvalid, RegistryRefused) as refusal:
            assert str(refusal)
            refused += 1

    assert refused > 100
    assert ModelVersion.objects.count() == 150 - refused
    assert len(_stored(data_dir)) == 150 - refused
