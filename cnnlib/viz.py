"""Plotting helpers for the chapters (matplotlib only; the math never imports this).

Every function returns a :class:`matplotlib.figure.Figure` built from data that
:mod:`cnnlib` computed, so the figures can be tested without a display.
"""

from __future__ import annotations

from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .steps import WindowStep

HIGHLIGHT = "#d62728"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.2g}"


def show_matrix(a, ax=None, title: Optional[str] = None, highlight=None, cmap: str = "Blues", vmin=None, vmax=None):
    """Draw a small 2-D array as a grid of numbered cells.

    Parameters
    ----------
    a : array_like (H, W)
        Values; NaN cells are left blank (for "not computed yet").
    ax : matplotlib Axes, optional
    title : str, optional
    highlight : (rows, cols), optional
        Lists of row and column indices to outline, e.g. the kernel's window.

    Returns
    -------
    matplotlib.axes.Axes
    """
    a = np.asarray(a, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * a.shape[1] + 0.6, 0.6 * a.shape[0] + 0.6))
    finite = a[np.isfinite(a)]
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
    hi = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
    span = hi - lo + 1e-9
    cmap = plt.get_cmap(cmap).with_extremes(bad="#f2f2f2")  # NaN: an empty cell
    # A stretched colour range keeps every cell light enough for black digits.
    ax.imshow(np.where(np.isfinite(a), a, np.nan), cmap=cmap, vmin=lo - 0.15 * span, vmax=hi + 0.9 * span)
    for (r, c), v in np.ndenumerate(a):
        ax.text(c, r, _fmt(v), ha="center", va="center", fontsize=12, color="black")
    ax.set_xticks(np.arange(-0.5, a.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, a.shape[0], 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", bottom=False, left=False, labelbottom=False, labelleft=False)
    for side in ax.spines.values():
        side.set_visible(False)
    if highlight is not None:
        rows, cols = highlight
        ax.add_patch(
            Rectangle(
                (min(cols) - 0.5, min(rows) - 0.5),
                len(cols),
                len(rows),
                fill=False,
                edgecolor=HIGHLIGHT,
                linewidth=3,
                zorder=5,
            )
        )
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_window_step(step: WindowStep):
    """Four panels for one position of the sliding window.

    Input with the window outlined, the kernel as it is applied (flipped for
    convolution), the element-wise products, and the output with the current
    value outlined (later positions left blank).
    """
    output = np.full(step.output.shape, np.nan)
    flat = output.ravel()
    upto = step.i * step.output.shape[1] + step.j
    flat[: upto + 1] = step.output.ravel()[: upto + 1]
    panels = [step.input, step.applied, step.products, output]
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
    show_matrix(step.input, axes[0], "input", highlight=(step.rows, step.cols))
    kernel_title = "kernel (as is)" if step.mode == "cross-correlation" else "kernel, flipped"
    show_matrix(step.applied, axes[1], kernel_title, cmap="Oranges")
    show_matrix(step.products, axes[2], "products", cmap="Greens")
    show_matrix(output, axes[3], f"output[{step.i}, {step.j}] = {_fmt(step.total)}", highlight=([step.i], [step.j]), cmap="Purples")
    # The same cell size in every panel: each axis spans the largest grid, centred.
    rows = max(p.shape[0] for p in panels)
    cols = max(p.shape[1] for p in panels)
    for ax, p in zip(axes, panels):
        dx, dy = (cols - p.shape[1]) / 2, (rows - p.shape[0]) / 2
        ax.set_xlim(-0.5 - dx, p.shape[1] - 0.5 + dx)
        ax.set_ylim(p.shape[0] - 0.5 + dy, -0.5 - dy)
    fig.suptitle(f"{step.mode}: {step.equation()}", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig


def show_images(
    images: Sequence,
    titles: Sequence[str],
    cmaps=None,
    symmetric: Sequence[bool] = (),
    ncols: Optional[int] = None,
    size: float = 3.6,
    clip_percentile: float = 100.0,
):
    """Show several images side by side, each with a colour bar.

    ``symmetric[i]`` centres image i's colour scale on zero (red positive,
    blue negative), which is how signed filter responses should be read.
    ``clip_percentile`` (e.g. 99) saturates the few strongest values so that
    weaker structure stays visible; the colour bar shows the clipped range.
    """
    n = len(images)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 0.95), squeeze=False)
    for idx, ax in enumerate(axes.ravel()):
        if idx >= n:
            ax.axis("off")
            continue
        img = np.asarray(images[idx], dtype=float)
        sym = idx < len(symmetric) and symmetric[idx]
        cmap = (cmaps[idx] if cmaps else None) or ("RdBu_r" if sym else "gray")
        if sym:
            lim = float(np.percentile(np.abs(img), clip_percentile)) or 1.0
            im = ax.imshow(img, cmap=cmap, vmin=-lim, vmax=lim)
        else:
            im = ax.imshow(img, cmap=cmap, vmin=img.min(), vmax=np.percentile(img, clip_percentile))
        ax.set_title(titles[idx], fontsize=11)
        ax.axis("off")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Chapter 5: connection diagrams (sparse interactions, sharing) and parameter counts
# --------------------------------------------------------------------------------------


def depends_on(layers: Sequence[np.ndarray], level: int, index: int):
    """Which units of every level a unit depends on (below it) or affects (above it).

    ``layers[l]`` is a connection matrix (n_out, n_in) from
    :func:`cnnlib.sharing.connections_1d` (``-1``: no edge) from level ``l``
    to level ``l + 1``. Returns a list of boolean arrays, one per level.
    """
    sizes = [layers[0].shape[1]] + [m.shape[0] for m in layers]
    marked = [np.zeros(n, bool) for n in sizes]
    marked[level][index] = True
    for lv in range(level, 0, -1):  # down: the receptive field
        marked[lv - 1] = ((layers[lv - 1] >= 0) & marked[lv][:, None]).any(axis=0)
    for lv in range(level, len(layers)):  # up: the units it affects
        marked[lv + 1] = ((layers[lv] >= 0) & marked[lv][None, :]).any(axis=1)
    return marked


def plot_network(layers: Sequence[np.ndarray], ax=None, highlight=None, color_by_param: bool = False,
                 names: Sequence[str] = ("x", "s", "g", "h"), title: Optional[str] = None):
    """Draw 1-D layers as rows of units joined by their connections (Goodfellow et al., ch. 9 style).

    Parameters
    ----------
    layers : list of ndarray (n_out, n_in)
        Connection matrices from :func:`cnnlib.sharing.connections_1d`, from
        the input row (bottom) upwards.
    highlight : (level, index), optional
        A unit to follow: the units and edges it depends on (below it) and
        those it affects (above it) are drawn in colour, the rest in grey.
    color_by_param : bool
        Colour every edge by the parameter it uses: edges that share a weight
        share a colour.
    names : row labels, bottom first (``x_1``, ``s_1``, ...).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.6 * len(layers) + 0.4))
    sizes = [layers[0].shape[1]] + [m.shape[0] for m in layers]
    width = max(sizes)
    xs = [np.arange(n) + (width - n) / 2 for n in sizes]
    marked = depends_on(layers, *highlight) if highlight is not None else [np.ones(n, bool) for n in sizes]
    palette = plt.get_cmap("tab10")
    for lv, m in enumerate(layers):
        params = np.unique(m[m >= 0])
        order = {p: i for i, p in enumerate(params)}
        for j, i in zip(*np.nonzero(m >= 0)):
            on = marked[lv][i] and marked[lv + 1][j]
            if color_by_param:
                color = palette(order[m[j, i]] % 10) if len(params) <= 10 else plt.get_cmap("hsv")(
                    order[m[j, i]] / len(params))
                lw, alpha = (2.4, 1.0) if on or highlight is None else (1.0, 0.25)
            else:
                color, lw, alpha = (HIGHLIGHT, 2.2, 1.0) if (on and highlight is not None) else ("#999999", 1.0, 0.8)
            ax.plot([xs[lv][i], xs[lv + 1][j]], [lv, lv + 1], color=color, lw=lw, alpha=alpha, zorder=1,
                    solid_capstyle="round")
    for lv, n in enumerate(sizes):
        for i in range(n):
            on = highlight is not None and marked[lv][i]
            ax.scatter(xs[lv][i], lv, s=520, zorder=2, color="#fde0dd" if on else "white",
                       edgecolors=HIGHLIGHT if on else "#444444", linewidths=2 if on else 1.2)
            ax.text(xs[lv][i], lv, f"${names[lv % len(names)]}_{{{i + 1}}}$", ha="center", va="center",
                    fontsize=10, zorder=3)
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-0.5, len(layers) + 0.5)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_param_counts(rows: Sequence[dict], ax=None):
    """AlexNet's layers on a log scale: each conv layer counted three ways, each FC layer as built.

    ``rows`` as returned by :func:`cnnlib.alexnet.alexnet_layers` (pooling
    rows are skipped: they have no parameters). Bars: shared weights and
    biases (the layer as built), locally connected (every output neuron its
    own filter and bias), fully connected (every input value to every output
    value, plus one bias per output). A last bar is the network's total as built.
    """
    rows = [r for r in rows if r["kind"] != "pool"]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    kinds = [("params", "as built (conv: shared weights)", "C0"), ("locally_connected", "locally connected", "C1"),
             ("fully_connected", "fully connected", "C3")]
    bar = 0.27
    total = sum(r["params"] for r in rows)
    rows = rows + [{"name": "total", "kind": "total", "params": total}]
    for n, r in enumerate(rows):
        present = [(key, label, color) for key, label, color in kinds if r.get(key) is not None]
        for m, (key, label, color) in enumerate(present):
            x = n + (m - (len(present) - 1) / 2) * bar
            ax.bar(x, r[key], width=bar, color=color, label=label if n == 0 else None)
            ax.text(x, r[key] * 1.25, _short(r[key]), ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)), [r["name"] for r in rows])
    ax.set_ylabel("parameters (weights + biases)")
    top = max(r.get("fully_connected") or r["params"] for r in rows)
    ax.set_ylim(1e4, top * 60)
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(loc="upper right", fontsize=9, ncols=3)
    return ax


def _short(v: int) -> str:
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= size:
            return f"{v / size:.3g}{unit}"
    return str(v)
