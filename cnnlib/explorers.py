"""Kernel-free explorers for the static site: self-contained HTML + JavaScript.

An explorer is the static book's stand-in for a live widget: form controls and
a drawing that the page itself recomputes, with no Python kernel, no library
and no network (one ``<div>``, one ``<style>``, one ``<script>``). Whatever an
explorer computes in JavaScript is simple enough to write twice, and the
browser test (tests/test_site.py) checks the page against :mod:`cnnlib` on a
grid of settings, so the two cannot drift apart.

The interactive contract (checked on every page of the site by tests/test_site.py)
----------------------------------------------------------------------------------
Every explorer's root element carries ``data-cnn-interactive="explorer"`` and
holds form fields (``<input>``, ``<select>``) or buttons (presets,
``<button data-preset=...>``). Changing its first field (with an ``input``
event, as typing does) -- or, if that changes nothing, pressing one of its
buttons -- must change what it shows (its text, tables or drawing outside the
controls). The browser test does exactly that on every page and fails on an
explorer that does not respond. Detailed checks against :mod:`cnnlib` live in
the explorer's own tests.

Each explorer has its own section below.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from typing import Dict

from .geometry import window_layout

# =============================================================================
# Chapter 3: padding, stride, dilation -> window positions and output size
# =============================================================================
#
# The JavaScript repeats cnnlib.geometry.window_layout: the same pads for the
# modes (the odd zero of 'same' after), the same floor formula, the same
# sentences when the settings do not fit. tests/test_site.py compares the
# numbers, the formulas and the sentences with Python's on >= 200 settings.

LIMITS = {"h": (1, 16), "w": (1, 16), "kh": (1, 7), "kw": (1, 7), "pad": (0, 5), "s": (1, 5), "d": (1, 4)}

_OS_CSS = """
#{id} {{
  --fg: #1f2328; --bg: #ffffff; --muted: #57606a; --line: #8c959f; --pad: #d9d9d9; --in: #eaf2fb;
  --unread: #fbe3d6; --win: #d62728; --tap: rgba(214, 39, 40, 0.38); --dot: #1f4e9c; --field: #f6f8fa;
  color: var(--fg); background: var(--bg); font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  border: 1px solid var(--line); border-radius: 6px; padding: 0.6em; margin: 0.5em 0 1em;
  max-width: 100%; box-sizing: border-box; overflow-x: auto;
}}
html[data-theme="dark"] #{id}, body[data-jp-theme-light="false"] #{id} {{
  --fg: #e6edf3; --bg: #161b22; --muted: #9da7b3; --line: #6e7681; --pad: #484f58; --in: #1f3a5f;
  --unread: #6e3b1f; --win: #ff7b72; --tap: rgba(255, 123, 114, 0.45); --dot: #9cc7ff; --field: #0d1117;
}}
#{id} .cnn-x-controls {{ display: flex; flex-wrap: wrap; gap: 0.35em 0.9em; margin-bottom: 0.5em; }}
#{id} fieldset {{ border: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3em 0.6em; align-items: center; }}
#{id} legend {{ font-weight: 600; font-size: 0.9em; padding: 0; margin-bottom: 0.1em; width: 100%; }}
#{id} label {{ font-size: 0.9em; display: inline-flex; align-items: center; gap: 0.25em; white-space: nowrap; }}
#{id} input, #{id} select {{
  font: inherit; font-size: 0.95em; color: var(--fg); background: var(--field);
  border: 1px solid var(--line); border-radius: 4px; padding: 0.1em 0.2em;
}}
#{id} input[type="number"] {{ width: 3.2em; }}
#{id} input:disabled {{ opacity: 0.45; }}
#{id} svg {{ display: block; max-width: 100%; height: auto; margin: 0.3em 0; }}
#{id} svg .pad {{ fill: var(--pad); }}
#{id} svg .in {{ fill: var(--in); }}
#{id} svg .unread {{ fill: var(--unread); }}
#{id} svg .grid {{ stroke: var(--bg); stroke-width: 0.06; }}
#{id} svg .border {{ fill: none; stroke: var(--muted); stroke-width: 0.08; }}
#{id} svg .tap {{ fill: var(--tap); }}
#{id} svg .win {{ fill: none; stroke: var(--win); stroke-width: 0.14; }}
#{id} svg .dot {{ fill: var(--dot); }}
#{id} .cnn-x-out {{ font-weight: 600; font-size: 1.05em; }}
#{id} .cnn-x-formula {{ font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.82em;
  white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.3em 0; color: var(--fg); }}
