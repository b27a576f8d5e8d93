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
from .trace import conv_trace
from .viz import plot_conv_trace, plot_window_step


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


def conv_trace_widget(x, w, b=None):
    """Sliders for an output position (n, f, i, j) of ``conv2d(x, w, b)``.

    Every move redraws :func:`cnnlib.viz.plot_conv_trace` of
    :func:`cnnlib.conv_trace`: the input patch in every channel, the im2col
    row, the filter column, the products and the output number.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    first = conv_trace(x, w, 0, 0, 0, 0, b)  # checks the arguments before any widget exists
    n_img, fn, oh, ow = first.output.shape
    sliders = [
        widgets.IntSlider(value=0, min=0, max=n_img - 1, description="image n"),
        widgets.IntSlider(value=0, min=0, max=fn - 1, description="filter f"),
        widgets.IntSlider(value=0, min=0, max=oh - 1, description="row i"),
        widgets.IntSlider(value=0, min=0, max=ow - 1, description="column j"),
    ]
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = plot_conv_trace(conv_trace(x, w, *(s.value for s in sliders), b))
            plt.show()
            plt.close(fig)

    for s in sliders:
        s.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(sliders[:2]), widgets.HBox(sliders[2:]), out])


__all__ = ["sliding_window_widget", "conv_trace_widget"]
