"""Which BLAS NumPy uses, and which OpenBLAS kernel (core type) is active.

``python tests/_blas.py`` prints one line such as
``numpy 2.4.6 (SIMD X86_V2+X86_V3+X86_V4+...), BLAS scipy-openblas 0.3.31.188.0, OpenBLAS core SkylakeX, 2 threads``;
``python tests/_blas.py --expect Haswell`` exits 1 unless every OpenBLAS
loaded into the process runs that kernel (``make test-kernels`` uses it so that
a run labelled Haswell really is one: OpenBLAS silently falls back to another
kernel when a name is unknown or the CPU cannot run it).

The core is read from OpenBLAS itself (``openblas_get_corename``, the call
threadpoolctl makes) through ctypes, so no extra package is needed.
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np

# OpenBLAS names the SSE3 baseline kernel set of x86-64 "Katmai" (the first
# alias of gotoblas_PRESCOTT in its table), so OPENBLAS_CORETYPE=Prescott
# reports Katmai.
ALIASES = {"prescott": {"prescott", "katmai"}}


def numpy_blas() -> tuple[str, str]:
    """(name, version) of the BLAS NumPy was built against, e.g. ('scipy-openblas', '0.3.31...')."""
    info = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return str(info.get("name", "unknown")), str(info.get("version", "unknown"))


def repeats_itself() -> bool:
    """True when the BLAS gives bit-identical results for the same product, whatever the threads.

    OpenBLAS does: its matrix products split the output between threads, never
    a sum, and its choice of kernel and blocking depends only on the shapes
    (checked under every OPENBLAS_CORETYPE that ``make test-kernels`` runs).
    MKL (without MKL_CBWR) and Apple's Accelerate do not promise it, so on
    them the tests compare such results with a rounding-error bound instead.
    """
    return "openblas" in numpy_blas()[0].lower()


def openblas_cores() -> dict[str, tuple[str, int]]:
    """{library path: (core name, threads)} for every OpenBLAS loaded into this process."""
    cores = {}
    try:
        maps = open("/proc/self/maps").read().split("\n")
    except OSError:  # not Linux: nothing to report
        return cores
    paths = sorted({line.split()[-1] for line in maps if "openblas" in line and ".so" in line})
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", ""), ("openblas_", "64_")):
            name = getattr(lib, f"{prefix}get_corename{suffix}", None)
            threads = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
            if name is not None and threads is not None:
                name.restype = ctypes.c_char_p
                cores[path] = (name().decode(), int(threads()))
                break
    return cores


def numpy_simd() -> str:
    """NumPy's own SIMD level in use: its baseline plus the dispatched features it found."""
    try:
        from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    except ImportError:  # another NumPy layout
        return "unknown"
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    return "+".join(list(__cpu_baseline__[-1:]) + found) or "none"


def describe() -> str:
    blas, version = numpy_blas()
    cores = openblas_cores()
    kernel = ", ".join(sorted({f"OpenBLAS core {c}, {t} threads" for c, t in cores.values()})) or "core unknown"
    return f"numpy {np.__version__} (SIMD {numpy_simd()}), BLAS {blas} {version}, {kernel}"


def main(argv) -> int:
    import scipy.linalg  # noqa: F401  (SciPy loads its own OpenBLAS: check that one too)

    print(describe())
    if len(argv) == 2 and argv[0] == "--expect":
        want = argv[1].lower()
        names = ALIASES.get(want, {want})
        cores = openblas_cores()
        wrong = {p: c for p, (c, _) in cores.items() if c.lower() not in names}
        if not cores or wrong:
            print(f"expected OpenBLAS core {argv[1]}, found {cores or 'no OpenBLAS'}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
