"""Run a test with cnnlib's batch parts as they are, or forced to one image each.

conv2d and pooling work on a few images at a time (``conv.COLS_BYTES``,
``pooling.PART_BYTES``). The property tests draw small batches, which always
fit in one part; run with ``"one image"`` they also cover the code path that
splits a batch, and every image must still give the same numbers.
"""

from __future__ import annotations

import contextlib

from cnnlib import conv, pooling

PARTS = ("batch", "one image")


@contextlib.contextmanager
def part_size(which: str):
    """``"batch"``: cnnlib's own part sizes; ``"one image"``: one image per part."""
    saved = conv.COLS_BYTES, pooling.PART_BYTES
    if which == "one image":
        conv.COLS_BYTES = pooling.PART_BYTES = 1
    try:
        yield
    finally:
        conv.COLS_BYTES, pooling.PART_BYTES = saved
