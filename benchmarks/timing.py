"""Side-by-side timing: warm-up, then interleaved rounds, then the median.

Everything that is compared in one table row is timed in the same rounds:
round r runs every implementation once (in a rotated order), so a burst of
load from another process slows all of them alike instead of favouring
whichever happened to run in a quiet moment. The reported number is the
median over the rounds of ``time.perf_counter`` differences; ratios are
ratios of medians.

Multithreaded libraries disturb each other when called back to back: after a
product, OpenBLAS's worker threads keep spinning for about 2**28 cycles
(~0.1 s) before they sleep, and a PyTorch call started in that window shares
the two cores with them (measured here: torch's 0.4 ms conv took 15 ms right
after a NumPy product). So every timed call of a multithreaded implementation
is preceded by a quiet gap (``gap_s``) and one untimed call of the *same*
implementation: each is measured in its own steady state, as in a training
loop that calls it over and over. Single-threaded Python references
(``plain``) are timed directly.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence


@dataclass
class Timing:
    median_s: float
    samples_s: List[float]
    scale: float = 1.0   # > 1 when a slow reference ran on a fraction of the work (see `fraction`)

    @property
    def median_ms(self) -> float:
        return self.median_s * 1e3


GAP_S = 0.15


def compare(
    fns: Dict[str, Optional[Callable[[], object]]],
    repeats: int,
    warmup: int = 1,
    scales: Optional[Dict[str, float]] = None,
    plain: Sequence[str] = ("loops", "scipy"),
    gap_s: float = GAP_S,
) -> Dict[str, Optional[Timing]]:
    """Time every callable in ``fns`` side by side; ``None`` entries stay ``None``.

    ``scales[name]`` multiplies that entry's times: a reference that was run on
    1/8 of the images reports 8x its measured time (linear extrapolation).
    Entries not in ``plain`` get a quiet gap and an untimed call before each
    timed one (see the module docstring).
    """
    live = {k: f for k, f in fns.items() if f is not None}
    scales = scales or {}
    for _ in range(warmup):
        for f in live.values():
            f()
    samples: Dict[str, List[float]] = {k: [] for k in live}
    names = list(live)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection in the middle of one sample is noise, not cost
    try:
        for r in range(repeats):
            order = names[r % len(names):] + names[: r % len(names)] if names else []
            for k in order:
                if k not in plain:
                    time.sleep(gap_s)
                    live[k]()
                t0 = time.perf_counter()
                live[k]()
                samples[k].append(time.perf_counter() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    out: Dict[str, Optional[Timing]] = {}
    for k in fns:
        if k not in live:
            out[k] = None
            continue
        s = scales.get(k, 1.0)
        scaled = [t * s for t in samples[k]]
        out[k] = Timing(median_s=statistics.median(scaled), samples_s=scaled, scale=s)
    return out


def ms(t: Optional[Timing]) -> Optional[float]:
    return None if t is None else t.median_ms


def ratio(a: Optional[Timing], b: Optional[Timing]) -> Optional[float]:
    """a / b of the medians, or None when either is missing."""
    if a is None or b is None or b.median_s == 0:
        return None
    return a.median_s / b.median_s


def gflops(flop: float, t: Optional[Timing]) -> Optional[float]:
    if t is None or t.median_s == 0:
        return None
    return flop / t.median_s / 1e9
