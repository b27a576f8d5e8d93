"""Scratch arrays that cnnlib reuses from one call to the next (one set per thread).

Why bother: a new NumPy array of a few megabytes gets fresh pages from the
operating system, and the first write to each 4 KiB page traps into the kernel
(a *page fault*), which clears the page before handing it over. The C library
gives large freed blocks straight back to the system, so a temporary that is
allocated in every call faults in every call. How much that costs depends on
the machine and its load; ``make bench`` measures it side by side (table
``variants_conv``, column ``no scratch``). On the book's shared 2-core machine
it paid mostly in the backward pass, where the largest temporaries are made:
wide-14x14 float64 31.9 ms with scratch vs 154 ms without, AlexNet conv1
float32 1.9 s vs 3.2 s; in the forward pass 1.0-1.8x (mnist-conv2 float32
13.9 vs 21.6 ms under load), with two rows (AlexNet and wide-14x14 in float64)
faster without it. Pooling does not use it: there it measured the same with
and without, within the noise.

So the temporaries of conv2d (padded images, im2col columns, gradient
columns) come from here. Each named *slot* keeps its memory,
and the next request for that slot writes over the same pages, already
mapped. The memory kept is bounded: a request larger than ``KEEP_BYTES`` gets
a plain new array, which is not kept, and :func:`release` lets go of it all.

The rule that makes this safe: an array taken from a slot is used only inside
the call that took it and is never returned to the caller, because the next
request for the same slot overwrites it. Each thread has its own slots.
"""

from __future__ import annotations

import threading
from math import prod
from typing import Dict, Tuple

import numpy as np

KEEP_BYTES = 32 * 2**20

_local = threading.local()


def scratch(slot: str, shape: Tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype``, in ``slot``'s memory.

    >>> a = scratch("doctest", (2, 3), np.float32)
    >>> a.shape, a.dtype, a.flags.c_contiguous
    ((2, 3), dtype('float32'), True)
    >>> b = scratch("doctest", (6,), np.float32)      # the same memory again
    >>> np.shares_memory(a, b)
    True
    """
    dtype = np.dtype(dtype)
    nbytes = prod(shape) * dtype.itemsize
    if nbytes > KEEP_BYTES:
        return np.empty(shape, dtype)
    slots: Dict[str, np.ndarray] = _local.__dict__.setdefault("slots", {})
    buf = slots.get(slot)
    if buf is None or buf.nbytes < nbytes:
        # float64 storage: aligned for every dtype cnnlib computes in.
        buf = slots[slot] = np.empty(-(-nbytes // 8), np.float64)
    return buf.view(np.uint8)[:nbytes].view(dtype).reshape(shape)


def image_slices(n: int, bytes_per_image: int, budget: int):
    """Consecutive slices of a batch of ``n`` images, each within ``budget`` bytes (but at least one image).

    >>> image_slices(5, 100, 250)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    step = max(1, budget // max(1, bytes_per_image))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def release() -> None:
    """Let go of this thread's scratch memory (the next call allocates it again)."""
    _local.__dict__.pop("slots", None)


def held_bytes() -> int:
    """Bytes this thread's slots hold."""
    return sum(b.nbytes for b in _local.__dict__.get("slots", {}).values())
