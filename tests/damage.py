"""Bytes damaged the way transfers and disks damage files, for the tests that feed damaged
files to the site: a few bytes changed (mostly near the start, where lengths, types and
directory entries are), the end cut off, or a few bytes inserted. The caller seeds ``rng``, so
a failing case can be made again."""

import random

_HEAD = 4000  # bytes near the start, where most of a header's structure is


def damaged(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    how = rng.random()
    if how < 0.5:
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(min(len(out), _HEAD) if rng.random() < 0.8 else len(out))
            out[at] = rng.randrange(256)
    elif how < 0.8:
        del out[rng.randrange(len(out)) :]
    else:
        at = rng.randrange(min(len(out), _HEAD))
        out[at:at] = rng.randbytes(rng.randint(1, 40))
    return bytes(out)
