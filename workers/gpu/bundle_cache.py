"""Model bundles fetched from the site once, verified, unpacked by checksum and kept loaded."""

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from workers.gpu.bundle import Bundle, bundle_load
from workers.gpu.bundle_archive import bundle_sha256, bundle_unpack
from workers.gpu.errors import PermanentError
from workers.gpu.site_api import ModelRef

Download = Callable[[ModelRef], tuple[bytes, str | None]]


class BundleCache:
    """``root/<sha256>/`` holds each unpacked bundle; the last loaded networks stay in memory,
    so a worker pays for loading a model once, not per study."""

    def __init__(self, root: Path, download: Download) -> None:
        self.root = Path(root)
        self.download = download
        self._loaded: dict[str, Bundle] = {}
        self._lock = threading.Lock()

    def bundle(self, model: ModelRef) -> Bundle:
        with self._lock:
            if model.sha256 not in self._loaded:
                self._loaded = {model.sha256: bundle_load(self._folder(model))}
            return self._loaded[model.sha256]

    def _folder(self, model: ModelRef) -> Path:
        folder = self.root / model.sha256
        if (folder / ".verified").is_file():
            return self._bundle_root(folder)
        data, announced = self.download(model)
        actual = bundle_sha256(data)
        # The registry's checksum is the trust anchor; the header only catches a proxy that
        # served something else.
        if actual != model.sha256 or (announced and announced.lower() != actual):
            raise PermanentError(
                f"The downloaded bundle of {model.name} {model.version} does not match the "
                f"registered checksum (got {actual[:12]}..., expected {model.sha256[:12]}...).")
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self.root))
        try:
            bundle_unpack(data, staging)
            (staging / ".verified").write_text(actual + "\n")
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)  # atomic: a crash leaves no half-unpacked bundle behind
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self._bundle_root(folder)

    @staticmethod
    def _bundle_root(folder: Path) -> Path:
        found = sorted(folder.rglob("configs/metadata.json"))
        if not found:
            raise PermanentError("The cached model bundle has no configs/metadata.json.")
        return found[0].parent.parent