#{id} .cnn-x-reason {{ color: var(--win); }}
#{id} .cnn-x-key {{ font-size: 0.82em; color: var(--muted); }}
#{id} .cnn-x-key .sw {{ display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em; margin: 0 0.2em 0 0.5em;
  border: 1px solid var(--line); }}
"""

_OS_JS = r"""
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  function q(sel) { return root.querySelector(sel); }
  function val(name) { return parseInt(q('[name="' + name + '"]').value, 10); }
  function pairText(a, b) { return a === b ? String(a) : "(" + a + ", " + b + ")"; }
  function g(x) { return String(Number(x.toPrecision(4))); }   // cnnlib._format.number for these sizes (below 10,000)
  function split(t) { return [Math.floor(t / 2), t - Math.floor(t / 2)]; }
  function formula(axis, n, k, before, after, s, d) {
    var o = axis ? "OW" : "OH", big = axis ? "W" : "H", small = axis ? "KW" : "KH";
    var pb = axis ? "P_left" : "P_top", pa = axis ? "P_right" : "P_bottom";
    var num = n + before + after - d * (k - 1) - 1;
    var general = o + " = ⌊(" + big + " + " + pb + " + " + pa + " − D·(" + small + " − 1) − 1)/S⌋ + 1";
    var filled = "⌊(" + n + " + " + before + " + " + after + " − " + d + "·(" + k + " − 1) − 1)/" + s + "⌋ + 1";
    if (num < 0) return general + " = " + filled + " = ⌊" + num + "/" + s + "⌋ + 1: the kernel does not fit";
    var qq = Math.floor(num / s);
    var frac = num % s === 0 ? "" : " (" + num + "/" + s + " = " + g(num / s) + ", floored)";
    return general + " = " + filled + " = ⌊" + num + "/" + s + "⌋ + 1 = " + qq + " + 1 = " + (qq + 1) + frac;
  }
  // The same computation as cnnlib.window_layout (stride and dilation equal on both axes here).
  function layout(st) {
    var k = [st.kh, st.kw], n = [st.h, st.w], s = st.s, d = st.d, reasons = [], pads = null;
    var span = [d * (k[0] - 1) + 1, d * (k[1] - 1) + 1];
    if (st.mode === "valid") pads = [0, 0, 0, 0];
    else if (st.mode === "full") pads = [span[0] - 1, span[0] - 1, span[1] - 1, span[1] - 1];
    else if (st.mode === "same") {
      if (s !== 1) reasons.push("'same' padding is defined for stride 1 only (as in PyTorch): with stride " + s +
        " the windows are " + s + " pixels apart, so an output as large as the input would need about " + (s - 1) +
        " zero" + (s > 2 ? "s" : "") + " of padding per input pixel, and most windows would read only zeros.");
      else pads = split(span[0] - 1).concat(split(span[1] - 1));
    } else pads = [st.top, st.bottom, st.left, st.right];
    var lay = {fits: false, reasons: reasons, pads: pads, span: span, n: n, k: k, s: s, d: d};
    if (!pads) return lay;
    lay.padded = [n[0] + pads[0] + pads[1], n[1] + pads[2] + pads[3]];
    [["rows", "H"], ["columns", "W"]].forEach(function (names, a) {
      if (span[a] > lay.padded[a]) {
        var taps = d > 1 ? k[a] + " taps, " + d + " apart" : k[a] + " taps";
        reasons.push("The " + (d > 1 ? "dilated kernel" : "kernel") + " spans " + span[a] + " " + names[0] + " (" + taps +
          ") but the padded input has only " + lay.padded[a] + " (" + names[1] + " " + n[a] + " + padding " +
          pads[2 * a] + " + " + pads[2 * a + 1] + ").");
      }
    });
    if (reasons.length) return lay;
    lay.fits = true;
    lay.out = [0, 1].map(function (a) { return Math.floor((lay.padded[a] - span[a]) / s) + 1; });
    lay.starts = lay.out.map(function (o) { var r = []; for (var i = 0; i < o; i++) r.push(i * s); return r; });
    lay.unread = [0, 1].map(function (a) { return lay.padded[a] - (lay.starts[a][lay.out[a] - 1] + span[a]); });
    lay.formulas = [0, 1].map(function (a) { return formula(a, n[a], k[a], pads[2 * a], pads[2 * a + 1], s, d); });
    return lay;
  }
  function rect(x, y, w, h, cls) {
    return '<rect x="' + x + '" y="' + y + '" width="' + w + '" height="' + h + '" class="' + cls + '"/>';
  }
  function draw(lay, pick) {
    var p = lay.pads || [0, 0, 0, 0], n = lay.n;
    var hp = n[0] + p[0] + p[1], wp = n[1] + p[2] + p[3], read = {}, s = "";
    if (lay.fits) {
      lay.starts[0].forEach(function (r0) { lay.starts[1].forEach(function (c0) {
        for (var m = 0; m < lay.k[0]; m++) for (var t = 0; t < lay.k[1]; t++) read[(r0 + m * lay.d) + "," + (c0 + t * lay.d)] = 1;
      }); });
    }
    for (var r = 0; r < hp; r++) for (var c = 0; c < wp; c++) {
      var inside = r >= p[0] && r < p[0] + n[0] && c >= p[2] && c < p[2] + n[1];
      var cls = !inside ? "pad" : (!lay.fits || read[r + "," + c] ? "in" : "unread");
      s += rect(c, r, 1, 1, cls + " grid");
    }
    s += rect(p[2], p[0], n[1], n[0], "border");
    var count = 0;
    if (lay.fits) {
      var total = lay.out[0] * lay.out[1], idx = Math.min(pick, total - 1);
      var i = Math.floor(idx / lay.out[1]), j = idx % lay.out[1];
      var r0 = lay.starts[0][i], c0 = lay.starts[1][j];
      for (var m = 0; m < lay.k[0]; m++) for (var t = 0; t < lay.k[1]; t++)
        s += rect(c0 + t * lay.d + 0.12, r0 + m * lay.d + 0.12, 0.76, 0.76, "tap");
      s += rect(c0, r0, lay.span[1], lay.span[0], "win");
      lay.starts[0].forEach(function (a) { lay.starts[1].forEach(function (b) {
        s += '<circle class="dot" cx="' + (b + lay.span[1] / 2) + '" cy="' + (a + lay.span[0] / 2) + '" r="0.2"/>';
        count++;
      }); });
    }
    var svg = q("svg");
    svg.setAttribute("viewBox", "-0.1 -0.1 " + (wp + 0.2) + " " + (hp + 0.2));
    var cell = Math.max(8, Math.min(30, 340 / (wp + 0.2), 300 / (hp + 0.2)));   // px per pixel: fits a phone
    svg.setAttribute("width", Math.round(cell * (wp + 0.2)));
    svg.setAttribute("height", Math.round(cell * (hp + 0.2)));
    svg.innerHTML = s;
    return count;
  }
  function state() {
    return {h: val("h"), w: val("w"), kh: val("kh"), kw: val("kw"), s: val("s"), d: val("d"),
            mode: q('[name="mode"]').value, top: val("top"), bottom: val("bottom"), left: val("left"), right: val("right")};
  }
  function update() {
    var st = state(), lay = layout(st), out = q(".cnn-x-out"), win = q('[name="win"]');
    ["top", "bottom", "left", "right"].forEach(function (nm) { q('[name="' + nm + '"]').disabled = st.mode !== "per side"; });
    if (lay.fits) {
      var total = lay.out[0] * lay.out[1];
      win.max = total; if (+win.value > total) win.value = total;
      var dots = draw(lay, +win.value - 1);
      out.dataset.oh = lay.out[0]; out.dataset.ow = lay.out[1]; out.dataset.windows = dots;
      out.textContent = "output " + lay.out[0] + " × " + lay.out[1] + " = " + total + " window positions";
      q(".cnn-x-formula").textContent = lay.formulas.join("\n");
      var parts = [];
      if (lay.unread[0]) parts.push(lay.unread[0] + (lay.unread[0] === 1 ? " row" : " rows") + " (at the bottom)");
      if (lay.unread[1]) parts.push(lay.unread[1] + (lay.unread[1] === 1 ? " column" : " columns") + " (at the right)");
      var verb = parts.length === 1 && Math.max(lay.unread[0], lay.unread[1]) === 1 ? "is" : "are";
      q(".cnn-x-reason").textContent = parts.length ? "The last window stops short of the end: " + parts.join(" and ") +
        " of the padded input " + verb + " never read (the output size is floored)." : "";
      q(".cnn-x-win").textContent = "window " + win.value + " of " + total + " outlined";
      win.disabled = false;
    } else {
      draw(lay, 0);
      out.dataset.oh = ""; out.dataset.ow = ""; out.dataset.windows = 0;
      out.textContent = "does not fit";
      q(".cnn-x-formula").textContent = "";
      q(".cnn-x-reason").textContent = lay.reasons.join(" ");
      q(".cnn-x-win").textContent = "";
      win.disabled = true;
    }
  }
  root.querySelectorAll("input, select").forEach(function (el) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  root.cnnUpdate = update;   // for the browser test: set values, then call (or dispatch "input")
  update();
})();
"""


def _number(name: str, label: str, value: int, lo: int, hi: int) -> str:
    return (f'<label>{html.escape(label)} <input type="number" name="{name}" value="{value}" min="{lo}" max="{hi}" '
            f'step="1" inputmode="numeric"></label>')


class OutputSizeExplorer:
    """Displays as a self-contained HTML explorer (Jupyter calls ``_repr_html_``)."""

    def __init__(self, in_shape=(8, 4), kernel_size=2, stride=1, padding=0, dilation=1):
        h, w = (in_shape, in_shape) if isinstance(in_shape, int) else tuple(in_shape)
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        if isinstance(padding, str):
            mode, pads = padding, (0, 0, 0, 0)
        else:
            mode = "per side"
            pads = (padding,) * 4 if isinstance(padding, int) else (
                (padding[0], padding[0], padding[1], padding[1]) if len(padding) == 2 else tuple(padding))
        self.settings = dict(h=h, w=w, kh=kh, kw=kw, s=stride, d=dilation, mode=mode,
                             top=pads[0], bottom=pads[1], left=pads[2], right=pads[3])
        for key, (lo, hi) in (("h", LIMITS["h"]), ("w", LIMITS["w"]), ("kh", LIMITS["kh"]), ("kw", LIMITS["kw"]),
                              ("s", LIMITS["s"]), ("d", LIMITS["d"]), ("top", LIMITS["pad"]), ("bottom", LIMITS["pad"]),
                              ("left", LIMITS["pad"]), ("right", LIMITS["pad"])):
            if not lo <= self.settings[key] <= hi:
                raise ValueError(f"output_size_explorer: {key}={self.settings[key]} is outside the explorer's range {lo}..{hi}")
        # What Python says for the starting values: shown before (or without) JavaScript.
        self.layout = window_layout((h, w), (kh, kw), stride=stride, padding=mode if mode != "per side" else pads,
                                    dilation=dilation)
        self.id = "cnn-explorer-" + hashlib.sha1(json.dumps(self.settings, sort_keys=True).encode()).hexdigest()[:10]

    def __repr__(self) -> str:
        st = self.settings
        pad = st["mode"] if st["mode"] != "per side" else (st["top"], st["bottom"], st["left"], st["right"])
        return (f"<output-size explorer: {st['h']}x{st['w']} input, {st['kh']}x{st['kw']} kernel, padding {pad}, "
                f"stride {st['s']}, dilation {st['d']}>")

    def _repr_html_(self) -> str:
        st, lay = self.settings, self.layout
        modes = "".join(f'<option value="{m}"{" selected" if m == st["mode"] else ""}>{m}</option>'
                        for m in ("per side", "valid", "same", "full"))
        controls = (
            '<div class="cnn-x-controls">'
            f'<fieldset><legend>input</legend>{_number("h", "H", st["h"], *LIMITS["h"])}{_number("w", "W", st["w"], *LIMITS["w"])}</fieldset>'
            f'<fieldset><legend>kernel</legend>{_number("kh", "KH", st["kh"], *LIMITS["kh"])}{_number("kw", "KW", st["kw"], *LIMITS["kw"])}</fieldset>'
            f'<fieldset><legend>stride, dilation</legend>{_number("s", "S", st["s"], *LIMITS["s"])}{_number("d", "D", st["d"], *LIMITS["d"])}</fieldset>'
            f'<fieldset><legend>padding</legend><label>mode <select name="mode">{modes}</select></label>'
            + "".join(_number(nm, nm, st[nm], *LIMITS["pad"]) for nm in ("top", "bottom", "left", "right"))
            + "</fieldset></div>"
        )
        if lay.fits:
            oh, ow = lay.output_shape
            out = f"output {oh} × {ow} = {oh * ow} window positions"
            formula, reason = "\n".join(lay.formulas), lay.unread_note()
        else:
            out, formula, reason = "does not fit", "", " ".join(lay.reasons)
        js = _OS_JS.replace("__ID__", self.id)
        return (
            f'<div class="cnn-explorer" data-cnn-interactive="explorer" data-explorer="output-size" id="{self.id}"><style>{_OS_CSS.format(id=self.id)}</style>'
            f"{controls}"
            f'<div class="cnn-x-out">{html.escape(out)}</div>'
            f'<pre class="cnn-x-formula">{html.escape(formula)}</pre>'
            f'<div class="cnn-x-reason">{html.escape(reason)}</div>'
            '<svg role="img" aria-label="padded input with every window position"></svg>'
            '<div class="cnn-x-key"><label>outline window <input type="range" name="win" min="1" max="1" value="1"></label> '
            '<span class="cnn-x-win"></span><br>'
            '<span class="sw" style="background: var(--in)"></span>input<span class="sw" style="background: var(--pad)"></span>padding'
            '<span class="sw" style="background: var(--unread)"></span>never read<span class="sw" style="background: var(--dot); border-radius: 50%">'
            "</span>a window's centre</div>"
            f"<script>{js}</script></div>"
        )


def output_size_explorer(in_shape=(8, 4), kernel_size=2, stride=1, padding=0, dilation=1) -> OutputSizeExplorer:
    """Chapter 3's explorer for the static site: settings in, window positions and output size out.

    Input size, kernel size, padding (per side, or 'valid'/'same'/'full'),
    stride and dilation are form fields; the page redraws the padded grid with
    every window position (a dot at each window's centre, one window outlined
    with its taps), the output-size formula with the numbers filled in, the
    output size, and, when the settings do not fit, the reason in words -- all
    in JavaScript, which repeats :func:`cnnlib.window_layout`.

    Examples
    --------
    >>> ex = output_size_explorer((8, 4), 2, stride=2)
    >>> ex.layout.output_shape
    (4, 2)
    >>> html = ex._repr_html_()
    >>> "<script>" in html and "output 4 × 2 = 8 window positions" in html and "http" not in html
    True
    """
    return OutputSizeExplorer(in_shape, kernel_size, stride, padding, dilation)


__all__ = ["output_size_explorer", "OutputSizeExplorer", "LIMITS"]


# --------------------------------------------------------------------------------------
# Chapter 5: parameter counts of one convolution layer (mirrors cnnlib.params.layer_counts)
# --------------------------------------------------------------------------------------

PARAM_FIELDS = (
    # key, label, min, max
    ("H", "input size H = W", 1, 512),
    ("C", "input channels C", 1, 512),
    ("F", "filters F", 1, 1024),
    ("K", "kernel size K", 1, 15),
    ("S", "stride S", 1, 8),
    ("P", "padding P (per side)", 0, 10),
)
PARAM_PRESETS = {
    "AlexNet conv1": dict(H=227, C=3, F=96, K=11, S=4, P=0),
    "AlexNet conv3": dict(H=13, C=256, F=384, K=3, S=1, P=1),
    "LeNet-5 C1": dict(H=32, C=1, F=6, K=5, S=1, P=0),
    "a 1×1 convolution": dict(H=56, C=256, F=64, K=1, S=1, P=0),
}
# The rows of the report: key of LayerCounts.formulas() (or 'out_shape'), label.
PARAM_ROWS = (
    ("OH", "output height (= width)"),
    ("out_shape", "output shape F × OH × OW"),
    ("weights_per_filter", "weights per filter C·K·K"),
    ("n_inputs", "input values C·H·W"),
    ("n_outputs", "output neurons F·OH·OW"),
)
PARAM_COUNTS = (
    ("shared", "shared (a convolution)", "one filter and one bias per output channel, reused at every position"),
    ("locally_connected", "locally connected", "every output neuron has its own filter and bias"),
    ("fully_connected", "fully connected", "every input value to every output neuron, plus one bias each"),
)

_PARAM_CSS = """
#{id} {{ --cnn-line: rgba(127,127,127,.45); --cnn-soft: rgba(127,127,127,.10); --cnn-bar0: #1f77b4; --cnn-bar1: #ff7f0e; --cnn-bar2: #d62728;
  font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: inherit; max-width: 100%; overflow-x: auto;
  box-sizing: border-box; border: 1px solid var(--cnn-line); border-radius: 6px; padding: .7em .8em; margin: .5em 0 1.2em; }}
