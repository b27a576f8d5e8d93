"""Kernel-free animations for the static site: self-contained HTML + JavaScript.

A live widget needs a Python kernel; the static book has none. The same idea is
shown there as a small animation whose every number was computed by
:mod:`cnnlib` in Python and embedded as JSON: the JavaScript only chooses which
precomputed frame to show. No library, no network: one ``<div>``, one
``<style>`` and one ``<script>``. The first frame is rendered in plain HTML, so
the figure still makes sense where scripts do not run.

The interactive contract (checked on every page of the site by tests/test_site.py)
----------------------------------------------------------------------------------
Every animation's root element carries ``data-cnn-interactive="animation"``,
a Next button ``<button data-act="next">`` (and Prev ``data-act="prev"``, Play
``data-act="play"``, whose label reads "Pause" while it plays) and a
``.cnn-counter``. Pressing Next changes the counter and the frame shown. The
browser test finds every such root on every page (also ``.cnn-anim`` and
``.cnn-rf-anim``), pauses it, presses Next and fails if nothing changed; an
inline script in a cell output outside any ``[data-cnn-interactive]`` root
fails too. :class:`FrameAnimation` follows the contract, so a chapter built on
it is checked without a line of test code.
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

# The player every frame animation shares: Prev / Play / Next, a mode switch and
# a counter, one script. Each animation brings only its ``show()`` (what one frame
# draws); head + show + tail is the whole script.
_PLAYER_HEAD = """
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var data = __DATA__;
  var mode = 0, pos = 0, timer = null;
"""

_PLAYER_TAIL = """  function step(d) { var n = data.modes[mode].frames.length; pos = (pos + d + n) % n; show(); }
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


def _player_script(show_js: str, anim_id: str, payload: str, interval_ms: int, autoplay: bool) -> str:
    """The player's script around ``show_js``, with the data embedded (``</`` escaped for the HTML parser)."""
    return (
        (_PLAYER_HEAD + show_js + _PLAYER_TAIL)
        .replace("__ID__", anim_id)
        .replace("__DATA__", payload.replace("</", "<\\/"))
        .replace("__INTERVAL__", str(int(interval_ms)))
        .replace("__AUTOPLAY__", "true" if autoplay else "false")
    )


def _controls_html(anim_id: str, mode_names: Sequence[str], counter: str) -> str:
    """The player's controls: Prev, Play, Next, one radio button a mode (the first checked), the counter."""
    radios = "".join(
        f'<label><input type="radio" name="{anim_id}-mode" value="{n}"{" checked" if n == 0 else ""}> '
        f"{html.escape(name)}</label>"
        for n, name in enumerate(mode_names)
    )
    return (
        '<div class="cnn-controls"><button data-act="prev">Prev</button>'
        '<button data-act="play">Play</button><button data-act="next">Next</button>'
        f'{radios}<span class="cnn-counter">{html.escape(counter)}</span></div>'
    )


