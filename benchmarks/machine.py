"""What the numbers were measured on: date, cores, CPU, BLAS, versions, load."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from typing import Any, Dict, Optional

import numpy as np


def torch_or_none():
    """PyTorch if it is installed (only the benchmark venv has it), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def blas_info() -> Dict[str, Optional[str]]:
    """The BLAS numpy was built with, from ``numpy.show_config(mode="dicts")``."""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # pragma: no cover - very old or unusual numpy builds
        return {"name": None, "version": None, "config": None}
    return {
        "name": deps.get("name"),
        "version": deps.get("version"),
        "config": deps.get("openblas configuration"),
    }


def cpu_model() -> Optional[str]:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux/macOS
        return None


def machine_info() -> Dict[str, Any]:
    import scipy

    torch = torch_or_none()
    blas = blas_info()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        usable = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas": blas["name"],
        "blas_version": blas["version"],
        "blas_config": blas["config"],
        "blas_threads_env": {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ},
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "executable": sys.executable,
        "load_average_start": load_average(),
    }


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")
