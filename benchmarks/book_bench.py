"""The book itself: nbval per chapter, clean and cached builds, growth with chapters.

Everything runs as the README's commands do, in subprocesses, and is timed
wall-clock (what a reader or CI waits for). Builds run in a temporary copy of
the repository, so the real ``_build/`` and its execution cache are untouched:

* nbval: ``pytest --nbval-lax --nbval-current-env notebooks/X.ipynb`` per
  chapter, then the whole suite as ``make test`` runs it
  (``-n 2 --dist loadfile``).
* clean build: ``jupyter-book build . --toc book/_toc.yml -W -n --keep-going
  --path-output <tmp>`` with an empty cache (every chapter executes), then the
  same command again: the cached rebuild (no chapter changed).
* growth: copies of the book whose table of contents lists every chapter 1, 2
  and 4 times (the copies are the same notebooks under new names), each built
  clean and rebuilt, and run through nbval: time per chapter should stay flat.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .tables import Column, Table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = "notebooks"
TOC = "book/_toc.yml"
SUITE_TARGET_S = 90.0
TIMEOUT_S = 1200
# Not needed to build the book (and large): environments, caches, earlier builds.
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "_build", "build", "__pycache__", ".pytest_cache", ".hypothesis",
    "*.egg-info", ".ipynb_checkpoints", "partial",
)


def chapters(root: Path = ROOT) -> List[Path]:
    return sorted((root / NOTEBOOKS).glob("*.ipynb"))


def _env() -> Dict[str, str]:
    # The kernels the build starts must be this environment's Python (with cnnlib).
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}


def _timed(cmd: List[str], cwd: Path) -> Tuple[float, int, str]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
        code, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        code, out = -1, f"timed out after {TIMEOUT_S} s\n{e.stdout or ''}"
    return time.perf_counter() - t0, code, out


def _status(code: int, out: str, kind: str) -> str:
    if code == 0:
        if kind == "pytest":
            m = re.search(r"(\d+) passed", out)
            return f"ok ({m.group(1)} cells)" if m else "ok"
        return "ok"
    tail = [l for l in out.strip().splitlines() if l.strip()][-1:] or [""]
    return f"FAILED (exit {code}): {tail[0][:120]}"


def nbval_cmd(paths: List[str], parallel: bool) -> List[str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env"]
    if parallel:
        cmd += ["-n", "2", "--dist", "loadfile"]
    return cmd + paths


def build_cmd(out_dir: Path) -> List[str]:
    jb = str(Path(sys.executable).with_name("jupyter-book"))
    return [jb, "build", ".", "--toc", TOC, "-W", "-n", "--keep-going", "--path-output", str(out_dir)]


def _suffix_labels(text: str, suffix: str) -> str:
    """Rename MyST targets in a chapter copy so two copies do not define the same label."""
    text = re.sub(r"^\(([^)\s]+)\)=", lambda m: f"({m.group(1)}{suffix})=", text, flags=re.M)
    text = re.sub(r"^(\s*:(?:name|label):\s*)(\S+)", lambda m: m.group(1) + m.group(2) + suffix, text, flags=re.M)
    return re.sub(r"(\$\$\s*)\(([^)\s]+)\)\s*$", lambda m: f"{m.group(1)}({m.group(2)}{suffix})", text, flags=re.M)


def _copy_notebook(src: Path, dst: Path, suffix: str) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src_text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = _suffix_labels(src_text, suffix)
        fig = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if "name" in fig:
            fig["name"] += suffix
    # The execution cache keys on the code cells: without a change in the code a
    # copy would be served from the cache instead of executed. A comment suffices.
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src_text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = src_text + f"\n# (benchmark copy{suffix} of this chapter)"
            break
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def make_copy(dest: Path, copies: int) -> int:
    """Copy the repository to ``dest`` with every chapter listed ``copies`` times; return the chapter count."""
    import yaml

    shutil.copytree(ROOT, dest, ignore=IGNORE)
    originals = chapters(dest)
    if copies > 1:
        toc_path = dest / TOC
        toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
        stems = {f"{NOTEBOOKS}/{p.stem}" for p in originals}

        def extend(node):
            if isinstance(node, dict):
                for v in node.values():
                    extend(v)
            elif isinstance(node, list):
                listed = [e for e in node if isinstance(e, dict) and e.get("file") in stems]
                for k in range(2, copies + 1):
                    node.extend({"file": f"{e['file']}-copy{k}"} for e in listed)
                for e in node:
                    if not (isinstance(e, dict) and e.get("file") in stems):
                        extend(e)

        extend(toc)
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
        for nb in originals:
            for k in range(2, copies + 1):
                _copy_notebook(nb, nb.with_name(f"{nb.stem}-copy{k}.ipynb"), f"-copy{k}")
    return len(chapters(dest))


def _median_run(cmd: List[str], cwd: Path, repeats: int) -> Tuple[float, int, str]:
    """Median wall time of ``repeats`` runs; the exit code and output of the worst one."""
    runs = [_timed(cmd, cwd) for _ in range(repeats)]
    worst = max(runs, key=lambda r: r[1] != 0)
    return statistics.median(r[0] for r in runs), worst[1], worst[2]


def _build_twice(repo: Path, out: Path, repeats: int) -> Tuple[Tuple[float, int, str], Tuple[float, int, str]]:
    # The output (and its execution cache) lives outside the source tree, or the
    # second build would find the cache's notebooks among the sources.
    clean = _timed(build_cmd(out), repo)
    cached = _median_run(build_cmd(out), repo, repeats)
    return clean, cached


def run(quick: bool = False, repeats: Optional[int] = None, log=print) -> List[Table]:
    # Whole-book runs are long: 3 runs give a median; clean builds run once each
    # (a second "clean" build would need a third copy of everything).
    repeats = repeats or (1 if quick else 3)
    chaps = chapters()
    per = Table(
        "book_chapters",
        "Each chapter under nbval (wall time, kernel start included)",
        [Column("chapter", "chapter", "str"), Column("nbval_s", "nbval s"), Column("status", "status", "str")],
    )
    build = Table(
        "book_build",
        "The whole book: notebook suite and builds (wall time)",
        [
            Column("step", "step", "str"),
            Column("chapters", "chapters", "int"),
            Column("seconds", "seconds"),
            Column("per_chapter_s", "s per chapter"),
            Column("status", "status", "str"),
        ],
    )
    growth = Table(
        "book_growth",
        "Growth with the number of chapters (copies of the existing chapters)",
        [
            Column("copies", "copies", "int"),
            Column("chapters", "chapters", "int"),
            Column("nbval_s", "nbval suite s"),
            Column("nbval_per_chapter_s", "nbval s/chapter"),
            Column("clean_build_s", "clean build s"),
            Column("clean_per_chapter_s", "clean s/chapter"),
            Column("cached_rebuild_s", "cached rebuild s"),
            Column("status", "status", "str"),
        ],
    )
    if not chaps:
        for t in (per, build, growth):
            t.notes.append(f"No chapters in {NOTEBOOKS}/ yet: nothing to time.")
        return [per, build, growth]

    # Warm-up: the first kernel start and plotting import of a fresh environment
    # build caches (fonts, ...) that every later run reuses.
    log(f"  warm-up: nbval {chaps[0].name} ...")
    _timed(nbval_cmd([f"{NOTEBOOKS}/{chaps[0].name}"], parallel=False), ROOT)
    for nb in chaps:
        log(f"  nbval {nb.name} ...")
        secs, code, out = _median_run(nbval_cmd([f"{NOTEBOOKS}/{nb.name}"], parallel=False), ROOT, repeats)
        per.add(chapter=nb.stem, nbval_s=secs, status=_status(code, out, "pytest"))

    log("  nbval suite (-n 2) ...")
    secs, code, out = _median_run(nbval_cmd([NOTEBOOKS], parallel=True), ROOT, repeats)
    suite = (secs, code, out)
    build.add(step="nbval suite (-n 2 --dist loadfile)", chapters=len(chaps), seconds=secs,
              per_chapter_s=secs / len(chaps), status=_status(code, out, "pytest"))

    factors = (1,) if quick else (1, 2, 4)
    with tempfile.TemporaryDirectory(prefix="cnnbook-bench-") as tmp:
        for copies in factors:
            repo = Path(tmp) / f"x{copies}"
            n_chap = make_copy(repo, copies)
            log(f"  book build with {n_chap} chapter(s): clean, then cached ...")
            (c_s, c_code, c_out), (r_s, r_code, r_out) = _build_twice(repo, Path(tmp) / f"out-x{copies}", repeats)
            if copies == 1:
                nb_s, nb_code, nb_out = suite
                build.add(step="clean build (jupyter-book -W -n --keep-going)", chapters=n_chap, seconds=c_s,
                          per_chapter_s=c_s / n_chap, status=_status(c_code, c_out, "build"))
                build.add(step="cached rebuild (no change)", chapters=n_chap, seconds=r_s,
                          per_chapter_s=r_s / n_chap, status=_status(r_code, r_out, "build"))
            else:
                log(f"  nbval suite with {n_chap} chapters ...")
                nb_s, nb_code, nb_out = _median_run(nbval_cmd([NOTEBOOKS], parallel=True), repo, repeats)
            bad = [s for s in (_status(nb_code, nb_out, "pytest"), _status(c_code, c_out, "build"),
                               _status(r_code, r_out, "build")) if not s.startswith("ok")]
            growth.add(copies=copies, chapters=n_chap, nbval_s=nb_s, nbval_per_chapter_s=nb_s / n_chap,
                       clean_build_s=c_s, clean_per_chapter_s=c_s / n_chap, cached_rebuild_s=r_s,
                       status="ok" if not bad else "; ".join(bad))
            shutil.rmtree(repo, ignore_errors=True)

    build.notes += [
        f"Target: the whole notebook suite under {SUITE_TARGET_S:.0f} s on this machine.",
        f"nbval times and the cached rebuild: median of {repeats} runs after one warm-up run; "
        "a clean build runs once (in a fresh temporary copy of the repository, empty execution cache).",
        "The cached rebuild repeats the same command with nothing changed: no chapter executes.",
    ]
    per.notes.append(f"Median of {repeats} runs of `pytest --nbval-lax --nbval-current-env notebooks/<chapter>.ipynb`, "
                     "after one warm-up run; includes pytest start-up and the kernel start.")
    growth.notes += [
        "copies = k: the table of contents lists every chapter k times (the copies are the same notebooks "
        "under new names, with a comment added to their first code cell so that the execution cache cannot "
        "serve one copy's outputs for another); nbval runs them all with -n 2 --dist loadfile.",
        "copies = 1 is the real book (the same runs as the table above).",
    ]
    return [per, build, growth]