# The sliding window draws its tables in the browser from the numbers.
_SLIDING_SHOW_JS = """  function table(grid, cls, hit, upto) {
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
        js = _player_script(_SLIDING_SHOW_JS, self.id, self._payload, self.interval_ms, self.autoplay)
        controls = _controls_html(self.id, [m["name"] for m in self.data["modes"]],
                                  f'position 1 of {len(first_mode["frames"])}')
        return (
            f'<div class="cnn-anim" data-cnn-interactive="animation" id="{self.id}"><style>{_CSS.format(id=self.id)}</style>{controls}'
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


__all__ = ["sliding_window_animation", "sliding_window_data", "SlidingWindowAnimation"]


# ------------------------------------------------- receptive field, layer by layer
def _stable_id(prefix: str, payload: str) -> str:
    """The same data gives the same id (and the same HTML) in every run."""
    return prefix + hashlib.sha1(payload.encode()).hexdigest()[:10]


def receptive_field_data(stacks: Dict[str, Sequence], input_shape, unit_of=None) -> Dict:
    """What the receptive-field animation shows, computed by :mod:`cnnlib.receptive`.

    Parameters
    ----------
    stacks : dict name -> sequence of layers
        Each stack as for :func:`cnnlib.receptive.receptive_fields` (same
        layers along both axes).
    input_shape : (H, W)
    unit_of : dict name -> list of (row, col), optional
        For each stack and each layer ``l`` (1-based, list index ``l - 1``) the
        unit to follow; default: the unit nearest the centre of that layer.

    Returns
    -------
    dict
        ``stacks``: a list of ``{"name", "levels": [{"label", "shape"}],
        "frames": [...]}``; frame ``l - 1`` follows one unit of layer ``l`` and
        holds, for every level, a grid of cell codes (0 outside, 1 in the
        unit's field, 2 the unit itself, 3 a level above the unit), the field
        size from :func:`~cnnlib.receptive.receptive_fields` and the number of
        input pixels the unit really reads (its field cut to the image).
    """
    from .receptive import _windows, field_sets, receptive_fields

    h, w = (int(v) for v in input_shape)
    out = {"stacks": []}
    for name, layers in stacks.items():
        windows = _windows(layers, "receptive_field_data")
        rows_h = receptive_fields(windows, input_size=h)
        rows_w = receptive_fields(windows, input_size=w)
        shapes = [(h, w)] + [(a.out, b.out) for a, b in zip(rows_h, rows_w)]
        labels = ["input"] + [f"layer {i}: {win.label()}" for i, win in enumerate(windows, start=1)]
        frames = []
        for level in range(1, len(windows) + 1):
            oh, ow = shapes[level]
            unit = (unit_of[name][level - 1] if unit_of and name in unit_of else ((oh - 1) // 2, (ow - 1) // 2))
            sub = windows[:level]
            rmask = field_sets(sub, h, unit[0])
            cmask = field_sets(sub, w, unit[1])
            grids = []
            for lv, (sh, sw) in enumerate(shapes):
                if lv < level:
                    grid = np.outer(rmask[lv], cmask[lv]).astype(int)
                elif lv == level:
                    grid = np.zeros((sh, sw), dtype=int)
                    grid[unit] = 2
                else:
                    grid = np.full((sh, sw), 3, dtype=int)
                grids.append(grid.tolist())
            frames.append({
                "layer": level,
                "unit": [int(unit[0]), int(unit[1])],
                "field": [rows_h[level - 1].size, rows_w[level - 1].size],
                "reads": int(np.outer(rmask[0], cmask[0]).sum()),
                "grids": grids,
            })
        out["stacks"].append({"name": name, "levels": [{"label": lb, "shape": list(s)} for lb, s in zip(labels, shapes)],
                              "frames": frames})
    return out


def _rf_caption(stack_name: str, f: Dict) -> str:
    fh, fw = f["field"]
    cut = "" if f["reads"] == fh * fw else f" (cut to {f['reads']} by the image border)"
    return (f"{stack_name}: unit ({f['unit'][0]}, {f['unit'][1]}) of layer {f['layer']} sees a "
            f"{fh} × {fw} field of input pixels{cut}")


def _rf_grid(codes) -> str:
    cls = {0: "", 1: "in", 2: "unit", 3: "above"}
    return "".join(
        ["<table>"]
        + ["<tr>" + "".join(f'<td class="{cls[v]}"></td>' for v in row) + "</tr>" for row in codes]
        + ["</table>"]
    )


_RF_CSS = """
#{id} {{ font-family: system-ui, sans-serif; margin: 0.5em 0 1em; padding: 0.6em; color: #222; background: #fff; border-radius: 6px; }}
#{id} .cnn-controls {{ display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-bottom: 0.6em; }}
#{id} button {{ font: inherit; padding: 0.2em 0.8em; border: 1px solid #888; border-radius: 4px; background: #f4f4f4; color: #222; cursor: pointer; }}
#{id} .cnn-grids {{ display: flex; flex-wrap: wrap; gap: 0.9em; align-items: flex-end; }}
#{id} figure {{ margin: 0; text-align: center; }}
#{id} figcaption {{ font-size: 0.8em; margin-top: 0.3em; color: #333; line-height: 1.25; }}
#{id} .cnn-legend {{ font-size: 0.85em; margin-top: 0.4em; }}
#{id} .cnn-legend span {{ display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #bbb; vertical-align: middle; margin: 0 0.25em 0 0.8em; }}
#{id} table {{ border-collapse: collapse; margin: 0 auto; }}
#{id} td {{ width: 0.72em; height: 0.72em; padding: 0; border: 1px solid #bbb; background: #fff; }}
#{id} td.in {{ background: #fdae6b; }}
#{id} td.unit {{ background: #6a3d9a; }}
#{id} td.above {{ background: #eee; border-color: #ddd; }}
#{id} .cnn-caption {{ margin-top: 0.6em; font-size: 1.0em; font-variant-numeric: tabular-nums; }}
"""

_RF_JS = """
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var data = __DATA__;
  var cls = ["", "in", "unit", "above"];
  var stack = 0, pos = 0, timer = null;
  function grid(codes) {
    var s = "<table>";
    codes.forEach(function (row) {
      s += "<tr>";
      row.forEach(function (v) { s += '<td class="' + cls[v] + '"></td>'; });
      s += "</tr>";
    });
    return s + "</table>";
  }
  function caption(st, f) {
    var cut = f.reads === f.field[0] * f.field[1] ? "" : " (cut to " + f.reads + " by the image border)";
    return st.name + ": unit (" + f.unit[0] + ", " + f.unit[1] + ") of layer " + f.layer + " sees a " +
      f.field[0] + " \\u00d7 " + f.field[1] + " field of input pixels" + cut;
  }
  function show() {
    var st = data.stacks[stack], f = st.frames[pos], s = "";
    st.levels.forEach(function (lv, i) {
      var parts = lv.label.split(": ");
      s += '<figure><div class="cnn-level">' + grid(f.grids[i]) + "</div><figcaption>" + parts.join("<br>") +
        " (" + lv.shape[0] + "\\u00d7" + lv.shape[1] + ")</figcaption></figure>";
    });
    root.querySelector(".cnn-grids").innerHTML = s;
    root.querySelector(".cnn-caption").textContent = caption(st, f);
    root.querySelector(".cnn-counter").textContent = "layer " + f.layer + " of " + st.frames.length;
  }
  function step(d) { var n = data.stacks[stack].frames.length; pos = (pos + d + n) % n; show(); }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) timer = setInterval(function () { step(1); }, __INTERVAL__);
    root.querySelector('[data-act="play"]').textContent = on ? "Pause" : "Play";
  }
  root.querySelector('[data-act="prev"]').onclick = function () { play(false); step(-1); };
  root.querySelector('[data-act="next"]').onclick = function () { play(false); step(1); };
  root.querySelector('[data-act="play"]').onclick = function () { play(!timer); };
  root.querySelectorAll('input[type="radio"]').forEach(function (el) {
    el.onchange = function () { stack = +el.value; pos = 0; show(); };
  });
  show();
  play(__AUTOPLAY__);
})();
"""


class ReceptiveFieldAnimation:
    """Displays as a self-contained HTML animation of a receptive field growing layer by layer."""

    def __init__(self, stacks, input_shape, unit_of=None, interval_ms: int = 1600, autoplay: bool = True):
        self.data = receptive_field_data(stacks, input_shape, unit_of)
        self.interval_ms = int(interval_ms)
        self.autoplay = bool(autoplay)
        self._payload = json.dumps(self.data, sort_keys=True)
        self.id = _stable_id("cnn-rf-", self._payload)

    def __repr__(self) -> str:
        names = ", ".join(s["name"] for s in self.data["stacks"])
        return f"<receptive-field animation: {names}>"

    def _repr_html_(self) -> str:
        st = self.data["stacks"][0]
        f = st["frames"][0]
        radios = "".join(
            f'<label><input type="radio" name="{self.id}-stack" value="{n}"{" checked" if n == 0 else ""}> '
            f"{html.escape(s['name'])}</label>"
            for n, s in enumerate(self.data["stacks"])
        )
        figures = "".join(
            f'<figure><div class="cnn-level">{_rf_grid(g)}</div>'
            f"<figcaption>{'<br>'.join(html.escape(p) for p in lv['label'].split(': '))} "
            f"({lv['shape'][0]}×{lv['shape'][1]})</figcaption></figure>"
            for lv, g in zip(st["levels"], f["grids"])
        )
        js = (
            _RF_JS.replace("__ID__", self.id)
            .replace("__DATA__", self._payload)
            .replace("__INTERVAL__", str(self.interval_ms))
            .replace("__AUTOPLAY__", "true" if self.autoplay else "false")
        )
        return (
            f'<div class="cnn-rf-anim" data-cnn-interactive="animation" id="{self.id}"><style>{_RF_CSS.format(id=self.id)}</style>'
            '<div class="cnn-controls"><button data-act="prev">Prev</button>'
            '<button data-act="play">Play</button><button data-act="next">Next</button>'
            f'{radios}<span class="cnn-counter">layer 1 of {len(st["frames"])}</span></div>'
            f'<div class="cnn-grids">{figures}</div>'
            '<div class="cnn-legend"><span style="background:#6a3d9a"></span>the unit'
            '<span style="background:#fdae6b"></span>what it depends on'
            '<span style="background:#eee"></span>layers after it</div>'
            f'<div class="cnn-caption">{html.escape(_rf_caption(st["name"], f))}</div>'
            f"<script>{js}</script></div>"
        )


def receptive_field_animation(stacks, input_shape, unit_of=None, interval_ms: int = 1600,
                              autoplay: bool = True) -> ReceptiveFieldAnimation:
    """A unit's receptive field (수용 영역) growing layer by layer, as JavaScript that needs no kernel.

    Every level of the stack is drawn as a grid; frame ``l`` follows one unit
    of layer ``l`` (dark) and colours, at every level below, the positions it
    depends on. Play/Pause, Prev/Next and a switch between the stacks.

    Examples
    --------
    >>> anim = receptive_field_animation({"3x3 convs": [(3, 1, 1, 1)] * 3}, (9, 9))
    >>> [f["field"] for f in anim.data["stacks"][0]["frames"]]
    [[3, 3], [5, 5], [7, 7]]
    >>> "<script>" in anim._repr_html_()
    True
    """
    return ReceptiveFieldAnimation(stacks, input_shape, unit_of, interval_ms, autoplay)


__all__ += ["receptive_field_animation", "receptive_field_data", "ReceptiveFieldAnimation"]


# ----------------------------------------------------------------- frame player
# The sliding window above builds its tables in JavaScript from the numbers. The
# player below is the same idea one step more general: every frame is a set of
# small HTML pieces ("slots") rendered here in Python from cnnlib's numbers, and
# the script only swaps them in. Same controls (Prev / Play / Next, a mode
# switch, a counter and an equation line), same class names, so the site tests
# drive both the same way. Colours follow the book's light and dark themes, and
# the grids scroll inside the figure on narrow screens instead of widening the page.

_PLAYER_CSS = """
#{id} {{ --fg: #222; --bg: #fff; --line: #bbb; --btn: #f4f4f4; --hit: #fde0dd; --hit-line: #d62728;
        --done: #e3eefa; --col: #fff3e0; --col-line: #e6550d; --out: #ede7f6; --out-line: #6a3d9a;
        font-family: system-ui, sans-serif; margin: 0.5em 0 1em; color: var(--fg); max-width: 100%;
        background: var(--bg); padding: 0.5em; border-radius: 6px; box-sizing: border-box; }}
