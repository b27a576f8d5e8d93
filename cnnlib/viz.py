"""Plotting helpers for the chapters (matplotlib only; the math never imports this).

Every function returns a :class:`matplotlib.figure.Figure` built from data that
:mod:`cnnlib` computed, so the figures can be tested without a display.
"""

from __future__ import annotations

from typing import Optional, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from ._format import number
from .steps import WindowStep
from .trace import ConvTrace

HIGHLIGHT = "#d62728"


def _cell(v: float) -> str:
    """A cell's text: the number as cnnlib writes it everywhere; NaN (not computed yet) blank."""
    return "" if np.isnan(v) else number(v)


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
        text = _cell(v)
        ax.text(c, r, text, ha="center", va="center", fontsize=fontsize if len(text) <= 4 else 0.75 * fontsize, color="black")
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


# --- chapter 3: where the windows land ---------------------------------------------------

PAD_COLOUR = "#d9d9d9"
INPUT_COLOUR = "#eaf2fb"
UNREAD_COLOUR = "#fbe3d6"
WINDOW_COLOUR = "#d62728"
CENTRE_COLOUR = "#1f4e9c"


def _layout_title(lay) -> str:
    h, w = lay.in_shape
    kh, kw = lay.kernel_size
    parts = [f"{h}×{w} input", f"{kh}×{kw} kernel"]
    if isinstance(lay.padding, str):
        parts.append(f"'{lay.padding}'")
    elif lay.pads and any(lay.pads):
        t, b, l, r = lay.pads
        parts.append(f"padding {t}" if len(set(lay.pads)) == 1 else f"padding {lay.pads}")
    if lay.stride != (1, 1):
        parts.append(f"stride {lay.stride[0]}" if lay.stride[0] == lay.stride[1] else f"stride {lay.stride}")
    if lay.dilation != (1, 1):
        parts.append(f"dilation {lay.dilation[0]}" if lay.dilation[0] == lay.dilation[1] else f"dilation {lay.dilation}")
    return ", ".join(parts)


def plot_window_layout(lay, ax=None, highlight="last", title: Optional[str] = None, show_output: bool = True):
    """Draw a :class:`cnnlib.WindowLayout`: the padded grid and every window position.

    Grey cells are padding, blue cells the input, orange cells input pixels that
    no window reads. Each window position is a dot at the window's centre (so
    the dots form the output grid); one window (``highlight``: ``'first'``,
    ``'last'``, an ``(i, j)`` pair or None) is outlined, with its taps shaded.
    Settings that do not fit are drawn as the padded grid with the reason
    underneath.

    Returns
    -------
    matplotlib.axes.Axes
    """
    h, w = lay.in_shape
    t, b, l, r = lay.pads if lay.pads else (0, 0, 0, 0)
    hp, wp = (h + t + b, w + l + r)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * wp + 0.8, 0.42 * hp + 1.0))
    read = np.zeros((hp, wp), dtype=bool)
    if lay.fits:
        oh, ow = lay.output_shape
        for i in range(oh):
            for j in range(ow):
                for p, q in lay.taps(i, j):
                    read[p, q] = True
    # One image for all cells (faster than a patch per cell): padding, input, unread input.
    inside = np.zeros((hp, wp), dtype=bool)
    inside[t : t + h, l : l + w] = True
    colours = np.empty((hp, wp, 3))
    colours[:] = matplotlib.colors.to_rgb(PAD_COLOUR)
    colours[inside] = matplotlib.colors.to_rgb(INPUT_COLOUR)
    if lay.fits:
        colours[inside & ~read] = matplotlib.colors.to_rgb(UNREAD_COLOUR)
    ax.imshow(colours, extent=(0, wp, hp, 0), interpolation="nearest")
    ax.hlines(np.arange(1, hp), 0, wp, colors="white", linewidth=1.2)
    ax.vlines(np.arange(1, wp), 0, hp, colors="white", linewidth=1.2)
    # the input's border
    ax.add_patch(Rectangle((l, t), w, h, fill=False, edgecolor="#555555", linewidth=1.5))
    if lay.fits:
        oh, ow = lay.output_shape
        sr, sc = lay.span
        if highlight is not None:
            i, j = {"first": (0, 0), "last": (oh - 1, ow - 1)}.get(highlight, highlight) if isinstance(highlight, str) else highlight
            taps = [Rectangle((q + 0.12, p + 0.12), 0.76, 0.76) for p, q in lay.taps(i, j)]
            ax.add_collection(PatchCollection(taps, facecolor=WINDOW_COLOUR, alpha=0.35, edgecolor="none"))
            r0, c0 = lay.row_starts[i], lay.col_starts[j]
            ax.add_patch(Rectangle((c0, r0), sc, sr, fill=False, edgecolor=WINDOW_COLOUR, linewidth=2.5, zorder=4))
        centres_r = [r0 + sr / 2 for r0 in lay.row_starts]
        centres_c = [c0 + sc / 2 for c0 in lay.col_starts]
        rr, cc = np.meshgrid(centres_r, centres_c, indexing="ij")
        ax.scatter(cc.ravel(), rr.ravel(), s=22, color=CENTRE_COLOUR, zorder=5, gid="window-centres")
        caption = f"→ {oh} × {ow} output ({oh * ow} windows)"
    else:
        caption = "does not fit"
    ax.set_xlim(-0.1, wp + 0.1)
    ax.set_ylim(hp + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title if title is not None else _layout_title(lay), fontsize=10)
    if show_output:
        ax.set_xlabel(caption, fontsize=10)
    return ax


