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
from .trace import ConvTrace

HIGHLIGHT = "#d62728"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.2g}"


def show_matrix(
    a, ax=None, title: Optional[str] = None, highlight=None, cmap: str = "Blues", vmin=None, vmax=None, fontsize: float = 12
):
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
        ax.text(c, r, _fmt(v), ha="center", va="center", fontsize=fontsize, color="black")
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


# Colours for "which patch becomes which row" (one per row, repeating).
ROW_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def plot_conv_trace(trace: ConvTrace):
    """One output number of a convolution layer and everything behind it.

    Top: the C channels of image n with the patch outlined, and output map f
    with the position (i, j) outlined. Bottom: the im2col matrix with the row,
    the filter matrix with the column, and the products of the two (their sum
    plus the bias is the output number).
    """
    c = trace.patch.shape[0]
    fig = plt.figure(figsize=(11, 7.2))
    grid = fig.add_gridspec(2, max(c + 1, 3), height_ratios=[1, 1.9])
    for ch in range(c):
        ax = fig.add_subplot(grid[0, ch])
        show_matrix(trace.padded[trace.n, ch], ax, f"image {trace.n}, channel {ch}", highlight=(trace.rows, trace.cols),
                    fontsize=9)
    ax = fig.add_subplot(grid[0, c])
    show_matrix(trace.output[trace.n, trace.f], ax, f"output: image {trace.n}, map {trace.f}",
                highlight=([trace.i], [trace.j]), cmap="Purples", fontsize=9)
    bottom = grid[1, :].subgridspec(1, 3, width_ratios=[trace.cols_matrix.shape[1], trace.w_matrix.shape[1] + 1, 2.2])
    ax = fig.add_subplot(bottom[0, 0])
    m = trace.cols_matrix
    show_matrix(m, ax, f"im2col matrix {m.shape}: row {trace.row}", highlight=([trace.row], list(range(m.shape[1]))),
                fontsize=7 if m.shape[1] > 9 else 9)
    ax = fig.add_subplot(bottom[0, 1])
    wm = trace.w_matrix
    show_matrix(wm, ax, f"filters {wm.shape}: column {trace.f}", highlight=(list(range(wm.shape[0])), [trace.f]),
                cmap="Oranges", fontsize=7 if wm.shape[0] > 12 else 9)
    ax = fig.add_subplot(bottom[0, 2])
    show_matrix(trace.products[:, None], ax, "products", cmap="Greens", fontsize=7 if wm.shape[0] > 12 else 9)
    bias = f" + b[{trace.f}]" if trace.bias else ""
    fig.suptitle(
        f"out[{trace.n}, {trace.f}, {trace.i}, {trace.j}] = row {trace.row} · column {trace.f}{bias}"
        f" = {trace.equation(4)}",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def plot_im2col_rows(x, fh: int, fw: int, max_rows: int = 9):
    """Which patch of one image becomes which row of its im2col matrix (stride 1, no padding).

    ``x`` is one image (C, H, W). Left: its channels with the first
    ``max_rows`` patches outlined, one colour per row; right: the im2col
    matrix with the same rows in the same colours and its columns grouped by
    channel.
    """
    from .im2col import im2col

    x = np.asarray(x, dtype=float)
    c, h, w = x.shape
    ow = w - fw + 1
    cols = im2col(x[None], fh, fw)
    shown = min(max_rows, cols.shape[0])
    # Channels on top, the matrix below: narrow enough to stay readable on a phone.
    fig = plt.figure(figsize=(max(2.6 * c, 0.55 * cols.shape[1]), 2.6 + 0.42 * shown + 0.8))
    grid = fig.add_gridspec(2, c, height_ratios=[h, 1.25 * shown])
    for ch in range(c):
        ax = fig.add_subplot(grid[0, ch])
        show_matrix(x[ch], ax, f"channel {ch}", fontsize=10, cmap="Greys")
        for r in range(shown):
            i, j = divmod(r, ow)
            inset = 0.06 * (r % 3)
            ax.add_patch(Rectangle((j - 0.5 + inset, i - 0.5 + inset), fw - 2 * inset, fh - 2 * inset, fill=False,
                                   edgecolor=ROW_COLOURS[r % len(ROW_COLOURS)], linewidth=2.2, zorder=5))
    ax = fig.add_subplot(grid[1, :])
    show_matrix(cols[:shown], ax, f"im2col rows 0–{shown - 1} of {cols.shape[0]}", fontsize=10, cmap="Greys")
    for r in range(shown):
        ax.add_patch(Rectangle((-0.5, r - 0.5), cols.shape[1], 1, fill=False,
                               edgecolor=ROW_COLOURS[r % len(ROW_COLOURS)], linewidth=2.2, zorder=5))
    per = fh * fw
    for ch in range(1, c):
        ax.axvline(ch * per - 0.5, color="black", linewidth=1.5)
    ax.set_xticks([ch * per + (per - 1) / 2 for ch in range(c)])
    ax.set_xticklabels([f"channel {ch}" for ch in range(c)], fontsize=9)
    ax.set_yticks(range(shown))
    ax.set_yticklabels([f"row {r}" for r in range(shown)], fontsize=9)
    ax.tick_params(labelbottom=True, bottom=False, labelleft=True, left=False)
    fig.tight_layout()
    return fig


def plot_conv_shapes(c: int, h: int, w: int, fn: int, fh: int, fw: int, oh: int, ow: int, n: Optional[int] = None):
    """The 3-D shapes of a convolution layer as boxes: input, the FN filters, output.

    ``(C, H, W) ⋆ (FN, C, FH, FW) → (FN, OH, OW)``, each box drawn in an
    oblique projection with its sides labelled. Not to scale: the depth of a
    box shows its channel count relative to the others (a filter is exactly as
    deep as the input), height and width only whether they are large or small.
    With ``n`` the title adds the batch axis.
    """
    fig, ax = plt.subplots(figsize=(11, 3.6))
    deepest = max(c, fn)

    def box(x0, y0, size, channels, colour, labels, dash=False):
        d = 1.3 * channels / deepest                      # drawn depth
        dx, dy = 0.6 * d, 0.45 * d
        style = dict(edgecolor="black", linestyle="--" if dash else "-")
        faces = [
            [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)],
            [(x0, y0 + size), (x0 + size, y0 + size), (x0 + size + dx, y0 + size + dy), (x0 + dx, y0 + size + dy)],
            [(x0 + size, y0), (x0 + size + dx, y0 + dy), (x0 + size + dx, y0 + size + dy), (x0 + size, y0 + size)],
        ]
        for face, alpha in zip(faces, (1.0, 0.75, 0.55)):
            ax.add_patch(plt.Polygon(face, facecolor=colour, alpha=alpha, **style))
        depth_label, height_label, width_label = labels
        if width_label:
            ax.text(x0 + size / 2, y0 - 0.12, width_label, ha="center", va="top", fontsize=10)
        if height_label:
            ax.text(x0 - 0.08, y0 + size / 2, height_label, ha="right", va="center", fontsize=10)
        if depth_label:
            ax.text(x0 + size + dx / 2 + 0.08, y0 + size + dy / 2 + 0.05, depth_label, ha="left", va="center",
                    fontsize=10)
        return x0 + size + dx

    end = box(0.7, 0.5, 2.4, c, "#9ecae1", (f"C={c}", f"H={h}", f"W={w}"))
    ax.text(end + 0.7, 1.7, "⋆", fontsize=28, ha="center", va="center")
    x0 = end + 1.4
    shown = min(fn, 3)
    fend = x0
    for k in range(shown):
        y = 0.35 + 1.45 * (shown - 1 - k) / max(shown - 1, 1) * (1 if shown > 1 else 0) + (0.8 if shown == 1 else 0)
        fend = max(fend, box(x0, y, 0.8, c, "#fdae6b", (f"C={c}", f"FH={fh}", f"FW={fw}" if k == shown - 1 else "")))
        ax.text(x0 + 0.4, y + 0.4, f"{k}", ha="center", va="center", fontsize=9)
    more = "" if fn <= shown else f" ({shown} drawn)"
    ax.text(x0 + 0.7, -0.12, f"FN={fn} filters{more}", ha="center", va="top", fontsize=10)
    ax.text(fend + 0.75, 1.7, "→", fontsize=28, ha="center", va="center")
    oend = box(fend + 2.0, 0.6, 2.2, fn, "#bcbddc", (f"FN={fn}", f"OH={oh}", f"OW={ow}"))
    batch = "" if n is None else f";  a batch adds N={n} in front of input and output"
    ax.set_title(f"({c}, {h}, {w}) ⋆ ({fn}, {c}, {fh}, {fw}) → ({fn}, {oh}, {ow}){batch}   (not to scale)", fontsize=11)
    ax.set_xlim(0, oend + 1.2)
    ax.set_ylim(-0.5, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig
