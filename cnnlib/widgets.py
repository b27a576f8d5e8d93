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


__all__ = ["sliding_window_widget"]


def connections_widget(image, permutation):
    """Pick a unit's position, the number of 3x3 layers and the pixel shuffle; see what it is connected to.

    A thin shell over :func:`cnnlib.viz.plot_connections`, whose data come
    from the tested :func:`cnnlib.receptive.connected_pixels`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    import numpy as np

    from .viz import plot_connections

    image = as_float_array(image, "image", 2, "connections_widget", "(H, W)")
    h, w = image.shape
    row = widgets.IntSlider(value=h // 2, min=0, max=h - 1, description="row")
    col = widgets.IntSlider(value=w // 2, min=0, max=w - 1, description="column")
    layers = widgets.IntSlider(value=1, min=1, max=3, description="3x3 layers")
    shuffle = widgets.ToggleButtons(options=["original", "shuffled"], value="original", description="pixels")
    perm = np.asarray(permutation)
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = plot_connections(image, (row.value, col.value), layers.value,
                                   permutation=perm if shuffle.value == "shuffled" else None)
            plt.show()
            plt.close(fig)

    for wdg in (row, col, layers, shuffle):
        wdg.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([row, col]), widgets.HBox([layers, shuffle]), out])


__all__ += ["connections_widget"]
