import json
import socket
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import torch

from tests.gpu.conftest import DEMO_BUNDLE
from workers.gpu.bundle import bundle_load
from workers.gpu.bundle_archive import bundle_pack, bundle_sha256, bundle_unpack
from workers.gpu.bundle_cache import BundleCache
from workers.gpu.errors import PermanentError
from workers.gpu.site_api import ModelRef

MAX_WEIGHTS_BYTES = 2 * 1024 * 1024  # committed to git: keep the demo's weights small


def _model(data: bytes) -> ModelRef:
    return ModelRef(id=1, name="demo", version="0.1.0", sha256=bundle_sha256(data),
                    bundle_url="")


def test_demo_bundle_loads_offline_and_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("loading a bundle must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    bundle = bundle_load(DEMO_BUNDLE)
    assert bundle.channels == ("T1", "T1c", "T2", "FLAIR")
    assert bundle.outputs == ("TC", "WT", "ET", "Brain")
    assert not bundle.network.training
    with torch.inference_mode():
        out = bundle.inferer(inputs=torch.rand(1, 4, 20, 40, 36), network=bundle.network)
    assert out.shape == (1, 4, 20, 40, 36)


def test_demo_bundle_metadata_records_how_it_was_made() -> None:
    metadata = json.loads((DEMO_BUNDLE / "configs/metadata.json").read_text())
    assert metadata["required_sequences"] == ["T1", "T1c", "T2", "FLAIR"]
    assert metadata["labels"]["3"] == "enhancing tumour"
    inference = json.loads((DEMO_BUNDLE / "configs/inference.json").read_text())
    assert metadata["preprocessing"]["spacing_mm"] == inference["spacing_mm"] == [1.5, 1.0, 1.0]
    training = metadata["training"]
    assert training["command"].startswith("python -m workers.gpu.train ")
    assert set(training["validation"]["dice"]) == {"GTV", "Edema", "Brain"}
    assert (DEMO_BUNDLE / "models/model.pt").stat().st_size < MAX_WEIGHTS_BYTES


def test_pack_is_reproducible_and_unpacks_to_a_loadable_bundle(tmp_path: Path) -> None:
    data = bundle_pack(DEMO_BUNDLE)
    assert bundle_pack(DEMO_BUNDLE) == data
    root = bundle_unpack(data, tmp_path)
    assert bundle_load(root).version == bundle_load(DEMO_BUNDLE).version


def test_cache_verifies_the_checksum_and_downloads_once(tmp_path: Path) -> None:
    data = bundle_pack(DEMO_BUNDLE)
    downloads: list[int] = []

    def download(model: ModelRef) -> tuple[bytes, str | None]:
        downloads.append(model.id)
        return data, bundle_sha256(data)

    cache = BundleCache(tmp_path, download)
    first = cache.bundle(_model(data))
    assert cache.bundle(_model(data)) is first
    assert BundleCache(tmp_path, download).bundle(_model(data)).version == first.version
    assert downloads == [1]


def test_cache_refuses_a_bundle_that_does_not_match_the_registry(tmp_path: Path) -> None:
    data = bundle_pack(DEMO_BUNDLE)
    registered = ModelRef(id=1, name="demo", version="0.1.0", sha256="0" * 64, bundle_url="")
    cache = BundleCache(tmp_path / "cache", lambda model: (data, None))
    with pytest.raises(PermanentError, match="does not match the registered checksum"):
        cache.bundle(registered)
    assert not (tmp_path / "cache").exists()


def test_unpack_refuses_paths_that_leave_the_folder(tmp_path: Path) -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("configs/metadata.json", "{}")
        archive.writestr("../evil.py", "print('x')")
    with pytest.raises(PermanentError, match="unsafe path"):
        bundle_unpack(buffer.getvalue(), tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_a_bundle_without_weights_is_a_permanent_error(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    for name in ("metadata.json", "inference.json"):
        (tmp_path / "configs" / name).write_bytes((DEMO_BUNDLE / "configs" / name).read_bytes())
    with pytest.raises(PermanentError, match="no models/model.pt"):
        bundle_load(tmp_path)
