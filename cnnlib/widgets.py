"""Live widgets for JupyterLab: thin shells around pure, tested functions.

Each widget only wires sliders to a function of :mod:`cnnlib.steps` and a
figure of :mod:`cnnlib.viz`; those are unit-tested without a front end. In the
static book, where there is no kernel, the chapters show the same idea as a
figure at the default values and as a JavaScript animation
(:mod:`cnnlib.animation`).
"""

from __future__ import annotations


import html

from ._checks import as_float_array, geometry
from .geometry import window_layout
from .steps import MODES, window_step
from .trace import conv_trace
from .viz import plot_conv_trace, plot_digit_report, plot_window_layout, plot_window_step


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


def layout_text(lay) -> str:
    """What the explorer widget prints under its figure: both formulas filled in, then the
    output size or the reason the settings do not fit (plain text, no traceback)."""
    if not lay.fits:
        return "Does not fit: " + lay.explanation()
    return "\n".join(lay.formulas) + "\n" + lay.explanation()


def padding_stride_widget(in_shape=(8, 4), kernel_size=2, stride=1, padding=0, dilation=1):
    """Sliders for input size, kernel, padding (per side or a mode), stride and dilation.

    Every change calls :func:`cnnlib.window_layout` and shows what it returns:
    the padded grid with every window position (:func:`cnnlib.viz.plot_window_layout`),
    the output-size formula with the numbers filled in, and the output size, or,
    when the settings do not fit, the reason in words.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    h0, w0 = (in_shape, in_shape) if isinstance(in_shape, int) else in_shape
    k0 = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    style = {"description_width": "7em"}

    def slider(desc, value, lo, hi):
        return widgets.IntSlider(value=value, min=lo, max=hi, description=desc, style=style, continuous_update=False)

    h, w = slider("input H", h0, 1, 12), slider("input W", w0, 1, 12)
    kh = slider("kernel KH", k0, 1, 7)
    kw = slider("kernel KW", k0 if isinstance(kernel_size, int) else kernel_size[1], 1, 7)
    s, d = slider("stride S", stride, 1, 4), slider("dilation D", dilation, 1, 3)
    mode = widgets.Dropdown(options=["per side", "valid", "same", "full"],
                            value=padding if isinstance(padding, str) else "per side", description="padding", style=style)
    p0 = 0 if isinstance(padding, str) else padding
    sides = [slider(name, p0, 0, 4) for name in ("top", "bottom", "left", "right")]
    text = widgets.HTML()
    out = widgets.Output()

    def redraw(*_):
        for side in sides:
            side.disabled = mode.value != "per side"
        pad = tuple(x.value for x in sides) if mode.value == "per side" else mode.value
        lay = window_layout((h.value, w.value), (kh.value, kw.value), stride=s.value, padding=pad, dilation=d.value)
        text.value = f"<pre style='white-space: pre-wrap'>{html.escape(layout_text(lay))}</pre>"
        with out:
            out.clear_output(wait=True)
            ax = plot_window_layout(lay)
            plt.show()
            plt.close(ax.figure)

    for control in (h, w, kh, kw, s, d, mode, *sides):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([
        widgets.HBox([widgets.VBox([h, w, kh, kw]), widgets.VBox([s, d, mode]), widgets.VBox(sides)]),
        text, out,
    ])


__all__ = ["sliding_window_widget", "padding_stride_widget", "layout_text"]


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


__all__ += ["conv_trace_widget"]


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


__all__ += ["param_counts_widget"]


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

    from ._checks import as_labels

    images = as_float_array(images, "images", 4, "digit_explorer", "(N, 1, H, W)")
    labels = as_labels(labels, "digit_explorer", n=images.shape[0], against=f"images.shape={images.shape}")
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


__all__ += ["digit_explorer"]


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


__all__ += ["pooling_widget"]


# --- chapter 7 (issue 15): equivariance explorer --------------------------------------------

def equivariance_widget(x, max_shift: int = 4):
    """Shift (dy, dx), padding mode and layer → the four panels of :func:`cnnlib.viz.plot_equivariance_panels`.

    A thin shell over :func:`cnnlib.equivariance.equivariance_panels`, the
    tested pure function that computes what is drawn.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ._checks import as_int
    from .equivariance import LAYERS, PADDING_MODES, equivariance_panels
    from .viz import plot_equivariance_panels

    x = as_float_array(x, "x", 2, "equivariance_widget", "(H, W)")
    max_shift = as_int(max_shift, "max_shift", "equivariance_widget", 1)
    dy = widgets.IntSlider(value=0, min=-max_shift, max=max_shift, description="dy")
    dx = widgets.IntSlider(value=1, min=-max_shift, max=max_shift, description="dx")
    mode = widgets.ToggleButtons(options=list(PADDING_MODES), value="circular", description="padding")
    layer = widgets.Dropdown(options=list(LAYERS), value="conv stride 1", description="layer")
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = plot_equivariance_panels(equivariance_panels(x, (dy.value, dx.value), mode.value, layer.value))
            plt.show()
            plt.close(fig)

    for w in (dy, dx, mode, layer):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([dy, dx]), widgets.HBox([mode, layer]), out])


__all__ += ["equivariance_widget"]
