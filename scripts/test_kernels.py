"""Run the numeric part of the test suite under several OpenBLAS kernels.

Usage:  python scripts/test_kernels.py [--configs NAMES] [--nbval NAMES] [--list]

`make test` runs this after its main pytest session. A floating-point result
depends on the order in which its sums are added, and NumPy's OpenBLAS picks
that order per CPU: AVX-512 machines get the SkylakeX kernels, AVX2 machines
(most laptops, AMD EPYC) Haswell, older ones Sandybridge or the SSE3 baseline
(Prescott). A tolerance tuned on one of them can fail on the others, so the
suite is run under each of them on this one machine, with
``OPENBLAS_CORETYPE``, and once with ``OPENBLAS_NUM_THREADS=1``.

What runs under each configuration
    the cnnlib tests in tests/ (not the site, benchmark, environment and
    notebook-pair checks, which compute nothing with the BLAS) and cnnlib's
    doctests; nbval over every chapter under the configurations in --nbval,
    which also checks determinism: the outputs of the ``# NBVAL_CHECK_OUTPUT``
    cells (and the prose numbers stored with the notebook) must come out the
    same under every kernel, or the cell must not be compared.

The configurations
    default      no OpenBLAS variable at all (those of the calling environment
                 are removed, so this really is the default); skipped when the
                 calling environment sets none, because the main session of
                 `make test` just ran the whole suite like that
    Haswell      AVX2 + FMA      OPENBLAS_CORETYPE=Haswell, NumPy without its AVX-512 loops
    Sandybridge  AVX, no FMA     OPENBLAS_CORETYPE=Sandybridge, NumPy's baseline loops only
    Prescott     SSE3, no FMA    OPENBLAS_CORETYPE=Prescott (OpenBLAS calls it "Katmai"),
                                 NumPy's baseline loops only
    threads1     default kernel, OPENBLAS_NUM_THREADS=1

(NPY_DISABLE_CPU_FEATURES switches NumPy's loops; see NUMPY_AVX2 below.)

Before each run the kernel OpenBLAS actually loaded is read back from it
(tests/_blas.py): OpenBLAS falls back silently on an unknown name or one the
CPU cannot run. A kernel this CPU cannot run (no AVX2 for Haswell, not x86-64,
not OpenBLAS) is skipped with a message, not failed.

Why nbval runs under fewer configurations (by default Haswell only, plus
'default' when the caller's environment is not the default): the main session
already ran every chapter under the caller's kernel; a chapter costs 20-45 s
under nbval, and with eight chapters each extra nbval pass costs about two
minutes on two cores, while the numeric tests cost about 20 s per kernel.
Haswell is what every AVX2 machine (most laptops, AMD Zen) runs, and the kernel
that first exposed a machine-tuned tolerance. ``--nbval all`` (or
``make test NBVAL_KERNELS=all``) checks the chapters under every kernel.

Hypothesis: the main session runs 1,000 cases per property; here the
``kernels`` profile (conftest.py) runs the first 200 of the same derandomized
search under each kernel, which keeps the whole command within its time
budget (see the Makefile).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

# Variables that choose OpenBLAS's kernel, cache blocking or thread count, and
# NumPy's own SIMD loops: all removed from the calling environment first.
OPENBLAS_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_DEFAULT_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_VERBOSE",
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
)

# NumPy picks its own SIMD loops per CPU too (np.exp, np.sum, ...: their last
# bits differ between its AVX-512 and AVX2 loops). So each kernel configuration
# also switches off the NumPy features that such a machine lacks: an AVX2
# machine runs NumPy's X86_V3 loops, an AVX machine without AVX2 (Sandybridge)
# only the X86_V2 baseline, which is also the least NumPy 2.4 needs at all.
NUMPY_AVX2 = "X86_V4 AVX512_ICL AVX512_SPR"
NUMPY_BASELINE = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"

CONFIGS = {
    # name: (variables, core to expect or None for "whatever the default is", CPU flags it needs)
    "default": ({}, None, ()),
    "Haswell": ({"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": NUMPY_AVX2}, "Haswell", ("avx2", "fma")),
    "Sandybridge": ({"OPENBLAS_CORETYPE": "Sandybridge", "NPY_DISABLE_CPU_FEATURES": NUMPY_BASELINE}, "Sandybridge", ("avx",)),
    # pni = SSE3
    "Prescott": ({"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": NUMPY_BASELINE}, "Prescott", ("pni",)),
    "threads1": ({"OPENBLAS_NUM_THREADS": "1"}, None, ()),
}
DEFAULT_CONFIGS = "default Haswell Sandybridge Prescott threads1"
DEFAULT_NBVAL = "Haswell"

# Test files that compute nothing with the BLAS (run once, in the main session).
NOT_NUMERIC = (
    "tests/test_site.py",
    "tests/test_benchmarks.py",
    "tests/test_environment.py",
    "tests/test_jupytext_pairs.py",
    "tests/test_ci.py",
    "tests/test_jupyterlab.py",
    "tests/test_prose_numbers.py",
)


def cpu_flags() -> set:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env.pop("HYPOTHESIS_PROFILE", None)
    return env


def why_not(name: str) -> str | None:
    """None if this configuration can run here, else the reason it cannot."""
    _, core, flags = CONFIGS[name]
    if core is None:
        return None
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"{platform.machine()} is not x86-64: there is no {core} kernel"
    missing = [f for f in flags if f not in cpu_flags()]
    if missing:
        return f"this CPU lacks {', '.join(missing)}"
    return None


def blas_line(env: dict, core: str | None) -> tuple[bool, str]:
    cmd = [PY, str(ROOT / "tests" / "_blas.py")] + (["--expect", core] if core else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def pytest(env: dict, args: list) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    return proc.returncode, out, time.perf_counter() - t0


def summary_line(out: str) -> str:
    lines = [line for line in out.strip().splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else "(no output)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=os.environ.get("KERNELS", DEFAULT_CONFIGS),
                        help=f"configurations to run (default: {DEFAULT_CONFIGS!r}, or $KERNELS)")
    parser.add_argument("--nbval", default=os.environ.get("NBVAL_KERNELS", DEFAULT_NBVAL),
                        help=f"configurations that also run nbval over the chapters (default: {DEFAULT_NBVAL!r}, "
                             "or $NBVAL_KERNELS; 'all' for every one)")
    parser.add_argument("--always-default", action="store_true",
                        help="run 'default' even when the calling environment already is the default")
    args = parser.parse_args()
    names = args.configs.split()
    nbval = set(names) if args.nbval.strip() == "all" else set(args.nbval.split())
    unknown = [n for n in names + sorted(nbval) if n not in CONFIGS]
    if unknown:
        print(f"unknown configuration(s) {unknown}; known: {', '.join(CONFIGS)}", file=sys.stderr)
        return 2

    inherited = {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}
    if inherited and "default" in names:
        nbval.add("default")  # the main session ran the chapters under the caller's kernel, not the default
    print(f"BLAS kernel matrix: {', '.join(names)} (nbval under: {', '.join(n for n in names if n in nbval) or 'none'})")
    print(f"calling environment: {inherited or 'no OpenBLAS variables (the default)'}")
    numeric = ["tests", "cnnlib", "-m", "not site and not jupyterlab", *[f"--ignore={p}" for p in NOT_NUMERIC if (ROOT / p).exists()]]
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    rows, failed = [], []
    t_all = time.perf_counter()
    for name in names:
        variables, core, _ = CONFIGS[name]
        if name == "default" and not inherited and not args.always_default and name not in nbval:
            rows.append((name, "-", "covered by the main session (same environment)", 0.0))
            continue
        reason = why_not(name)
        if reason:
            rows.append((name, "-", f"skipped: {reason}", 0.0))
            continue
        env = clean_env()
        env.update(variables)
        env["HYPOTHESIS_PROFILE"] = "kernels"
        ok, line = blas_line(env, core)
        if not ok:
            if "openblas" not in line.lower() and core:
                rows.append((name, line, "skipped: NumPy does not use OpenBLAS here", 0.0))
                continue
            failed.append(name)
            rows.append((name, line, "FAILED: the requested kernel is not the one OpenBLAS loaded", 0.0))
            continue
        print(f"\n[{name}] {' '.join(f'{k}={v}' for k, v in variables.items()) or '(no OpenBLAS variables)'}: {line}", flush=True)
        rc, out, seconds = pytest(env, ["-n", "2", "--dist", "load", *numeric])
        result = summary_line(out)
        if rc == 0 and name in nbval and notebooks:
            rc, out_nb, s_nb = pytest(env, ["-n", "2", "--dist", "loadfile", "--nbval-lax", "--nbval-current-env", *notebooks])
            seconds += s_nb
            result += f"; nbval: {summary_line(out_nb)}"
            out += out_nb
        if rc != 0:
            failed.append(name)
            print(out[-6000:])
        print(f"[{name}] {result} ({seconds:.0f} s)", flush=True)
        rows.append((name, line.split("BLAS ", 1)[-1], result, seconds))

    print(f"\nBLAS kernel matrix ({time.perf_counter() - t_all:.0f} s):")
    for name, core, result, seconds in rows:
        print(f"  {name:12s} {result}  [{core}]" + (f"  {seconds:.0f} s" if seconds else ""))
    if failed:
        print(f"FAILED under: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