html[data-theme="dark"] #{id}, body[data-jp-theme-light="false"] #{id} {{ --cnn-line: rgba(200,200,200,.35); --cnn-soft: rgba(255,255,255,.06);
  --cnn-bar0: #5fa8e8; --cnn-bar1: #ffa54f; --cnn-bar2: #f0605d; }}
/* The book's theme paints HTML outputs light in dark mode; this explorer follows the page instead. */
html[data-theme="dark"] div.output:has(> #{id}) {{ background: transparent; color: var(--pst-color-text-base, #ced6dd); }}
#{id} * {{ box-sizing: border-box; }}
#{id} .cnn-fields {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .45em .8em; max-width: 42em; }}
#{id} label {{ display: flex; flex-direction: column; font-size: .85em; gap: .15em; }}
#{id} input {{ font: inherit; font-size: 1.05em; width: 100%; padding: .2em .35em; color: inherit; background: var(--cnn-soft);
  border: 1px solid var(--cnn-line); border-radius: 4px; }}
#{id} .cnn-presets {{ display: flex; flex-wrap: wrap; gap: .4em; margin: .6em 0 .2em; align-items: center; font-size: .85em; }}
#{id} button {{ font: inherit; padding: .15em .6em; color: inherit; background: var(--cnn-soft); border: 1px solid var(--cnn-line);
  border-radius: 4px; cursor: pointer; }}
