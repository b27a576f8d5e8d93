"""The three descriptions of the environment agree.

pyproject.toml (the extras `make book` and `make test` install), environment.yml
(conda users) and requirements/constraints.txt (the full lock pip installs with)
must pin the same versions: a version bumped in one place only fails here.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
ENVIRONMENT = REPO / "environment.yml"
CONSTRAINTS = REPO / "requirements" / "constraints.txt"
EXTRAS = ("book", "lab", "test")
SELF = "cnnlib"
# The Makefile's `lock` runs `pip freeze --all`, so even pip, setuptools and wheel
# (sphinx-togglebutton depends on the last two) are locked: nothing is exempt.
FREEZE_HIDDEN: set = set()
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*$")


def normalize(name: str) -> str:
    """PEP 503 normalized project name.

    >>> normalize("Jupyter_Book"), normalize("sphinx.ext-x"), normalize("PyYAML")
    ('jupyter-book', 'sphinx-ext-x', 'pyyaml')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


# ----------------------------------------------------------------------- readers
def pyproject_pins(path: Path = PYPROJECT) -> Tuple[Dict[str, str], List[str]]:
    """{normalized name: version} from [project.dependencies] and the extras, and the problems found."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    groups = {"dependencies": project.get("dependencies", [])}
    optional = project.get("optional-dependencies", {})
    problems = [f"pyproject.toml: no [project.optional-dependencies] {e!r}" for e in EXTRAS if e not in optional]
    groups.update({f"optional-dependencies.{e}": optional.get(e, []) for e in EXTRAS})
    pins: Dict[str, str] = {}
    for group, requirements in groups.items():
        for line in requirements:
            m = PIN.match(line)
            if not m:
                problems.append(f"pyproject.toml [{group}]: {line!r} is not an exact `name==version` pin")
                continue
            name, version = normalize(m.group(1)), m.group(2)
            if pins.setdefault(name, version) != version:
                problems.append(f"pyproject.toml pins {name} twice: =={pins[name]} and =={version} ([{group}])")
    return pins, problems


def environment_spec(path: Path = ENVIRONMENT) -> Tuple[Dict[str, str], List[str], List[str]]:
    """(pip pins, conda dependencies, problems) of environment.yml."""
    env = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pins: Dict[str, str] = {}
    conda: List[str] = []
    problems: List[str] = []
    pip_lists = 0
    for dep in env.get("dependencies") or []:
        if isinstance(dep, dict):
            for key, items in dep.items():
                if key != "pip":
                    problems.append(f"environment.yml: unexpected dependency section {key!r}")
                    continue
                pip_lists += 1
                for item in items or []:
                    item = str(item).strip()
                    if item in ("-e .", "-e ./", ".", "./"):  # cnnlib itself
                        continue
                    m = PIN.match(item)
                    if not m:
                        problems.append(f"environment.yml pip: {item!r} is not an exact `name==version` pin")
                        continue
                    name, version = normalize(m.group(1)), m.group(2)
                    if pins.setdefault(name, version) != version:
                        problems.append(f"environment.yml pip pins {name} twice: =={pins[name]} and =={version}")
        else:
            conda.append(str(dep).strip())
    if pip_lists != 1:
        problems.append(f"environment.yml: expected one `pip:` list, found {pip_lists}")
    return pins, conda, problems


def conda_python(conda: List[str]) -> Tuple[str, List[str]]:
    """The python version of the conda dependencies, and any other conda package that carries a version."""
    python, others = "", []
    for dep in conda:
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*(?:(==|=|>=|<=|>|<|\s)\s*(\S.*))?$", dep.split("::")[-1])
        name, version = (m.group(1), (m.group(3) or "").strip()) if m else (dep, "?")
        if normalize(name) == "python":
            python = version
        elif version:
            others.append(dep)
    return python, others


def constraints_pins(path: Path = CONSTRAINTS) -> Tuple[Dict[str, str], List[str]]:
    pins: Dict[str, str] = {}
    problems: List[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        m = PIN.match(line)
        if not m:
            problems.append(f"constraints.txt:{n}: {line!r} is not `name==version`")
            continue
        name, version = normalize(m.group(1)), m.group(2)
        if name == SELF:
            problems.append(f"constraints.txt:{n}: {SELF} itself must not be locked (pip freeze --exclude {SELF})")
        if name in pins:
            problems.append(f"constraints.txt:{n}: {name} appears twice")
        pins[name] = version
    return pins, problems


# ----------------------------------------------------------------------- checker
def python_minors(spec: str) -> List[str]:
    """The Python 3.x minor versions a requires-python specifier admits.

    >>> python_minors(">=3.11,<3.12")
    ['3.11']
    """
    s = SpecifierSet(spec)
    return [f"3.{y}" for y in range(0, 30) if s.contains(f"3.{y}.0") or s.contains(f"3.{y}.99")]


def check_pins(pyproject: Path = PYPROJECT, environment: Path = ENVIRONMENT,
               constraints: Path = CONSTRAINTS) -> List[str]:
    """Every way the three files disagree, as readable lines (empty when they agree)."""
    py, problems = pyproject_pins(pyproject)
    env, conda, env_problems = environment_spec(environment)
    lock, lock_problems = constraints_pins(constraints)
    problems += env_problems + lock_problems

    for name, version in sorted(py.items()):
        if name not in env:
            problems.append(f"{name}=={version} is pinned in pyproject.toml but missing from environment.yml")
        elif env[name] != version:
            problems.append(f"{name}: pyproject.toml =={version}, environment.yml =={env[name]}")
        if name not in lock:
            problems.append(f"{name}=={version} is pinned in pyproject.toml but missing from constraints.txt")
        elif lock[name] != version:
            problems.append(f"{name}: pyproject.toml =={version}, constraints.txt =={lock[name]}")
    for name, version in sorted(env.items()):
        if name not in py:
            problems.append(f"environment.yml pins {name}=={version}, which pyproject.toml does not")

    python, pinned_conda = conda_python(conda)
    problems += [f"environment.yml pins conda package {d!r}, which pyproject.toml does not" for d in pinned_conda]
    if python.rstrip(".*") != "3.11":
        problems.append(f"environment.yml: python must be 3.11 (python=3.11), found {python or 'no python'!r}")
    requires = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("requires-python", "")
    minors = python_minors(requires) if requires else []
    if minors != [python.rstrip(".*")]:
        problems.append(f"requires-python {requires!r} admits Python {minors}, environment.yml has python={python}")
    return problems


# ------------------------------------------------------------------------- tests
def test_pins_agree():
    problems = check_pins()
    assert not problems, "pins disagree:\n  " + "\n  ".join(problems)


def test_pyproject_pins_every_extra_exactly():
    pins, problems = pyproject_pins()
    assert not problems, "\n".join(problems)
    assert pins, "no pins found in pyproject.toml"


def test_environment_python_is_311():
    _, conda, _ = environment_spec()
    python, _ = conda_python(conda)
    assert python.rstrip(".*") == "3.11", f"environment.yml: python={python}"
    requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["requires-python"]
    assert python_minors(requires) == ["3.11"], requires


def test_constraints_is_a_full_lock():
    """Every line `name==version`, no cnnlib, and every dependency of a locked package is locked too.

    The dependencies are read from the metadata of the packages installed in this
    environment (those that are installed at the locked version).
    """
    lock, problems = constraints_pins()
    assert not problems, "\n".join(problems)
    env = default_environment()
    missing = []
    for name, version in sorted(lock.items()):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version != version:
            continue
        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                continue
            dep = normalize(req.name)
            if dep not in lock and dep != SELF and dep not in FREEZE_HIDDEN:
                missing.append(f"{dep} (needed by {name}=={version})")
            elif dep in lock and req.specifier and not req.specifier.contains(lock[dep], prereleases=True):
                missing.append(f"{dep}=={lock[dep]} does not satisfy {name}'s {req}")
    assert not missing, "constraints.txt is not a complete, consistent lock:\n  " + "\n  ".join(missing)


# The checker must be able to fail: each mutation of a copy of the real files must be reported.
MUTATIONS = {
    "version differs in environment.yml": ("environment.yml", r"(?m)^(\s*- numpy==)[^\s]+", r"\g<1>0.0.1", "environment.yml =="),
    "version differs in constraints.txt": ("requirements/constraints.txt", r"(?m)^(scipy==)\S+", r"\g<1>0.0.1", "constraints.txt =="),
    "pin missing from environment.yml": ("environment.yml", r"(?m)^\s*- nbval==\S+\n", "", "missing from environment.yml"),
    "extra pin in environment.yml": ("environment.yml", r"(?m)^(\s*)- numpy==", r"\g<1>- requests==2.0.0\n\g<1>- numpy==", "which pyproject.toml does not"),
    "pin missing from constraints.txt": ("requirements/constraints.txt", r"(?m)^pytest==\S+\n", "", "missing from constraints.txt"),
    "cnnlib in constraints.txt": ("requirements/constraints.txt", r"\A", "cnnlib==0.1.0\n", "must not be locked"),
    "unpinned line in constraints.txt": ("requirements/constraints.txt", r"\A", "six>=1\n", "is not `name==version`"),
    "python 3.12 in environment.yml": ("environment.yml", r"(?m)^(\s*- python)=3\.11", r"\g<1>=3.12", "python must be 3.11"),
    "loose pin in pyproject.toml": ("pyproject.toml", r'"scipy==[^"]+"', '"scipy>=1"', "not an exact"),
    "requires-python admits 3.12": ("pyproject.toml", r'requires-python = "[^"]+"', 'requires-python = ">=3.11"', "admits Python"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_checker_fails_on_a_mismatched_copy(tmp_path, mutation):
    rel, pattern, replacement, expected = MUTATIONS[mutation]
    for f in (PYPROJECT, ENVIRONMENT, CONSTRAINTS):
        target = tmp_path / f.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, target)
    paths = dict(pyproject=tmp_path / "pyproject.toml", environment=tmp_path / "environment.yml",
                 constraints=tmp_path / "requirements" / "constraints.txt")
    assert check_pins(**paths) == check_pins(), "an unmodified copy must give the same verdict as the real files"
    target = tmp_path / rel
    text = target.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, replacement, text, count=1)
    assert n == 1 and changed != text, f"the mutation {mutation!r} did not apply: the files changed shape"
    target.write_text(changed, encoding="utf-8")
    problems = check_pins(**paths)
    assert any(expected in p for p in problems), f"{mutation!r} went unnoticed; the checker said {problems}"
