"""CI runs exactly the README's test command.

The README promises two commands; `.ci/run` (this project's CI entry) and the
GitHub Actions workflow must run the test one, so that what CI checks is what
a reader types. This test reads the command from the README's "Two commands"
block itself, so renaming it in one place and not the others fails here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"


def readme_commands() -> dict:
    """{'book': 'make book', 'test': 'make test'} from the README's two-commands block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Two commands\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert section, "README.md has no '## Two commands' section"
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section.group(1), flags=re.S)
    assert block, "the 'Two commands' section has no code block"
    commands = {}
    for line in block.group(1).splitlines():
        command, _, comment = line.partition("#")
        command = command.strip()
        if command:
            commands["test" if "test" in comment.lower() else "book"] = command
    assert set(commands) == {"book", "test"}, f"expected a build and a test command, found {commands}"
    return commands


def shell_lines(text: str):
    """The commands of a shell script or `run:` block, comments and blank lines dropped."""
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line


def runs(line: str, command: str) -> bool:
    """True if ``line`` runs ``command`` (possibly through exec), with nothing after it."""
    words, want = shlex.split(line), shlex.split(command)
    if words[:1] == ["exec"]:
        words = words[1:]
    return words == want


def test_readme_names_make_test():
    assert readme_commands() == {"book": "make book", "test": "make test"}


def test_ci_entry_runs_the_readme_test_command():
    command = readme_commands()["test"]
    lines = list(shell_lines((ROOT / ".ci" / "run").read_text(encoding="utf-8")))
    assert any(runs(line, command) for line in lines), f".ci/run does not run {command!r}: {lines}"


def test_github_workflow_runs_the_readme_test_command_on_ubuntu_python_311_with_chromium():
    command = readme_commands()["test"]
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    assert jobs, "the workflow has no job"
    for name, job in jobs.items():
        assert "ubuntu" in str(job["runs-on"]), (name, job["runs-on"])
        steps = job["steps"]
        pythons = [s["with"]["python-version"] for s in steps if str(s.get("uses", "")).startswith("actions/setup-python")]
        assert [str(v) for v in pythons] == ["3.11"], f"{name}: setup-python steps {pythons}"
        run_lines = [line for s in steps for line in shell_lines(s.get("run", ""))]
        assert any(re.search(r"apt-get install\b.*\bchromium\b", line) for line in run_lines), f"{name}: no apt-get install chromium"
        assert any(runs(line, command) for line in run_lines), f"{name}: no step runs {command!r}"
    # the workflow runs on every push (on: is parsed by PyYAML as True)
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers


def _kernels_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("test_kernels_script", ROOT / "scripts" / "test_kernels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_test_runs_the_kernel_matrix():
    recipe = re.search(r"^test:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M)
    assert recipe and "scripts/test_kernels.py" in recipe.group(1)


def test_the_kernel_matrix_covers_the_required_configurations(monkeypatch):
    tk = _kernels_script()
    assert set(tk.DEFAULT_CONFIGS.split()) == {"default", "Haswell", "Sandybridge", "Prescott", "threads1"}
    assert tk.CONFIGS["threads1"][0] == {"OPENBLAS_NUM_THREADS": "1"}
    for name in ("Haswell", "Sandybridge", "Prescott"):
        assert tk.CONFIGS[name][0]["OPENBLAS_CORETYPE"] == name
    # 'default' really is the default: whatever the caller exported is dropped.
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "262144")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    env = tk.clean_env()
    assert not {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "NPY_DISABLE_CPU_FEATURES"} & set(env)
    assert env.get("PATH") == __import__("os").environ.get("PATH")



# ---------------------------------------------------------------- issue 18 (sitetest)
def test_make_test_installs_the_pinned_axe_core_for_the_site_tests():
    """`make test` (hence .ci/run and the workflow) installs axe-core from the lock file, at set-up time."""
    import json

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    prereqs = re.search(r"^test:(.*)$", makefile, flags=re.M).group(1)
    assert "$(TEST_VENV)/js/.installed" in prereqs, prereqs
    recipe = re.search(r"^\$\(TEST_VENV\)/js/\.installed:(.*)\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert recipe, "no rule for $(TEST_VENV)/js/.installed"
    assert "tests/js/package-lock.json" in recipe.group(1)
    assert re.search(r"\bnpm ci\b", recipe.group(2)), recipe.group(2)
    package = json.loads((ROOT / "tests" / "js" / "package.json").read_text(encoding="utf-8"))
    version = package["dependencies"]["axe-core"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"axe-core must be pinned exactly, not {version!r}"
    lock = json.loads((ROOT / "tests" / "js" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/axe-core"]["version"] == version
    steps = [s for job in yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"].values() for s in job["steps"]]
    assert any(str(s.get("uses", "")).startswith("actions/setup-node") for s in steps), "the workflow sets up no Node.js (npm)"
