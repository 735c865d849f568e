"""The gpu worker's malloc settings: a study's arrays reuse the memory of the last study's."""

import subprocess
import sys

# One "study": thirty 10 MB arrays and one of 32 MB, made and freed; the page faults of three
# more studies after the first. Run in a fresh interpreter: malloc settings are per process.
_STUDIES = """
import resource, sys
import numpy as np
from workers.gpu.allocator import allocator_tune
if sys.argv[1] == "tuned":
    assert allocator_tune()
def study():
    arrays = [np.ones(2_500_000, dtype=np.float32) for _ in range(30)]
    arrays.append(np.ones(8_000_000, dtype=np.float32))
    del arrays
study()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    study()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _STUDIES, mode], capture_output=True,
                          text=True, check=True)
    return int(done.stdout)


def test_tuned_malloc_reuses_freed_memory_instead_of_faulting_it_in_again() -> None:
    plain, tuned = _page_faults("plain"), _page_faults("tuned")

    # glibc's defaults hand most of it back between studies (16,000 faults here, 64 MB).
    assert plain > 5_000
    assert tuned < plain / 20


def test_the_gpu_worker_tunes_malloc_before_its_pool_starts() -> None:
    from celery.signals import worker_init

    from workers.gpu.app import memory_reuse  # connects the handler

    assert any(receiver() is memory_reuse for _, receiver in worker_init.receivers)
