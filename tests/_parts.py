"""Run a test with cnnlib's batch parts as they are, forced to one image each, or without the batch-last path.

conv2d and pooling work on a few images at a time (``conv.COLS_BYTES``,
``pooling.PART_BYTES``). The property tests draw small batches, which always
fit in one part; run with ``"one image"`` they also cover the code path that
splits a batch, and every image must still give the same numbers.

For small maps conv2d lays the batch out batch-last and makes one product of
the whole batch (``conv.BATCH_LAST``; the property tests draw small maps, so
they take that path). ``"batch first"`` switches it off, so that the same
tests cover the per-image path as well.
"""

from __future__ import annotations

import contextlib

from cnnlib import conv, pooling

PARTS = ("batch", "one image", "batch first")


@contextlib.contextmanager
def part_size(which: str):
    """``"batch"``: cnnlib as it is; ``"one image"``: one image per part; ``"batch first"``: no batch-last path."""
    saved = conv.COLS_BYTES, pooling.PART_BYTES, conv.BATCH_LAST
    if which == "one image":
        conv.COLS_BYTES = pooling.PART_BYTES = 1
    if which == "batch first":
        conv.BATCH_LAST = False
    try:
        yield
    finally:
        conv.COLS_BYTES, pooling.PART_BYTES, conv.BATCH_LAST = saved