html[data-theme="dark"] #{id}, body[data-jp-theme-light="false"] #{id} {{
        --fg: #e6e6e6; --bg: #1e1e1e; --line: #555; --btn: #333; --hit: #5c2623; --hit-line: #ff6b6b;
        --done: #1d3350; --col: #4a3015; --col-line: #fd8d3c; --out: #35294d; --out-line: #b39ddb; }}
@media (prefers-color-scheme: dark) {{ html:not([data-theme="light"]) body:not([data-jp-theme-light="true"]) #{id} {{
        --fg: #e6e6e6; --bg: #1e1e1e; --line: #555; --btn: #333; --hit: #5c2623; --hit-line: #ff6b6b;
        --done: #1d3350; --col: #4a3015; --col-line: #fd8d3c; --out: #35294d; --out-line: #b39ddb; }} }}
#{id} .cnn-controls {{ display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-bottom: 0.6em; }}
#{id} button {{ font: inherit; padding: 0.2em 0.8em; border: 1px solid #888; border-radius: 4px; background: var(--btn); color: var(--fg); cursor: pointer; }}
#{id} .cnn-scroll {{ overflow-x: auto; max-width: 100%; }}
#{id} .cnn-grids {{ display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }}
#{id} .cnn-channels {{ display: flex; flex-wrap: wrap; gap: 0.6em; }}
#{id} figure {{ margin: 0; text-align: center; }}
#{id} figcaption {{ font-size: 0.85em; margin-top: 0.3em; color: var(--fg); }}
#{id} table {{ border-collapse: collapse; margin: 0 auto; }}
#{id} td {{ min-width: 1.75em; height: 1.75em; padding: 0; text-align: center; font-size: 0.8em; border: 1px solid var(--line);
           background: var(--bg); color: var(--fg); font-variant-numeric: tabular-nums; }}
