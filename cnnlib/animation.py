"""Kernel-free animations for the static site: self-contained HTML + JavaScript.

A live widget needs a Python kernel; the static book has none. The same idea is
shown there as a small animation whose every number was computed by
:mod:`cnnlib` in Python and embedded as JSON: the JavaScript only chooses which
precomputed frame to show. No library, no network: one ``<div>``, one
``<style>`` and one ``<script>``. The first frame is rendered in plain HTML, so
the figure still makes sense where scripts do not run.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Dict, List, Sequence

import numpy as np

from ._format import json_number as _num
from .pool_steps import POOL_KINDS, pool_steps
from .steps import MODES, WindowStep, window_steps

# What the kernel panel is captioned with, by mode (not by its position in the list).
KERNEL_CAPTIONS = {"cross-correlation": "kernel, as is", "convolution": "kernel, flipped"}


def _grid(a) -> List[list]:
    return [[_num(v) for v in row] for row in np.asarray(a)]


def _frame(step: WindowStep) -> Dict:
    return {
        "i": step.i,
        "j": step.j,
        "rows": step.rows,
        "cols": step.cols,
        "applied": _grid(step.applied),
        "products": _grid(step.products),
        "total": _num(step.total),
        "equation": step.equation(),
    }


def sliding_window_data(x, k, modes: Sequence[str] = MODES) -> Dict:
    """Everything the animation shows, as JSON-ready data computed by cnnlib."""
    data = {"modes": []}
    for mode in modes:
        steps = window_steps(x, k, mode)
        data["input"] = _grid(steps[0].input)
        data["modes"].append(
            {
                "name": mode,
                "kernel_caption": KERNEL_CAPTIONS[mode],
                "output": _grid(steps[0].output),
                "frames": [_frame(s) for s in steps],
            }
        )
    return data


def _table(grid, cls: str, highlight=None, upto=None) -> str:
    """HTML table of a grid; ``highlight`` = (rows, cols); cells after ``upto`` are blank."""
    rows, cols = highlight if highlight else ([], [])
    ncols = len(grid[0])
    out = [f'<table class="{cls}">']
    for r, row in enumerate(grid):
        out.append("<tr>")
        for c, v in enumerate(row):
            hit = r in rows and c in cols
            shown = upto is None or r * ncols + c <= upto
            out.append(f'<td class="{"hit" if hit else ""}">{v if shown else ""}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


_CSS = """
#{id} {{ font-family: system-ui, sans-serif; margin: 0.5em 0 1em; color: #222; background: #fff; padding: 0.6em; border-radius: 4px; }}
#{id} .cnn-controls {{ display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-bottom: 0.6em; }}
#{id} button {{ font: inherit; padding: 0.2em 0.8em; border: 1px solid #888; border-radius: 4px; background: #f4f4f4; color: #222; cursor: pointer; }}
#{id} .cnn-grids {{ display: flex; flex-wrap: wrap; gap: 1.4em; align-items: flex-start; }}
#{id} figure {{ margin: 0; text-align: center; }}
#{id} figcaption {{ font-size: 0.9em; margin-top: 0.3em; }}
#{id} table {{ border-collapse: collapse; margin: 0 auto; }}
#{id} td {{ width: 2.2em; height: 2.2em; text-align: center; border: 1px solid #bbb; background: #fff; color: #222; font-variant-numeric: tabular-nums; }}
#{id} table.cnn-input td.hit {{ background: #fde0dd; outline: 3px solid #d62728; outline-offset: -3px; }}
#{id} table.cnn-kernel td {{ background: #fff3e0; }}
#{id} table.cnn-products td {{ background: #e8f5e9; }}
#{id} table.cnn-output td.hit {{ background: #ede7f6; outline: 3px solid #6a3d9a; outline-offset: -3px; }}
#{id} .cnn-equation {{ margin-top: 0.6em; font-size: 1.05em; font-variant-numeric: tabular-nums; }}
"""

_JS = """
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var data = __DATA__;
  var mode = 0, pos = 0, timer = null;
  function table(grid, cls, hit, upto) {
    var ncols = grid[0].length, s = '<table class="' + cls + '">';
    grid.forEach(function (row, r) {
      s += "<tr>";
      row.forEach(function (v, c) {
        var on = hit && hit[0].indexOf(r) >= 0 && hit[1].indexOf(c) >= 0;
        var shown = upto === undefined || r * ncols + c <= upto;
        s += '<td class="' + (on ? "hit" : "") + '">' + (shown ? v : "") + "</td>";
      });
      s += "</tr>";
    });
    return s + "</table>";
  }
  function show() {
    var m = data.modes[mode], f = m.frames[pos];
    root.querySelector(".cnn-slot-input").innerHTML = table(data.input, "cnn-input", [f.rows, f.cols]);
    root.querySelector(".cnn-slot-kernel").innerHTML = table(f.applied, "cnn-kernel");
    root.querySelector(".cnn-slot-products").innerHTML = table(f.products, "cnn-products");
    root.querySelector(".cnn-slot-output").innerHTML = table(m.output, "cnn-output", [[f.i], [f.j]], pos);
    root.querySelector(".cnn-kernel-caption").textContent = m.kernel_caption;
    root.querySelector(".cnn-equation").textContent = m.name + ": output[" + f.i + ", " + f.j + "] = " + f.equation;
    root.querySelector(".cnn-counter").textContent = "position " + (pos + 1) + " of " + m.frames.length;
  }
  function step(d) { var n = data.modes[mode].frames.length; pos = (pos + d + n) % n; show(); }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) timer = setInterval(function () { step(1); }, __INTERVAL__);
    root.querySelector('[data-act="play"]').textContent = on ? "Pause" : "Play";
  }
  root.querySelector('[data-act="prev"]').onclick = function () { play(false); step(-1); };
  root.querySelector('[data-act="next"]').onclick = function () { play(false); step(1); };
  root.querySelector('[data-act="play"]').onclick = function () { play(!timer); };
  root.querySelectorAll('input[type="radio"]').forEach(function (el) {
    el.onchange = function () { mode = +el.value; pos = 0; show(); };
  });
  show();
  play(__AUTOPLAY__);
})();
"""


class SlidingWindowAnimation:
    """Displays as a self-contained HTML animation (Jupyter calls ``_repr_html_``)."""

    def __init__(self, x, k, modes: Sequence[str] = MODES, interval_ms: int = 1500, autoplay: bool = True):
        self.data = sliding_window_data(x, k, modes)
        self.interval_ms = int(interval_ms)
        self.autoplay = bool(autoplay)
        payload = json.dumps(self.data, sort_keys=True)
        # A stable id (no randomness): the same data gives the same HTML in every run.
        self.id = "cnn-anim-" + hashlib.sha1(payload.encode()).hexdigest()[:10]
        self._payload = payload

    def __repr__(self) -> str:
        inp = self.data["input"]
        kern = self.data["modes"][0]["frames"][0]["applied"]
        modes = ", ".join(m["name"] for m in self.data["modes"])
        return f"<sliding-window animation: {len(inp)}x{len(inp[0])} input, {len(kern)}x{len(kern[0])} kernel, {modes}>"

    def _repr_html_(self) -> str:
        first_mode = self.data["modes"][0]
        f = first_mode["frames"][0]
        radios = "".join(
            f'<label><input type="radio" name="{self.id}-mode" value="{n}"{" checked" if n == 0 else ""}> '
            f"{html.escape(m['name'])}</label>"
            for n, m in enumerate(self.data["modes"])
        )
        figure = (
            f'<figure><div class="cnn-slot-input">{_table(self.data["input"], "cnn-input", (f["rows"], f["cols"]))}</div>'
            "<figcaption>input</figcaption></figure>"
            f'<figure><div class="cnn-slot-kernel">{_table(f["applied"], "cnn-kernel")}</div>'
            f'<figcaption class="cnn-kernel-caption">{html.escape(first_mode["kernel_caption"])}</figcaption></figure>'
            f'<figure><div class="cnn-slot-products">{_table(f["products"], "cnn-products")}</div>'
            "<figcaption>products</figcaption></figure>"
            f'<figure><div class="cnn-slot-output">{_table(first_mode["output"], "cnn-output", ([f["i"]], [f["j"]]), 0)}</div>'
            "<figcaption>output</figcaption></figure>"
        )
        equation = html.escape(f"{first_mode['name']}: output[{f['i']}, {f['j']}] = {f['equation']}")
        js = (
            _JS.replace("__ID__", self.id)
            .replace("__DATA__", self._payload)
            .replace("__INTERVAL__", str(self.interval_ms))
            .replace("__AUTOPLAY__", "true" if self.autoplay else "false")
        )
        return (
            f'<div class="cnn-anim" id="{self.id}"><style>{_CSS.format(id=self.id)}</style>'
            '<div class="cnn-controls"><button data-act="prev">Prev</button>'
            '<button data-act="play">Play</button><button data-act="next">Next</button>'
            f'{radios}<span class="cnn-counter">position 1 of {len(first_mode["frames"])}</span></div>'
            f'<div class="cnn-grids">{figure}</div><div class="cnn-equation">{equation}</div>'
            f"<script>{js}</script></div>"
        )


def sliding_window_animation(x, k, modes: Sequence[str] = MODES, interval_ms: int = 1500, autoplay: bool = True) -> SlidingWindowAnimation:
    """The sliding window as a JavaScript animation that needs no kernel.

    Shows the input with the window outlined, the kernel as it is applied
    (flipped for convolution), the products and the output filling up, with
    Play/Pause, Prev/Next and a switch between cross-correlation and
    convolution.

    Examples
    --------
    >>> anim = sliding_window_animation([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [0, 2]])
    >>> [f["total"] for f in anim.data["modes"][0]["frames"]]
    [13, 17, 25, 29]
    >>> "<script>" in anim._repr_html_()
    True
    """
    return SlidingWindowAnimation(x, k, modes, interval_ms, autoplay)


# ------------------------------------------------------------------ pooling
POOL_NAMES = {"max": "max pooling", "average": "average pooling"}


def pooling_data(x, kernel_size=2, *, stride=None, kinds: Sequence[str] = POOL_KINDS) -> Dict:
    """Everything the pooling animation shows, as JSON-ready data from :func:`cnnlib.pool_steps.pool_steps`."""
    data = {"modes": []}
    for kind in kinds:
        steps = pool_steps(x, kind, kernel_size, stride=stride)
        data["input"] = _grid(x)
        data["modes"].append({
            "name": POOL_NAMES[kind],
            "output": _grid(steps[0].output),
            "frames": [{"i": s.i, "j": s.j, "rows": s.rows, "cols": s.cols,
                        "chosen": list(s.chosen) if s.chosen else None,
                        "window": _grid(s.window), "equation": s.equation()} for s in steps],
        })
    return data


_POOL_CSS = _CSS + """
#{id} table.cnn-input td.chosen {{ background: #d62728; color: #fff; font-weight: bold; }}
#{id} table.cnn-kernel td {{ background: #fff3e0; }}
"""

_POOL_JS = """
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var data = __DATA__;
  var mode = 0, pos = 0, timer = null;
  function table(grid, cls, hit, upto, chosen) {
    var ncols = grid[0].length, s = '<table class="' + cls + '">';
    grid.forEach(function (row, r) {
      s += "<tr>";
      row.forEach(function (v, c) {
        var on = hit && hit[0].indexOf(r) >= 0 && hit[1].indexOf(c) >= 0;
        var pick = chosen && chosen[0] === r && chosen[1] === c;
        var shown = upto === undefined || r * ncols + c <= upto;
        s += '<td class="' + (pick ? "hit chosen" : (on ? "hit" : "")) + '">' + (shown ? v : "") + "</td>";
      });
      s += "</tr>";
    });
    return s + "</table>";
  }
  function show() {
    var m = data.modes[mode], f = m.frames[pos];
    root.querySelector(".cnn-slot-input").innerHTML = table(data.input, "cnn-input", [f.rows, f.cols], undefined, f.chosen);
    root.querySelector(".cnn-slot-kernel").innerHTML = table(f.window, "cnn-kernel");
    root.querySelector(".cnn-slot-output").innerHTML = table(m.output, "cnn-output", [[f.i], [f.j]], pos);
    root.querySelector(".cnn-equation").textContent = m.name + ": output[" + f.i + ", " + f.j + "] = " + f.equation;
    root.querySelector(".cnn-counter").textContent = "window " + (pos + 1) + " of " + m.frames.length;
  }
  function step(d) { var n = data.modes[mode].frames.length; pos = (pos + d + n) % n; show(); }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) timer = setInterval(function () { step(1); }, __INTERVAL__);
    root.querySelector('[data-act="play"]').textContent = on ? "Pause" : "Play";
  }
  root.querySelector('[data-act="prev"]').onclick = function () { play(false); step(-1); };
  root.querySelector('[data-act="next"]').onclick = function () { play(false); step(1); };
  root.querySelector('[data-act="play"]').onclick = function () { play(!timer); };
  root.querySelectorAll('input[type="radio"]').forEach(function (el) {
    el.onchange = function () { mode = +el.value; pos = 0; show(); };
  });
  show();
  play(__AUTOPLAY__);
})();
"""


class PoolingAnimation:
    """Pooling window by window, as self-contained HTML + JavaScript (no kernel needed)."""

    def __init__(self, x, kernel_size=2, *, stride=None, kinds: Sequence[str] = POOL_KINDS,
                 interval_ms: int = 1500, autoplay: bool = True):
        self.data = pooling_data(x, kernel_size, stride=stride, kinds=kinds)
        self.interval_ms = int(interval_ms)
        self.autoplay = bool(autoplay)
        payload = json.dumps(self.data, sort_keys=True)
        self.id = "cnn-anim-" + hashlib.sha1(payload.encode()).hexdigest()[:10]
        self._payload = payload

    def __repr__(self) -> str:
        inp = self.data["input"]
        win = self.data["modes"][0]["frames"][0]["window"]
        kinds = ", ".join(m["name"] for m in self.data["modes"])
        return f"<pooling animation: {len(inp)}x{len(inp[0])} input, {len(win)}x{len(win[0])} window, {kinds}>"

    def _repr_html_(self) -> str:
        m0 = self.data["modes"][0]
        f = m0["frames"][0]
        radios = "".join(
            f'<label><input type="radio" name="{self.id}-mode" value="{n}"{" checked" if n == 0 else ""}> '
            f"{html.escape(m['name'])}</label>"
            for n, m in enumerate(self.data["modes"])
        )
        figure = (
            f'<figure><div class="cnn-slot-input">{_table(self.data["input"], "cnn-input", (f["rows"], f["cols"]))}</div>'
            "<figcaption>input (window outlined, kept value filled)</figcaption></figure>"
            f'<figure><div class="cnn-slot-kernel">{_table(f["window"], "cnn-kernel")}</div>'
            "<figcaption>the window's values</figcaption></figure>"
            f'<figure><div class="cnn-slot-output">{_table(m0["output"], "cnn-output", ([f["i"]], [f["j"]]), 0)}</div>'
            "<figcaption>output</figcaption></figure>"
        )
        equation = html.escape(f"{m0['name']}: output[{f['i']}, {f['j']}] = {f['equation']}")
        js = (_POOL_JS.replace("__ID__", self.id).replace("__DATA__", self._payload)
              .replace("__INTERVAL__", str(self.interval_ms)).replace("__AUTOPLAY__", "true" if self.autoplay else "false"))
        return (
            f'<div class="cnn-anim" id="{self.id}"><style>{_POOL_CSS.format(id=self.id)}</style>'
            '<div class="cnn-controls"><button data-act="prev">Prev</button>'
            '<button data-act="play">Play</button><button data-act="next">Next</button>'
            f'{radios}<span class="cnn-counter">window 1 of {len(m0["frames"])}</span></div>'
            f'<div class="cnn-grids">{figure}</div><div class="cnn-equation">{equation}</div>'
            f"<script>{js}</script></div>"
        )


def pooling_animation(x, kernel_size=2, *, stride=None, kinds: Sequence[str] = POOL_KINDS,
                      interval_ms: int = 1500, autoplay: bool = True) -> PoolingAnimation:
    """Max and average pooling stepping through the windows, for the static site.

    Shows the input with the window outlined (and, for max pooling, the kept
    cell filled), the window's values, the equation and the output filling up,
    with Play/Pause, Prev/Next and a switch between max and average pooling.

    Examples
    --------
    >>> anim = pooling_animation([[1, 2, 0, 1], [3, 4, 1, 0]], 2)
    >>> [f["equation"] for f in anim.data["modes"][0]["frames"]]
    ['max(1, 2, 3, 4) = 4', 'max(0, 1, 1, 0) = 1']
    >>> anim.data["modes"][1]["output"]
    [[2.5, 0.5]]
    """
    return PoolingAnimation(x, kernel_size, stride=stride, kinds=kinds, interval_ms=interval_ms, autoplay=autoplay)


__all__ = ["sliding_window_animation", "sliding_window_data", "SlidingWindowAnimation",
           "pooling_animation", "pooling_data", "PoolingAnimation"]