def plot_coverage(counts, ax=None, title: Optional[str] = None, vmax=None):
    """Heat map of :func:`cnnlib.coverage`: how many windows read each pixel, with the counts written in.

    Pixels that no window reads (count 0) are drawn in orange.
    """
    counts = np.asarray(counts)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * counts.shape[1] + 1.2, 0.45 * counts.shape[0] + 0.8))
    top = vmax if vmax is not None else max(int(counts.max()), 1)
    cmap = plt.get_cmap("Blues").with_extremes(under=UNREAD_COLOUR)
    ax.imshow(counts, cmap=cmap, vmin=0.5, vmax=top * 1.6)
    for (p, q), v in np.ndenumerate(counts):
        ax.text(q, p, str(int(v)), ha="center", va="center", fontsize=9, color="#b33c00" if v == 0 else "black")
    ax.set_xticks(np.arange(-0.5, counts.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, counts.shape[0], 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="both", bottom=False, left=False, labelbottom=False, labelleft=False)
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


LAYER_COLOURS = ("#fdae6b", "#e6550d", "#a63603")  # pixels that join after 1, 2, 3 layers


def _overlay(ax, image, joined, title, unit=None):
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=max(float(np.max(image)), 1e-9))
    for (r, c), n in np.ndenumerate(joined):
        if n:
            colour = LAYER_COLOURS[min(int(n), len(LAYER_COLOURS)) - 1]
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=colour, alpha=0.55, edgecolor=colour,
                                   linewidth=1.5))
            ax.text(c, r, str(int(n)), ha="center", va="center", fontsize=8, color="black")
    if unit is not None:
        ax.add_patch(Rectangle((unit[1] - 0.5, unit[0] - 0.5), 1, 1, fill=False, edgecolor="#6a3d9a", linewidth=3))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def plot_connections(image, pixel, n_layers: int, permutation=None, kernel: int = 3):
    """Which pixels of a digit a fully connected unit and a stacked-conv unit combine.

    Three panels: the image the network is fed (shuffled if ``permutation``
    is given) with the conv unit's field in *its* coordinates; the pixels of
    the original digit one fully connected unit combines; and those one conv
    unit at ``pixel`` combines after ``n_layers`` layers, numbered by the
    layer at which each joins. Data from :func:`cnnlib.receptive.connected_pixels`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .receptive import connected_pixels

    image = np.asarray(image, dtype=float)
    h, w = image.shape
    conv = connected_pixels("conv", pixel, n_layers, shape=(h, w), kernel=kernel, permutation=permutation)
    fc = connected_pixels("fc", pixel, n_layers, shape=(h, w), permutation=permutation)
    if permutation is None:
        fed, fed_conv, what = image, conv, "the image as fed to the network"
    else:
        perm = np.asarray(permutation)
        fed = image.reshape(-1)[perm].reshape(h, w)
        fed_conv = conv.reshape(-1)[perm].reshape(h, w)
        what = "the shuffled image the network is fed"
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.5))
    _overlay(axes[0], fed, fed_conv, what + f"\n(conv unit at {tuple(pixel)}, its field)", unit=pixel)
    moved = "" if permutation is None else ",\neach weight moved with its pixel"
    _overlay(axes[1], image, fc, f"fully connected unit:\nall {int((fc > 0).sum())} pixels of the digit{moved}")
    where = "" if permutation is None else "\n(back in the digit's own layout)"
    _overlay(axes[2], image, conv,
             f"{kernel}x{kernel} conv unit after {n_layers} layer{'s' if n_layers > 1 else ''}: "
             f"{int((conv > 0).sum())} pixels{where}", unit=pixel if permutation is None else None)
    fig.tight_layout()
    return fig


def plot_dependency_graph(n_inputs: int, n_layers: int, kernel: int = 3, unit=None, dense: bool = False, ax=None,
                          title: Optional[str] = None):
    """Units of a 1-D stack as dots, with the connections one top unit depends on drawn as lines.

    ``dense=False``: each layer is a ``kernel``-tap convolution with 'same'
    padding, so one unit reads ``kernel`` units below it (sparse
    interactions); the unit's receptive field at every level is filled in.
    ``dense=True``: one fully connected layer, every input to the unit.
    Data from :func:`cnnlib.receptive.field_sets`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .receptive import Window, field_sets

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.9 * (n_layers + 1) + 0.6))
    unit = n_inputs // 2 if unit is None else unit
    levels = 1 if dense else n_layers
    if dense:
        masks = [np.ones(n_inputs, bool), np.eye(n_inputs, dtype=bool)[unit]]
    else:
        masks = field_sets([Window(kernel, padding="same")] * levels, n_inputs, unit)
    xs = np.arange(n_inputs)
    for lv in range(levels + 1):
        below = masks[lv - 1] if lv else None
        if lv:
            for i in np.flatnonzero(masks[lv]):
                sources = xs if dense else [j for j in range(i - kernel // 2, i + kernel // 2 + 1) if 0 <= j < n_inputs]
                for j in sources:
                    if below[j]:
                        ax.plot([j, i], [lv - 1, lv], color=HIGHLIGHT, linewidth=1.2, zorder=1)
        on = masks[lv]
        ax.scatter(xs[~on], np.full((~on).sum(), lv), s=120, facecolor="white", edgecolor="#888", zorder=2)
        ax.scatter(xs[on], np.full(on.sum(), lv), s=120, facecolor="#fdae6b", edgecolor=HIGHLIGHT, zorder=3)
    ax.scatter([unit], [levels], s=160, facecolor="#6a3d9a", edgecolor="#6a3d9a", zorder=4)
    ax.set_yticks(range(levels + 1))
    ax.set_yticklabels(["input"] + [f"layer {lv}" for lv in range(1, levels + 1)])
    ax.set_xticks([])
    ax.set_ylim(-0.5, levels + 0.5)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


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
            return f"{number(v / size)}{unit}"  # cnnlib._format's rule, 4 significant digits
    return str(v)


# --------------------------------------------------------------------------- chapter 8
def plot_history(history, title: Optional[str] = None):
    """Loss and accuracy per epoch of a :class:`cnnlib.train.History`, train and test, in two panels."""
    epochs = np.arange(1, len(history) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.plot(epochs, history.train_loss, "o-", label="train")
    a.plot(epochs, history.test_loss, "s-", label="test")
    a.set_xlabel("epoch")
    a.set_ylabel("cross-entropy loss")
    a.legend()
    b.plot(epochs, history.train_accuracy, "o-", label="train")
    b.plot(epochs, history.test_accuracy, "s-", label="test")
    b.set_xlabel("epoch")
    b.set_ylabel("accuracy")
    b.legend(loc="lower right")
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.set_xticks(epochs)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(matrix, title: str = "confusion matrix (rows: true digit, columns: predicted)"):
    """A (K, K) confusion matrix with every count written in its cell."""
    m = np.asarray(matrix)
    k = m.shape[0]
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.imshow(m, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if m[i, j]:
                ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=8,
                        color="white" if m[i, j] > m.max() / 2 else ("#d62728" if i != j else "black"))
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_digits(images, titles: Sequence[str], ncols: int = 8, size: float = 1.2):
    """Small grey-scale images (N, H, W) or (N, 1, H, W), one title each."""
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim == 4:
        imgs = imgs[:, 0]
    n = max(len(imgs), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.3) * nrows), squeeze=False)
    for idx, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if idx < len(imgs):
            ax.imshow(imgs[idx], cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(titles[idx], fontsize=8)
    fig.tight_layout()
    return fig


def plot_filters(rows: Sequence, row_titles: Sequence[str]):
    """Filters side by side: ``rows[r]`` is an (F, KH, KW) or (F, 1, KH, KW) stack, one row of panels each.

    Every filter gets its own symmetric colour scale (red positive, blue negative).
    """
    stacks = [np.asarray(r, dtype=float).reshape(len(r), *np.shape(r)[-2:]) for r in rows]
    f = max(len(s) for s in stacks)
    fig, axes = plt.subplots(len(stacks), f, figsize=(0.75 * f, 0.95 * len(stacks) + 0.2), squeeze=False)
    for r, (stack, name) in enumerate(zip(stacks, row_titles)):
        for i, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if i >= len(stack):
                ax.axis("off")
                continue
            lim = float(np.abs(stack[i]).max()) or 1.0
            ax.imshow(stack[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
            if r == 0:
                ax.set_title(str(i), fontsize=8)
        axes[r][0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def _tile(maps, n: int, gap: int = 1) -> np.ndarray:
    """The first ``n`` maps (C, h, w) side by side in one array, each scaled to [0, 1], NaN gaps between."""
    maps = np.asarray(maps, dtype=float)[:n]
    c, h, w = maps.shape
    out = np.full((h, c * (w + gap) - gap), np.nan)
    for i, m in enumerate(maps):
        lo, hi = m.min(), m.max()
        out[:, i * (w + gap): i * (w + gap) + w] = (m - lo) / (hi - lo) if hi > lo else 0.0
    return out


def plot_digit_report(report, max_maps: int = 16, class_names: Optional[Sequence[str]] = None):
    """The figure behind the chapter's widget: the image, the maps after each layer, the class probabilities.

    ``report`` is a :class:`cnnlib.network.DigitReport`. One row per layer
    (at most ``max_maps`` channels each, every map scaled to its own range,
    black its minimum and yellow its maximum), then the input and a bar chart
    of the probabilities with the predicted class in red.
    """
    stages = report.stages
    fig = plt.figure(figsize=(11, 0.62 * len(stages) + 2.4))
    grid = fig.add_gridspec(len(stages) + 1, 2, width_ratios=[1, 9], height_ratios=[1] * len(stages) + [3.8])
    for r, (name, maps) in enumerate(stages):
        a = fig.add_subplot(grid[r, 1])
        tiled = _tile(maps, max_maps)
        cmap = plt.get_cmap("magma").with_extremes(bad="white")
        a.imshow(tiled, cmap=cmap, vmin=0, vmax=1, aspect="equal")
        a.set_xticks([])
        a.set_yticks([])
        for side in a.spines.values():
            side.set_visible(False)
        shown = min(max_maps, maps.shape[0])
        more = "" if shown == maps.shape[0] else f" (first {shown})"
        label = fig.add_subplot(grid[r, 0])
        label.axis("off")
        label.text(1.0, 0.5, f"{name}\n{maps.shape[0]}×{maps.shape[1]}×{maps.shape[2]}{more}", ha="right",
                   va="center", fontsize=8, transform=label.transAxes)
    ax = fig.add_subplot(grid[-1, 0])
    ax.imshow(report.image, cmap="gray_r")
    ax.set_title("input", fontsize=9)
    ax.axis("off")
    bar = fig.add_subplot(grid[-1, 1])
    k = report.probabilities.size
    colors = ["#d62728" if i == report.predicted else "#7f7f7f" for i in range(k)]
    bar.bar(range(k), report.probabilities, color=colors)
    bar.set_xticks(range(k), class_names if class_names is not None else [str(i) for i in range(k)])
    bar.set_ylim(0, 1)
    bar.set_title(f"class probabilities (softmax): predicted {report.predicted} "
                  f"({report.probabilities[report.predicted]:.1%})", fontsize=9)
    fig.subplots_adjust(left=0.03, right=0.99, top=0.93, bottom=0.08, wspace=0.12, hspace=0.45)
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


# --- chapter 7 (issue 15): equivariance panels ----------------------------------------------

def plot_equivariance_panels(panels, title: Optional[str] = None):
    """Draw what :func:`cnnlib.equivariance.equivariance_panels` returns, in one row of five.

    The shifted input, f(shifted input), the best re-aligned shift of f(x),
    their difference (on a symmetric colour scale, with the error in its
    title); the two feature maps share one colour scale.

    Parameters
    ----------
    panels : dict
        As returned by :func:`cnnlib.equivariance.equivariance_panels`
        (``input`` (H, W), ``f_shifted`` and ``shifted_f`` (OH, OW), ``difference``,
        ``error``, ``best_shift``).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnnlib.equivariance import equivariance_panels
    >>> fig = plot_equivariance_panels(equivariance_panels(np.eye(6), (0, 1), "circular", "max pool 2x2"))
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, 4, figsize=(12.5, 3.4))
    lim = float(max(np.abs(panels["f_shifted"]).max(), np.abs(panels["shifted_f"]).max())) or 1.0
    diff = np.asarray(panels["difference"])
    dlim = float(np.abs(diff).max()) or 1.0
    items = [(panels["input"], "input, shifted", dict(cmap="gray")),
             (panels["f_shifted"], "f(shifted input)", dict(cmap="RdBu_r", vmin=-lim, vmax=lim)),
             (panels["shifted_f"], f"f(input), shifted by {tuple(panels['best_shift'])}",
              dict(cmap="RdBu_r", vmin=-lim, vmax=lim)),
             (diff, f"difference (relative error {panels['error']:.2e})", dict(cmap="RdBu_r", vmin=-dlim, vmax=dlim))]
    for ax, (img, t, kw) in zip(axes, items):
        ax.imshow(img, **kw)
        ax.set_title(t, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