#{id} td.sep {{ border-left: 3px solid var(--fg); }}
#{id} td.hit {{ background: var(--hit); outline: 2px solid var(--hit-line); outline-offset: -2px; }}
#{id} td.done {{ background: var(--done); }}
#{id} td.col {{ background: var(--col); outline: 2px solid var(--col-line); outline-offset: -2px; }}
#{id} td.out {{ background: var(--out); outline: 2px solid var(--out-line); outline-offset: -2px; }}
#{id} .cnn-equation {{ margin-top: 0.6em; font-size: 0.95em; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }}
"""

# The frame player only swaps in the slots Python rendered.
_FRAME_SHOW_JS = """  function show() {
    var m = data.modes[mode], f = m.frames[pos];
    Object.keys(f.slots).forEach(function (k) { root.querySelector(".cnn-slot-" + k).innerHTML = f.slots[k]; });
    Object.keys(m.captions).forEach(function (k) { root.querySelector(".cnn-cap-" + k).textContent = m.captions[k]; });
    root.querySelector(".cnn-equation").textContent = m.name + ": " + f.equation;
    root.querySelector(".cnn-counter").textContent = m.unit + " " + (pos + 1) + " of " + m.frames.length;
  }
"""


def grid_html(grid, classes=None, separators=()) -> str:
    """An HTML table of ``grid`` (a 2-D list); ``classes[r][c]`` is a cell's CSS class ('' for none).

    ``separators``: column indices that get a thick left border (channel boundaries).
    """
    out = ["<table>"]
    for r, row in enumerate(grid):
        out.append("<tr>")
        for c, v in enumerate(row):
            cls = " ".join(k for k in ((classes[r][c] if classes else ""), "sep" if c in separators else "") if k)
            attr = f' class="{cls}"' if cls else ""
            out.append(f"<td{attr}>{'' if v is None else v}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


class FrameAnimation:
    """A kernel-free player of precomputed frames (Jupyter calls ``_repr_html_``).

    Parameters
    ----------
    slots : list of (key, caption)
        The figures, left to right; every frame fills each slot with HTML.
    modes : list of dict
        ``{"name": str, "unit": str, "captions": {key: str}, "frames": [{"slots": {key: html}, "equation": str}]}``;
        a radio button switches between modes. ``unit`` names a frame in the counter ("row 3 of 9").
    interval_ms, autoplay : int, bool
        Time between frames when playing; whether it starts playing.
    label : str
        What ``repr`` calls it.
    css : str
        Extra style rules after the player's own, with ``#{id}`` for the animation's element
        (braces doubled, as in ``str.format``); they may use the player's colour variables
        (``var(--hit)`` ...), which follow the light and dark themes.
    """

    def __init__(self, slots, modes, interval_ms: int = 1200, autoplay: bool = True, label: str = "animation",
                 css: str = ""):
        self.slots = [(str(k), str(cap)) for k, cap in slots]
        self.css = css
        self.data = {"modes": modes}
        self.interval_ms = int(interval_ms)
        self.autoplay = bool(autoplay)
        self.label = label
        self._payload = json.dumps(self.data, sort_keys=True, ensure_ascii=False)
        self.id = "cnn-anim-" + hashlib.sha1(self._payload.encode()).hexdigest()[:10]

    def __repr__(self) -> str:
        modes = ", ".join(f"{m['name']} ({len(m['frames'])} frames)" for m in self.data["modes"])
        return f"<{self.label}: {modes}>"

    def _repr_html_(self) -> str:
        first = self.data["modes"][0]
        frame = first["frames"][0]
        figures = "".join(
            f'<figure><div class="cnn-slot-{k}">{frame["slots"][k]}</div>'
            f'<figcaption class="cnn-cap-{k}">{html.escape(first["captions"].get(k, cap))}</figcaption></figure>'
            for k, cap in self.slots
        )
        js = _player_script(_FRAME_SHOW_JS, self.id, self._payload, self.interval_ms, self.autoplay)
        controls = _controls_html(self.id, [m["name"] for m in self.data["modes"]],
                                  f'{first["unit"]} 1 of {len(first["frames"])}')
        style = (_PLAYER_CSS + self.css).format(id=self.id)
        return (
            f'<div class="cnn-anim" data-cnn-interactive="animation" id="{self.id}"><style>{style}</style>{controls}'
            f'<div class="cnn-scroll"><div class="cnn-grids">{figures}</div></div>'
            f'<div class="cnn-equation">{html.escape(first["name"] + ": " + frame["equation"])}</div>'
            f"<script>{js}</script></div>"
        )


def im2col_unfolding_data(x, w) -> Dict:
    """The frames of :func:`im2col_animation`, every number from :func:`cnnlib.im2col` and :func:`cnnlib.conv2d`.

    Mode "im2col": frame r outlines the patch of output position r (reading
    order) in every channel and fills row r of the im2col matrix. Mode
    "product": frame (r, f) multiplies row r by filter column f and fills
    output ``out[0, f, i, j]``.
    """
    from .conv import conv2d
    from .im2col import im2col

    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 3 or w.ndim != 4 or w.shape[1] != x.shape[0]:
        raise ValueError(f"im2col_unfolding_data: x must be (C, H, W) and w (FN, C, FH, FW), got {x.shape} and {w.shape}")
    c, h, wd = x.shape
    fn, _, fh, fw = w.shape
    cols = im2col(x[None], fh, fw)                           # (OH*OW, C*FH*FW)
    w_mat = w.reshape(fn, -1).T                              # (C*FH*FW, FN)
    out = conv2d(x[None], w)[0]                              # (FN, OH, OW)
    oh, ow = out.shape[1:]
    seps = [ch * fh * fw for ch in range(1, c)]
    colsg, wg = _grid(cols), _grid(w_mat)

    def channels(i, j):
        # All channels in one slot ("input"), side by side, each with its caption.
        tables = "".join(
            '<figure>' + grid_html(
                _grid(x[ch]),
                [["hit" if i <= r < i + fh and j <= q < j + fw else "" for q in range(wd)] for r in range(h)],
            ) + f"<figcaption>channel {ch}</figcaption></figure>"
            for ch in range(c)
        )
        return {"input": f'<div class="cnn-channels">{tables}</div>'}

    unfold = []
    for r in range(oh * ow):
        i, j = divmod(r, ow)
        slots = channels(i, j)
        slots["cols"] = grid_html(
            [row if k <= r else [None] * len(row) for k, row in enumerate(colsg)],
            [["hit" if k == r else ("done" if k < r else "") for _ in row] for k, row in enumerate(colsg)],
            seps,
        )
        slots["filters"] = grid_html(wg)
        slots["out"] = grid_html([[None] * (ow * fn) for _ in range(oh)], None, [ff * ow for ff in range(1, fn)])
        patch = cols[r]
        unfold.append({"slots": slots, "equation": f"row {r} = patch under output ({i}, {j}), channels 0–{c - 1}: "
                       + ", ".join(_fmt_num(v) for v in patch)})
    product = []
    filled = np.zeros((fn, oh, ow), dtype=bool)
    for r in range(oh * ow):
        i, j = divmod(r, ow)
        for f in range(fn):
            filled[f, i, j] = True
            slots = channels(i, j)
            slots["cols"] = grid_html(colsg, [["hit" if k == r else "" for _ in row] for k, row in enumerate(colsg)], seps)
            slots["filters"] = grid_html(wg, [["col" if q == f else "" for q in range(fn)] for _ in wg])
            out_grid = [[_num(out[ff, ii, jj]) if filled[ff, ii, jj] else None for ff in range(fn) for jj in range(ow)]
                        for ii in range(oh)]
            out_cls = [["out" if (ff, ii, jj) == (f, i, j) else "" for ff in range(fn) for jj in range(ow)] for ii in range(oh)]
            slots["out"] = grid_html(out_grid, out_cls, [ff * ow for ff in range(1, fn)])
            terms = " + ".join(f"{_factor(a)}·{_factor(b)}" for a, b in zip(cols[r], w_mat[:, f]))
            product.append({"slots": slots, "equation": f"out[{f}, {i}, {j}] = row {r} · column {f} = {terms} = "
                            f"{_fmt_num(out[f, i, j])}"})
    captions_unfold = {"cols": f"im2col matrix ({oh * ow} × {c * fh * fw}), filled row by row"}
    captions_product = {"cols": f"im2col matrix ({oh * ow} × {c * fh * fw})"}
    return {
        "shape": {"C": c, "H": h, "W": wd, "FN": fn, "FH": fh, "FW": fw, "OH": oh, "OW": ow},
        "cols": colsg,
        "w_matrix": wg,
        "output": _grid(out.reshape(fn * oh, ow)),
        "modes": [
            {"name": "im2col", "unit": "step", "captions": captions_unfold, "frames": unfold},
            {"name": "product", "unit": "step", "captions": captions_product, "frames": product},
        ],
    }


def _fmt_num(v) -> str:
    v = _num(v)
    return str(v).replace("-", "−")


def _factor(v) -> str:
    """A factor of a product: negative numbers in parentheses, 2·(−1)."""
    text = _fmt_num(v)
    return f"({text})" if text.startswith("−") else text


def im2col_animation(x, w, interval_ms: int = 1200, autoplay: bool = True) -> FrameAnimation:
    """im2col unfolding one image row by row, then the product filling the output, as a page-only animation.

    ``x`` is one image (C, H, W) and ``w`` the filters (FN, C, FH, FW), small
    enough to print (stride 1, no padding). Mode "im2col" copies each patch
    (every channel) into its row; mode "product" multiplies each row by each
    filter column and writes the output (maps side by side, filter 0 first).

    Examples
    --------
    >>> import numpy as np
    >>> anim = im2col_animation(np.arange(18).reshape(2, 3, 3), np.ones((2, 2, 2, 2)))
    >>> [len(m["frames"]) for m in anim.data["modes"]]     # 4 rows; 4 rows x 2 filters
    [4, 8]
    >>> anim.data["modes"][1]["frames"][0]["equation"][-4:]    # 0+1+3+4 + 9+10+12+13
    '= 52'
    """
    data = im2col_unfolding_data(x, w)
    s = data["shape"]
    slots = [("input", f"input ({s['C']} × {s['H']} × {s['W']}), patch outlined in every channel"),
             ("cols", "im2col matrix"), ("filters", f"filters w.reshape(FN, -1).T ({s['C'] * s['FH'] * s['FW']} × {s['FN']})"),
              ("out", f"output: {s['FN']} maps of {s['OH']} × {s['OW']}, side by side")]
    anim = FrameAnimation(slots, data["modes"], interval_ms, autoplay, label="im2col animation")
    anim.data = data
    return anim


__all__ += ["FrameAnimation", "grid_html", "im2col_animation", "im2col_unfolding_data"]


# ------------------------------------------------------------------ pooling
POOL_NAMES = {"max": "max pooling", "average": "average pooling"}


def pooling_data(x, kernel_size=2, *, stride=None, kinds: Sequence[str] = POOL_KINDS) -> Dict:
    """Everything the pooling animation shows, as JSON-ready data from :func:`cnnlib.pool_steps.pool_steps`.

    One mode a kind; each frame holds the window (``i``, ``j``, ``rows``,
    ``cols``, the ``chosen`` input cell for max pooling, the ``window``'s
    values), the ``equation`` and the three ``slots`` the player shows: the
    input with the window outlined, the window, and the output filled up to
    this window.
    """
    inp = _grid(x)
    data = {"input": inp, "modes": []}
    for kind in kinds:
        steps = pool_steps(x, kind, kernel_size, stride=stride)
        out = _grid(steps[0].output)
        ow = len(out[0])
        frames = []
        for n, s in enumerate(steps):
            in_cls = [["hit chosen" if s.chosen == (r, c) else ("hit" if r in s.rows and c in s.cols else "")
                       for c in range(len(row))] for r, row in enumerate(inp)]
            shown = [[v if r * ow + c <= n else None for c, v in enumerate(row)] for r, row in enumerate(out)]
            out_cls = [["out" if (r, c) == (s.i, s.j) else "" for c in range(ow)] for r in range(len(out))]
            frames.append({
                "i": s.i, "j": s.j, "rows": s.rows, "cols": s.cols,
                "chosen": list(s.chosen) if s.chosen else None,
                "window": _grid(s.window),
                "equation": f"output[{s.i}, {s.j}] = {s.equation()}",
                "slots": {"input": grid_html(inp, in_cls), "window": grid_html(_grid(s.window)),
                          "output": grid_html(shown, out_cls)},
            })
        data["modes"].append({"name": POOL_NAMES[kind], "unit": "window", "captions": {"input": _POOL_CAPTIONS[kind]},
                              "output": out, "frames": frames})
    return data


# The pooling animation is a FrameAnimation: its frames are rendered here, the
# player is the shared one. The kept value is filled with the outline colour.
_POOL_CSS = """
#{id} td {{ min-width: 2.2em; height: 2.2em; font-size: 0.95em; }}
#{id} td.chosen {{ background: var(--hit-line); color: var(--bg); font-weight: bold; }}
#{id} .cnn-slot-window td {{ background: var(--col); }}
"""

_POOL_CAPTIONS = {"max": "input (window outlined, kept value filled)", "average": "input (window outlined)"}


class PoolingAnimation(FrameAnimation):
    """Pooling window by window, as self-contained HTML + JavaScript (no kernel needed)."""

    def __init__(self, x, kernel_size=2, *, stride=None, kinds: Sequence[str] = POOL_KINDS,
                 interval_ms: int = 1500, autoplay: bool = True):
        data = pooling_data(x, kernel_size, stride=stride, kinds=kinds)
        slots = [("input", "input"), ("window", "the window's values"), ("output", "output")]
        super().__init__(slots, data["modes"], interval_ms, autoplay, label="pooling animation", css=_POOL_CSS)
        self.data = data

    def __repr__(self) -> str:
        inp = self.data["input"]
        win = self.data["modes"][0]["frames"][0]["window"]
        kinds = ", ".join(m["name"] for m in self.data["modes"])
        return f"<pooling animation: {len(inp)}x{len(inp[0])} input, {len(win)}x{len(win[0])} window, {kinds}>"


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
    ['output[0, 0] = max(1, 2, 3, 4) = 4', 'output[0, 1] = max(0, 1, 1, 0) = 1']
    >>> anim.data["modes"][1]["output"]
    [[2.5, 0.5]]
    """
    return PoolingAnimation(x, kernel_size, stride=stride, kinds=kinds, interval_ms=interval_ms, autoplay=autoplay)


