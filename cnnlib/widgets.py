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
from .viz import plot_window_step


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


def pooling_widget(x):
    """Pooling kind, window size and stride over a small map, window by window.

    Draws the input with every window's kept value marked (the maximum for
    max pooling; for average pooling every cell counts, so the windows are
    outlined) and the output map. A thin shell over
    :func:`cnnlib.pool_steps.pool_steps`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .pool_steps import POOL_KINDS, pool_steps
    from .viz import plot_pool_steps

    x = as_float_array(x, "x", 2, "pooling_widget", "(H, W)")
    kind = widgets.ToggleButtons(options=list(POOL_KINDS), value="max", description="pooling")
    size = widgets.IntSlider(value=2, min=1, max=min(x.shape), description="window")
    stride = widgets.IntSlider(value=2, min=1, max=min(x.shape), description="stride")
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = plot_pool_steps(pool_steps(x, kind.value, size.value, stride=stride.value))
            plt.show()
            plt.close(fig)

    for w in (kind, size, stride):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([kind, widgets.HBox([size, stride]), out])


__all__ = ["sliding_window_widget", "pooling_widget"]
