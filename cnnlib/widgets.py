"""Live widgets for JupyterLab: thin shells around pure, tested functions.

Each widget only wires sliders to a function of :mod:`cnnlib.steps` and a
figure of :mod:`cnnlib.viz`; those are unit-tested without a front end. In the
static book, where there is no kernel, the chapters show the same idea as a
figure at the default values and as a JavaScript animation
(:mod:`cnnlib.animation`).
"""

from __future__ import annotations


from ._checks import as_float_array, geometry
from .steps import MODES, window_step
from .viz import plot_digit_report, plot_window_step


def sliding_window_widget(x, k):
    """Sliders for the output position and a switch between the two operations.

    Moving a slider redraws the input with the window outlined, the kernel as
    applied (flipped for convolution), the products and their sum.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    x = as_float_array(x, "x", 2, "sliding_window_widget", "(H, W)")
    k = as_float_array(k, "k", 2, "sliding_window_widget", "(KH, KW)")
    _, _, _, (oh, ow) = geometry(
        x.shape, k.shape, 1, 0, 1, "sliding_window_widget", "x", "k", f"x.shape={x.shape}, k.shape={k.shape}"
    )
    i = widgets.IntSlider(value=0, min=0, max=oh - 1, description="row i")
    j = widgets.IntSlider(value=0, min=0, max=ow - 1, description="column j")
    mode = widgets.ToggleButtons(options=list(MODES), value=MODES[0], description="operation")
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = plot_window_step(window_step(x, k, i.value, j.value, mode.value))
            plt.show()
            plt.close(fig)

    for w in (i, j, mode):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([i, j]), mode, out])


def digit_explorer(model, images, labels):
    """Pick a test digit: the feature maps after each layer and the class probabilities.

    A shell around :func:`cnnlib.network.digit_report` and
    :func:`cnnlib.viz.plot_digit_report`.

    Parameters
    ----------
    model : cnnlib.layers.Sequential
    images : array, shape (N, 1, H, W)
    labels : array of int, shape (N,)

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    import numpy as np

    from .network import digit_report

    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 4 or labels.shape != (images.shape[0],):
        raise ValueError(f"digit_explorer: images must be (N, 1, H, W) and labels (N,), got shapes "
                         f"{images.shape} and {labels.shape}")
    index = widgets.IntSlider(value=0, min=0, max=images.shape[0] - 1, description="test digit")
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            report = digit_report(model, images[index.value])
            fig = plot_digit_report(report)
            fig.suptitle(f"test image {index.value}: true label {int(labels[index.value])}", fontsize=10)
            plt.show()
            plt.close(fig)

    index.observe(redraw, names="value")
    redraw()
    return widgets.VBox([index, out])


__all__ = ["sliding_window_widget", "digit_explorer"]
