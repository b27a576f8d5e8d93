"""Shared pytest configuration for the test suite.

Hypothesis profile
------------------
Every property test runs at least 1,000 examples in the normal test command,
and CI must be deterministic, so the profile loaded by default is:

* ``max_examples=1000`` -- never lowered per test;
* ``derandomize=True`` -- the examples are a fixed function of the test, so two
  runs of the suite see exactly the same cases;
* ``database=None`` -- with a fixed seed there is nothing to replay, and no
  ``.hypothesis/`` directory is written into the repository;
* ``deadline=None`` -- a slow first call (imports, caches) or a busy CI machine
  must not turn into a flaky failure.

``HYPOTHESIS_PROFILE=<name>`` selects another registered profile (for example
``dev`` for a quick local loop); CI never sets it for the main session.
``kernels`` (200 cases) is what scripts/test_kernels.py uses for the runs under
the other BLAS kernels.

Every run's header names the BLAS and the OpenBLAS kernel it runs on
(tests/_blas.py).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile(
    "cnnlib",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
)

# For local iteration only: fast, still deterministic.
settings.register_profile("dev", parent=settings.get_profile("cnnlib"), max_examples=50)
# For the runs under the other BLAS kernels (scripts/test_kernels.py): the same
# derandomized search, cut at 200 cases per property; the main session keeps 1,000.
settings.register_profile("kernels", parent=settings.get_profile("cnnlib"), max_examples=200)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cnnlib"))


def pytest_report_header(config):
    from _blas import describe

    return f"BLAS: {describe()}"
