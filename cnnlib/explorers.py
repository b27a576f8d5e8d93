"""Kernel-free explorers for the static site: self-contained HTML + JavaScript.

Where a chapter's JupyterLab widget recomputes something with :mod:`cnnlib`
as the reader moves a control, the static site (no Python) gets an explorer
whose JavaScript computes the same simple formulas itself. The browser tests
drive each explorer over a grid of settings and compare every number and
every formula it shows with the Python function it mirrors. No library, no
network: one ``<div>``, one ``<style>``, one ``<script>``; the default
settings are rendered in plain HTML, so the page makes sense without scripts.

Each explorer has its own section below.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from typing import Dict

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
            f'<div class="cnn-explorer cnn-param-explorer" id="{self.id}"><style>{_PARAM_CSS.format(id=self.id)}</style>'
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


__all__ = ["param_explorer", "ParamExplorer", "PARAM_FIELDS", "PARAM_PRESETS"]
