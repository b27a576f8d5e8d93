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


def param_counts_widget(H: int = 227, C: int = 3, F: int = 96, K: int = 11, S: int = 4, P: int = 0):
    """Sliders for a layer's input size, channels, filters, kernel, stride and padding.

    Every change recomputes :func:`cnnlib.params.layer_counts` and shows its
    :meth:`~cnnlib.params.LayerCounts.report`: the output shape and the
    shared, locally connected and fully connected counts, formulas filled in
    (or why the kernel does not fit).

    Returns
    -------
    ipywidgets.VBox
    """
    import html

    import ipywidgets as widgets

    from .explorers import PARAM_FIELDS
    from .params import layer_counts

    start = dict(H=H, C=C, F=F, K=K, S=S, P=P)
    boxes = {  # sliders: drag, or click one and use the arrow keys; the number beside it can be typed over
        key: widgets.IntSlider(value=start[key], min=lo, max=hi, description=label,
                               style={"description_width": "10em"}, layout=widgets.Layout(width="28em"))
        for key, label, lo, hi in PARAM_FIELDS
    }
    out = widgets.HTML()

    def redraw(*_):
        v = {k: b.value for k, b in boxes.items()}
        try:
            text = layer_counts((v["C"], v["H"], v["H"]), v["F"], v["K"], stride=v["S"], padding=v["P"]).report()
        except ValueError as err:
            text = f"No output: {err}"
        out.value = f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre>"

    for b in boxes.values():
        b.observe(redraw, names="value")
    redraw()
    return widgets.VBox(list(boxes.values()) + [out])


__all__ = ["sliding_window_widget", "param_counts_widget"]
