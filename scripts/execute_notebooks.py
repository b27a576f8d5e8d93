"""Re-execute chapters top to bottom in a fresh kernel and store their outputs.

Usage:  python scripts/execute_notebooks.py [notebooks/X.ipynb ...]   (default: all)
        python scripts/execute_notebooks.py --from-md notebooks-md/X.md

Outputs are part of the source: run this after changing a chapter or anything
it imports, then commit. The MyST twin in notebooks-md/ is regenerated from
the executed notebook, so the pair check in the tests passes. Saved widget
state is dropped: the static book shows figures and animations instead, and
widget state would only make the file large and change on every run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(ipynb: Path) -> None:
    nb = nbformat.read(ipynb, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ipynb.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, ipynb)
    twin = ROOT / "notebooks-md" / (ipynb.stem + ".md")
    subprocess.run(
        [sys.executable, "-m", "jupytext", "--quiet", "--to", "md:myst", "-o", str(twin), str(ipynb)], check=True
    )
    print(f"executed {ipynb.relative_to(ROOT)} and wrote {twin.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--from-md", type=Path, help="create/refresh the .ipynb from its MyST twin first")
    args = parser.parse_args()
    targets = list(args.notebooks)
    if args.from_md:
        md = args.from_md.resolve()
        ipynb = ROOT / "notebooks" / (md.stem + ".ipynb")
        nb = jupytext.read(md)
        nb.metadata.pop("jupytext", None)
        nbformat.write(nb, ipynb)
        targets.append(ipynb)
    if not targets:
        targets = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in targets:
        execute(path.resolve())


if __name__ == "__main__":
    main()