__all__ += ["pooling_animation", "pooling_data", "PoolingAnimation"]


# ------------------------------------------------- equivariance and aliasing (chapter 7, issue 15)
# Images shown as shaded tables (no numbers): a cell's class p1..p4 (positive) or
# n1..n4 (negative) says how strong it is, relative to the largest |value| of that
# panel over all frames, so a panel's shading means the same in every frame.
_SHADE_CSS = """
#{id} td {{ min-width: 1.1em; height: 1.1em; font-size: 0.6em; }}
#{id} td.p1 {{ background: color-mix(in srgb, var(--hit-line) 25%, var(--bg)); }}
#{id} td.p2 {{ background: color-mix(in srgb, var(--hit-line) 50%, var(--bg)); }}
#{id} td.p3 {{ background: color-mix(in srgb, var(--hit-line) 75%, var(--bg)); }}
#{id} td.p4 {{ background: var(--hit-line); }}
#{id} td.n1 {{ background: color-mix(in srgb, var(--out-line) 25%, var(--bg)); }}
#{id} td.n2 {{ background: color-mix(in srgb, var(--out-line) 50%, var(--bg)); }}
#{id} td.n3 {{ background: color-mix(in srgb, var(--out-line) 75%, var(--bg)); }}
#{id} td.n4 {{ background: var(--out-line); }}
"""


