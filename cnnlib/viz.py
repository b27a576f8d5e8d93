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
        cmap = plt.get_cmap("magma").copy()
        cmap.set_bad("white")
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