#{id} .cnn-error {{ color: #d62728; font-weight: 600; margin: .5em 0; }}
html[data-theme="dark"] #{id} .cnn-error, body[data-jp-theme-light="false"] #{id} .cnn-error {{ color: #ff8a80; }}
#{id} .cnn-rows {{ margin: .6em 0 .3em; display: grid; grid-template-columns: minmax(8em, max-content) 1fr; gap: .2em .8em; font-size: .92em; }}
#{id} .cnn-rows dt {{ opacity: .8; }}
#{id} .cnn-rows dd {{ margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }}
#{id} .cnn-count {{ border-top: 1px solid var(--cnn-line); padding: .45em 0 .3em; }}
#{id} .cnn-count-head {{ display: flex; flex-wrap: wrap; justify-content: space-between; gap: .2em .8em; }}
#{id} .cnn-count-name {{ font-weight: 600; }}
#{id} .cnn-count-note {{ font-size: .8em; opacity: .8; }}
#{id} .cnn-formula {{ font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }}
#{id} .cnn-ratio {{ font-size: .9em; font-variant-numeric: tabular-nums; }}
#{id} .cnn-bar {{ height: .55em; border-radius: 3px; margin-top: .25em; min-width: 2px; }}
#{id} .cnn-scale {{ font-size: .78em; opacity: .75; margin-top: .3em; }}
/* last, so that it wins over the rules above on a phone */
@media (max-width: 480px) {{ #{id} .cnn-fields {{ grid-template-columns: repeat(2, minmax(0, 1fr)); }}
  #{id} .cnn-rows {{ grid-template-columns: 1fr; }} #{id} .cnn-rows dd {{ margin-bottom: .25em; }} }}
"""

_PARAM_JS = r"""
(function () {
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var cfg = __CONFIG__;
  function big(v) { return BigInt(v); }
  function fmt(v) { return v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function ratio(a, b) { return (2n * a + b) / (2n * b); }          // nearest integer, halves up, exact
  function set(key, text) { var el = root.querySelector('[data-key="' + key + '"]'); if (el) el.textContent = text; }
  function read() {
    var v = {}, bad = null;
    cfg.fields.forEach(function (f) {
      var el = root.querySelector('input[name="' + f[0] + '"]'), s = el.value.trim(), n = Number(s);
      if (!/^\d+$/.test(s) || n < f[2] || n > f[3]) { if (!bad) bad = f[1] + " must be a whole number from " + f[2] + " to " + f[3]; }
      v[f[0]] = n;
    });
    return { v: v, bad: bad };
  }
  function update() {
    var r = read(), v = r.v, err = r.bad;
    if (!err && v.K > v.H + 2 * v.P) {
      err = "the " + v.K + " × " + v.K + " kernel does not fit in the padded input: H + 2P = " + (v.H + 2 * v.P) + " < K = " + v.K;
    }
    root.querySelector(".cnn-error").textContent = err ? "No output: " + err + "." : "";
    root.querySelector(".cnn-result").style.display = err ? "none" : "";
    if (err) return;
    var O = Math.floor((v.H + 2 * v.P - v.K) / v.S) + 1;
    var wpf = big(v.C) * big(v.K) * big(v.K), nin = big(v.C) * big(v.H) * big(v.H);
    var nout = big(v.F) * big(O) * big(O);
    var shared = big(v.F) * (wpf + 1n), local = nout * (wpf + 1n), dense = nout * (nin + 1n);
    var oh = "⌊(" + v.H + " + 2·" + v.P + " − " + v.K + ") / " + v.S + "⌋ + 1 = " + O;
    set("OH", "OH = " + oh);
    set("out_shape", v.F + " × " + O + " × " + O);
    set("weights_per_filter", v.C + " · " + v.K + " · " + v.K + " = " + fmt(wpf));
    set("n_inputs", v.C + " · " + v.H + " · " + v.H + " = " + fmt(nin));
    set("n_outputs", v.F + " · " + O + " · " + O + " = " + fmt(nout));
    set("shared", v.F + " × (" + fmt(wpf) + " + 1) = " + fmt(shared));
    set("locally_connected", fmt(nout) + " × (" + fmt(wpf) + " + 1) = " + fmt(local));
    set("fully_connected", fmt(nout) + " × (" + fmt(nin) + " + 1) = " + fmt(dense));
    set("local_vs_shared", fmt(ratio(local, shared)) + "×");
    set("dense_vs_shared", fmt(ratio(dense, shared)) + "×");
    var counts = [shared, local, dense], top = Math.log10(Number(dense > local ? dense : local) + 1);
    root.querySelectorAll(".cnn-bar").forEach(function (el, i) {
      var w = top > 0 ? 100 * Math.log10(Number(counts[i]) + 1) / top : 100;
      el.style.width = Math.max(0.5, w).toFixed(1) + "%";
    });
  }
  root.querySelectorAll("input").forEach(function (el) { el.addEventListener("input", update); });
  root.querySelectorAll("button[data-preset]").forEach(function (el) {
    el.addEventListener("click", function () {
      var p = cfg.presets[el.dataset.preset];
      Object.keys(p).forEach(function (k) { root.querySelector('input[name="' + k + '"]').value = p[k]; });
      update();
    });
  });
  update();
})();
"""


class ParamExplorer:
    """The parameter-count explorer as self-contained HTML (Jupyter calls ``_repr_html_``).

    The first render (no script needed) shows the default settings with the
    numbers of :func:`cnnlib.params.layer_counts`; the script recomputes them
    in the browser (exact integers, JavaScript ``BigInt``) when a field changes.
    """

    def __init__(self, H: int = 227, C: int = 3, F: int = 96, K: int = 11, S: int = 4, P: int = 0):
        from .params import layer_counts

        self.values = dict(H=H, C=C, F=F, K=K, S=S, P=P)
        for key, label, lo, hi in PARAM_FIELDS:
            v = self.values[key]
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"param_explorer: {key} ({label}) must be an int from {lo} to {hi}, got {v!r}")
        self.counts = layer_counts((C, H, H), F, K, stride=S, padding=P)
        config = {"fields": [list(f) for f in PARAM_FIELDS], "presets": PARAM_PRESETS}
        payload = json.dumps({"config": config, "values": self.values}, sort_keys=True)
        self.id = "cnn-params-" + hashlib.sha1(payload.encode()).hexdigest()[:10]
        self._config = json.dumps(config, sort_keys=True, ensure_ascii=False)

    def __repr__(self) -> str:
        v = self.values
        return (f"<parameter-count explorer: {v['C']}x{v['H']}x{v['H']} input, {v['F']} filters "
                f"{v['K']}x{v['K']}, stride {v['S']}, padding {v['P']}>")

    def texts(self) -> Dict[str, str]:
        """What the explorer shows for its current values, by ``data-key`` (as the browser test reads it)."""
        f = dict(self.counts.formulas())
        c = self.counts.out_shape
        f["out_shape"] = f"{c[0]} × {c[1]} × {c[2]}"
        return f

    def _repr_html_(self) -> str:
        e = html.escape
        t = self.texts()
        fields = "".join(
            f'<label>{e(label)}<input type="number" name="{key}" min="{lo}" max="{hi}" step="1" '
            f'value="{self.values[key]}" inputmode="numeric"></label>'
            for key, label, lo, hi in PARAM_FIELDS
        )
        presets = "".join(f'<button type="button" data-preset="{e(name)}">{e(name)}</button>' for name in PARAM_PRESETS)
        rows = "".join(f'<dt>{e(label)}</dt><dd data-key="{key}">{e(t[key])}</dd>' for key, label in PARAM_ROWS)
        ratios = {"locally_connected": "local_vs_shared", "fully_connected": "dense_vs_shared"}
        counts = []
        values = [getattr(self.counts, key) for key, _, _ in PARAM_COUNTS]
        top = math.log10(max(values[1:]) + 1)
        for n, (key, name, note) in enumerate(PARAM_COUNTS):
            width = max(0.5, 100 * math.log10(values[n] + 1) / top) if top > 0 else 100
            ratio = (f'<span class="cnn-ratio"><span data-key="{ratios[key]}">{e(t[ratios[key]])}</span> the shared count</span>'
                     if key in ratios else '<span class="cnn-ratio">the layer as CNNs build it</span>')
            counts.append(
                f'<div class="cnn-count"><div class="cnn-count-head"><span class="cnn-count-name">{e(name)}</span>{ratio}</div>'
                f'<div class="cnn-formula" data-key="{key}">{e(t[key])}</div>'
                f'<div class="cnn-count-note">{e(note)}</div>'
                f'<div class="cnn-bar" style="background: var(--cnn-bar{n}); width: {width:.1f}%"></div></div>'
            )
        js = _PARAM_JS.replace("__ID__", self.id).replace("__CONFIG__", self._config)
        return (
            f'<div class="cnn-explorer cnn-param-explorer" data-cnn-interactive="explorer" id="{self.id}"><style>{_PARAM_CSS.format(id=self.id)}</style>'
            f'<div class="cnn-fields">{fields}</div>'
            f'<div class="cnn-presets">try: {presets}</div>'
            '<div class="cnn-error" role="status" aria-live="polite"></div>'
            f'<div class="cnn-result"><dl class="cnn-rows">{rows}</dl>{"".join(counts)}'
            '<div class="cnn-scale">bar length: the count on a log scale (the largest bar = the largest count)</div></div>'
            f"<script>{js}</script></div>"
        )


def param_explorer(H: int = 227, C: int = 3, F: int = 96, K: int = 11, S: int = 4, P: int = 0,
                   ) -> ParamExplorer:
    """The chapter-5 explorer for the static site: a layer's three parameter counts, formulas filled in.

    Fields for the input size (square), channels, filters, kernel size, stride
    and padding; the output shape, the shared, locally connected and fully
    connected counts and their ratios, computed in the page. Defaults: AlexNet conv1.

    Examples
    --------
    >>> ex = param_explorer()
    >>> ex.texts()["shared"], ex.texts()["out_shape"]
    ('96 × (363 + 1) = 34,944', '96 × 55 × 55')
    >>> "<script>" in ex._repr_html_() and "http" not in ex._repr_html_()
    True
    """
    return ParamExplorer(H, C, F, K, S, P)


__all__ += ["param_explorer", "ParamExplorer", "PARAM_FIELDS", "PARAM_PRESETS"]
