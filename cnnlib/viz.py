"""Plotting helpers for the chapters (matplotlib only; the math never imports this).

Every function returns a :class:`matplotlib.figure.Figure` built from data that
:mod:`cnnlib` computed, so the figures can be tested without a display.
"""

from __future__ import annotations

from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ._format import number
from .steps import WindowStep

HIGHLIGHT = "#d62728"


def _cell(v: float) -> str:
    """A cell's text: the number as cnnlib writes it everywhere; NaN (not computed yet) blank."""
    return "" if np.isnan(v) else number(v)


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
        text = _cell(v)
        ax.text(c, r, text, ha="center", va="center", fontsize=12 if len(text) <= 4 else 9, color="black")
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
    show_matrix(output, axes[3], f"output[{step.i}, {step.j}] = {number(step.total)}", highlight=([step.i], [step.j]), cmap="Purples")
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


def plot_pool_steps(steps):
    """Input with every pooling window outlined and each kept maximum marked, and the output map.

    ``steps`` is the list :func:`cnnlib.pool_steps.pool_steps` returns.
    """
    from matplotlib.patches import Rectangle as _Rect

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    return _draw_pool(fig, axes, steps, _Rect)


def _draw_pool(fig, axes, steps, rect):
    first = steps[0]
    inp = first.input
    show_matrix(inp, axes[0], f"input: {len(steps)} windows")
    colours = plt.get_cmap("tab10")
    for n, s in enumerate(steps):
        off = 0.06 * (n % 3)
        axes[0].add_patch(rect((s.cols[0] - 0.5 + off, s.rows[0] - 0.5 + off), len(s.cols) - 2 * off,
                               len(s.rows) - 2 * off, fill=False, edgecolor=colours(n % 10), linewidth=2, zorder=5))
        if s.chosen is not None:
            r, c = s.chosen
            axes[0].add_patch(rect((c - 0.45, r - 0.45), 0.9, 0.9, color=HIGHLIGHT, alpha=0.35, zorder=4))
    show_matrix(first.output, axes[1], f"{first.kind} pooling: output {first.output.shape[0]}x{first.output.shape[1]}",
                cmap="Purples")
    fig.tight_layout()
    return fig