def shade_classes(a, scale: float) -> List[List[str]]:
    """The CSS class of each cell of ``a``: '' near zero, 'p1'..'p4' / 'n1'..'n4' by ``|v| / scale``.

    Examples
    --------
    >>> shade_classes([[0.0, 0.3, -1.0, 0.6]], 1.0)
    [['', 'p2', 'n4', 'p3']]
    """
    a = np.asarray(a, dtype=float)
    level = np.ceil(np.round(np.abs(a) / scale * 4, 9)).astype(int).clip(0, 4)
    return [["" if lv == 0 else ("p" if v > 0 else "n") + str(lv) for v, lv in zip(row, lrow)]
            for row, lrow in zip(a, level)]


def _shaded(a, scale: float) -> str:
    a = np.asarray(a, dtype=float)
    return grid_html([[None] * a.shape[1] for _ in range(a.shape[0])], shade_classes(a, scale))


def _panel_scales(frames: Sequence[Dict[str, np.ndarray]]) -> Dict[str, float]:
    return {k: float(max(np.abs(f[k]).max() for f in frames)) or 1.0 for k in frames[0]}


def equivariance_data(x, w=None, steps: int = 0) -> Dict:
    """The frames of :func:`equivariance_animation`: a circularly shifted input and its feature map.

    Mode "circular padding": frame ``dx`` shows ``shift(x, (0, dx))`` and
    ``conv2d`` of it (stride 1, circular padding, kernel ``w``, Sobel-x by
    default), and records whether that equals ``shift(conv2d(x), (0, dx))``
    (``equal``) and the largest difference. Mode "zero padding": the same with
    zeros coming in and zero padding, where the border band differs.
    ``steps`` frames per mode (default: the width of ``x``).
    """
    from .conv import conv2d
    from .equivariance import SOBEL_X
    from .shift import shift

    x = np.asarray(x, dtype=float)
    w = SOBEL_X if w is None else np.asarray(w, dtype=float)
    steps = steps or x.shape[1]
    p = (w.shape[0] // 2, w.shape[1] // 2)
    modes = []
    for name, mode, pad_mode in [("circular padding", "circular", "circular"), ("zero padding", "zeros", "zeros")]:
        f = lambda v: conv2d(v[None, None], w[None, None], padding=p, padding_mode=pad_mode)[0, 0]
        fx = f(x)
        raw = []
        for dx in range(steps):
            moved = shift(x, (0, dx), mode=mode)
            out = f(moved)
            raw.append({"input": moved, "output": out, "diff": out - shift(fx, (0, dx), mode=mode)})
        scales = _panel_scales([{k: r[k] for k in ("input", "output")} for r in raw])
        frames = []
        for dx, r in enumerate(raw):
            err = float(np.abs(r["diff"]).max())
            frames.append({"dx": dx, "equal": bool(err == 0), "max_difference": _num(err),
                           "equation": (f"input shifted {dx} column(s) right; conv(shift(x)) = shift(conv(x)): "
                                        f"{'yes' if err == 0 else 'no, largest difference ' + str(_num(err))}"),
                           "slots": {"input": _shaded(r["input"], scales["input"]),
                                     "output": _shaded(r["output"], scales["output"])}})
        modes.append({"name": name, "unit": "shift", "captions": {}, "frames": frames})
    return {"shape": list(x.shape), "modes": modes}


class EquivarianceAnimation(FrameAnimation):
    """A shifting input and its feature map moving along (chapter 7), kernel-free HTML + JavaScript."""

    def __init__(self, x, w=None, steps: int = 0, interval_ms: int = 900, autoplay: bool = True):
        data = equivariance_data(x, w, steps)
        slots = [("input", "input, shifted right"), ("output", "feature map of the shifted input")]
        super().__init__(slots, data["modes"], interval_ms, autoplay, label="equivariance animation", css=_SHADE_CSS)
        self.data = data


def equivariance_animation(x, w=None, steps: int = 0, interval_ms: int = 900, autoplay: bool = True):
    """The input steps one column right per frame, and its stride-1 feature map moves along.

    Examples
    --------
    >>> x = np.zeros((4, 5)); x[1:3, 3] = 1                      # a bar in column 3 of 5
    >>> anim = equivariance_animation(x)
    >>> [f["equal"] for f in anim.data["modes"][0]["frames"]]     # circular: every frame a shift
    [True, True, True, True, True]
    >>> [f["equal"] for f in anim.data["modes"][1]["frames"]]     # zeros: not while the bar crosses the border
    [True, True, False, True, True]
    """
    return EquivarianceAnimation(x, w, steps, interval_ms, autoplay)


def aliasing_data(x, w=None, steps: int = 4) -> Dict:
    """The frames of :func:`aliasing_animation`: one-pixel steps through stride 1 and through subsampling.

    Everything circular. Mode "conv stride 2" and mode "max pool 2x2"; frame
    ``dx`` shows ``shift(x, (0, dx))``, the stride-1 convolution of it, and the
    subsampling layer's output, with ``change``: the relative change of that
    output against the unshifted one after the best re-alignment
    (:func:`cnnlib.equivariance.aligned_relative_change`).
    """
    from .equivariance import SOBEL_X, aligned_relative_change, apply_layer
    from .shift import shift

    x = np.asarray(x, dtype=float)
    w = SOBEL_X if w is None else np.asarray(w, dtype=float)
    modes = []
    for layer in ("conv stride 2", "max pool 2x2"):
        base = apply_layer(layer, x, w)
        raw = []
        for dx in range(steps):
            moved = shift(x, (0, dx))
            raw.append({"input": moved, "stride1": apply_layer("conv stride 1", moved, w),
                        "sub": apply_layer(layer, moved, w)})
        scales = _panel_scales(raw)
        frames = []
        for dx, r in enumerate(raw):
            change = aligned_relative_change(base, r["sub"])[0]
            frames.append({"dx": dx, "change": float(f"{change:.2f}"),
                           "equation": (f"input shifted {dx} pixel(s): {layer} output, best re-aligned, "
                                        f"differs from the unshifted one by {change:.2f} (relative)"),
                           "slots": {k: _shaded(r[k], scales[k]) for k in ("input", "stride1", "sub")}})
        modes.append({"name": layer, "unit": "shift", "captions": {"sub": f"{layer} output"}, "frames": frames})
    return {"shape": list(x.shape), "modes": modes}


class AliasingAnimation(FrameAnimation):
    """One-pixel steps: the stride-1 map moves along, the subsampled one flickers (chapter 7)."""

    def __init__(self, x, w=None, steps: int = 4, interval_ms: int = 1100, autoplay: bool = True):
        data = aliasing_data(x, w, steps)
        slots = [("input", "input, shifted right"), ("stride1", "conv stride 1"), ("sub", "conv stride 2 output")]
        super().__init__(slots, data["modes"], interval_ms, autoplay, label="aliasing animation", css=_SHADE_CSS)
        self.data = data


def aliasing_animation(x, w=None, steps: int = 4, interval_ms: int = 1100, autoplay: bool = True):
    """One-pixel steps of the input through a stride-1 convolution and through a subsampling layer.

    Examples
    --------
    >>> from cnnlib.equivariance import stripes
    >>> anim = aliasing_animation(stripes(4, 8), w=np.ones((1, 1)))
    >>> [f["change"] for f in anim.data["modes"][0]["frames"]]   # 1x1 kernel, stride 2: plain subsampling
    [0.0, 1.0, 0.0, 1.0]
    """
    return AliasingAnimation(x, w, steps, interval_ms, autoplay)


__all__ += ["shade_classes", "equivariance_data", "equivariance_animation", "EquivarianceAnimation",
            "aliasing_data", "aliasing_animation", "AliasingAnimation"]
