"""Result tables: plain numbers in, aligned text, Markdown and JSON out.

A :class:`Table` holds rows of plain values (numbers, a few label strings, and
``None`` where a value was not measured, e.g. PyTorch not installed). Column
names carry their unit as a suffix (``_ms``, ``_s``, ``_gflops``, ``_x`` for a
ratio, ``_bytes``), so the JSON needs no separate unit list. Formatting for
people (significant digits, "not installed") happens only when printing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence


@dataclass
class Column:
    name: str                 # machine name, with the unit as a suffix
    header: str               # what people read in the printed and Markdown tables
    fmt: str = "g3"           # "g3" (3 significant digits), "int", "str", "x" (ratio), "bytes"
    show: bool = True         # False: kept in the JSON, hidden in text/Markdown


@dataclass
class Table:
    key: str
    title: str
    columns: List[Column]
    rows: List[List[Any]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    missing: str = "n/a"      # how a None is printed, e.g. "not installed"

    def add(self, **values) -> None:
        unknown = set(values) - {c.name for c in self.columns}
        if unknown:
            raise KeyError(f"{self.key}: unknown columns {sorted(unknown)}")
        self.rows.append([_plain(values.get(c.name)) for c in self.columns])

    def column(self, name: str) -> List[Any]:
        i = [c.name for c in self.columns].index(name)
        return [row[i] for row in self.rows]

    def to_json(self) -> Dict[str, Any]:
        return {
            "title": self.title,
            "columns": [c.name for c in self.columns],
            "headers": [c.header for c in self.columns],
            "rows": self.rows,
            "notes": self.notes,
        }

    # --- for people -------------------------------------------------------
    def _cells(self, missing: Optional[str] = None) -> List[List[str]]:
        shown = [i for i, c in enumerate(self.columns) if c.show]
        out = [[self.columns[i].header for i in shown]]
        for row in self.rows:
            out.append([_fmt(row[i], self.columns[i].fmt, missing or self.missing) for i in shown])
        return out

    def to_text(self) -> str:
        cells = self._cells()
        widths = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
        lines = [self.title, "=" * len(self.title)]
        for k, r in enumerate(cells):
            lines.append("  ".join(s.rjust(w) if k and _numeric(s) else s.ljust(w) for s, w in zip(r, widths)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines += [f"  * {n}" for n in self.notes]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        cells = self._cells()
        shown = [c for c in self.columns if c.show]
        align = ["---:" if c.fmt not in ("str",) else ":---" for c in shown]
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(cells[0]) + " |")
        lines.append("| " + " | ".join(align) + " |")
        lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
        if self.notes:
            lines.append("")
            lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def _plain(v: Any) -> Any:
    """JSON-ready plain value: numpy scalars become Python numbers, NaN becomes None."""
    if v is None or isinstance(v, (str, bool)):
        return v
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else v
    return v


def _numeric(s: str) -> bool:
    return bool(s) and (s[0].isdigit() or s[0] in "-.<")


def _fmt(v: Any, fmt: str, missing: str) -> str:
    if v is None:
        return missing
    if fmt == "str" or isinstance(v, str):
        return str(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if fmt == "int":
        return f"{int(v):,}"
    if fmt == "x":
        return f"{_sig(v, 3)}x"
    if fmt == "bytes":
        return human_bytes(v)
    return _sig(v, 3)


def _sig(v: float, digits: int) -> str:
    """3 significant digits without scientific notation for the ranges we print."""
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - mag)
    s = f"{v:,.{decimals}f}"
    return s


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} GiB"


def render_text(tables: Sequence[Table]) -> str:
    return "\n\n".join(t.to_text() for t in tables)
