"""Re-execute chapters top to bottom in a fresh kernel and store their outputs.

Usage:  python scripts/execute_notebooks.py [notebooks/X.ipynb ...]   (default: all)
        python scripts/execute_notebooks.py --from-md notebooks-md/X.md

Outputs are part of the source: run this after changing a chapter or anything
it imports, then commit. The MyST twin in notebooks-md/ is regenerated from
the executed notebook, so the pair check in the tests passes. Saved widget
state is dropped: the static book shows figures and animations instead, and
widget state would only make the file large and change on every run.

Numbers in the prose: each markdown cell's {eval}`...` expressions are
evaluated in the same kernel, after every code cell above the cell, and stored
in the cell's metadata as `user_expressions` (jupyterlab-myst's format; see
book/_ext/prose_numbers.py). An expression that raises stops the script with
the chapter, the cell and the error; nothing is written then.
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
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import prose_numbers  # noqa: E402  (book/_ext/prose_numbers.py)


class ProseNumbersClient(NotebookClient):
    """nbclient's executor, which also evaluates each markdown cell's {eval} expressions."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        exprs = prose_numbers.expressions(cell.source)
        cell.metadata.pop(prose_numbers.METADATA_KEY, None)
        if not exprs:
            return cell
        msg_id = self.kc.execute(**prose_numbers.request_content(exprs))
        reply = await self.async_wait_for_reply(msg_id, cell)
        results = prose_numbers.results_from_reply(exprs, reply["content"])
        problems = [p for p in (prose_numbers.problem_with(r["expression"], r["result"]) for r in results) if p]
        if problems:
            first_line = cell.source.strip().splitlines()[0][:70]
            raise prose_numbers.ProseNumberError(
                f"markdown cell {cell_index} ({first_line!r}):\n  " + "\n  ".join(problems))
        cell.metadata[prose_numbers.METADATA_KEY] = results
        return cell


def execute(ipynb: Path) -> None:
    nb = nbformat.read(ipynb, as_version=4)
    client = ProseNumbersClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(ipynb.parent)}})
    try:
        client.execute()
    except prose_numbers.ProseNumberError as e:
        sys.exit(f"{ipynb.relative_to(ROOT)}: {{eval}} failed, notebook not written:\n{e}")
    nb.metadata[prose_numbers.NB_METADATA_KEY] = {"code_sha256": prose_numbers.code_fingerprint(nb.cells)}
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
