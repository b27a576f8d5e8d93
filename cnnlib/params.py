"""Parameter counts (파라미터 수): shared, unshared and fully connected.

All counts are exact Python integers, so even very large layers cannot
overflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

from ._checks import as_groups, as_int, as_pair, as_shape, geometry, keyword_only


def conv_params(in_channels: int, out_channels: int, kernel_size, bias: bool = True, *, groups: int = 1) -> int:
    """Weights and biases of a convolution layer with shared weights (파라미터 공유).

    ``out_channels * (in_channels // groups * KH * KW + 1)``: one filter per
    output channel, reused at every position; the count does not depend on the
    image size. As in PyTorch's ``Conv2d``, ``groups`` splits the input and
    output channels into that many groups and each filter sees only the
    ``in_channels // groups`` channels of its own group (its weight array has
    shape ``(out_channels, in_channels // groups, KH, KW)``); both channel
    counts must be divisible by ``groups``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    bias : bool
        One bias per output channel.
    groups : int, keyword
        1: every filter sees every input channel. AlexNet's conv2, conv4 and
        conv5 (two GPUs) are ``groups=2``.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_params(3, 96, 11)      # AlexNet conv1
    34944
    >>> conv_params(96, 256, 5, groups=2)   # AlexNet conv2: 256 * (48*5*5 + 1)
    307456
    """
    where = "conv_params"
    c = as_int(in_channels, "in_channels", where, 1)
    f = as_int(out_channels, "out_channels", where, 1)
    kh, kw = as_pair(kernel_size, "kernel_size", where, 1)
    g = as_groups(groups, c, f, where)
    return f * (c // g * kh * kw + int(bool(bias)))


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Weights and biases of a fully connected layer: ``n_out * (n_in + 1)``.

    Examples
    --------
    >>> dense_params(784, 100)
    78500
    """
    where = "dense_params"
    i = as_int(n_in, "n_in", where, 1)
    o = as_int(n_out, "n_out", where, 1)
    return o * (i + int(bool(bias)))


@keyword_only
def locally_connected_params(
    in_shape, out_channels: int, kernel_size, *, stride=1, padding=0, bias: bool = True, groups: int = 1
) -> int:
    """Parameters of the same layer *without* weight sharing (a locally connected layer).

    Every output neuron keeps its own filter and bias:
    ``OH * OW * out_channels * (C // groups * KH * KW + 1)``. Its weights,
    as :func:`cnnlib.locally_connected2d` takes them, form an array of shape
    ``(out_channels, OH, OW, C // groups, KH, KW)``.

    Parameters
    ----------
    in_shape : (C, H, W)
    out_channels : int
    kernel_size : int or (int, int)
    stride, padding, bias : keyword-only
        As in :func:`cnnlib.conv2d`.
    groups : int, keyword-only
        As in :func:`conv_params`.

    Examples
    --------
    >>> locally_connected_params((3, 227, 227), 96, 11, stride=4)   # AlexNet conv1
    105705600
    """
    where = "locally_connected_params"
    c, h, w = as_shape(in_shape, "C, H, W", where, "in_shape")
    f = as_int(out_channels, "out_channels", where, 1)
    k = as_pair(kernel_size, "kernel_size", where, 1)
    g = as_groups(groups, c, f, where)
    _, _, _, (oh, ow) = geometry((h, w), k, stride, padding, 1, where, "in_shape", "kernel_size")
    return oh * ow * f * (c // g * k[0] * k[1] + int(bool(bias)))


@dataclass(frozen=True)
class LayerCounts:
    """One convolution layer counted three ways, with every formula written out.

    Built by :func:`layer_counts`; the chapter's explorer widget (JupyterLab)
    and its JavaScript twin (static site) show exactly these fields.

    Attributes
    ----------
    in_shape, out_shape : (C, H, W) and (F, OH, OW)
    kernel, stride : (int, int)
    padding : (top, bottom, left, right)
    groups : int
    weights_per_filter : int
        ``C // groups * KH * KW``.
    n_inputs, n_outputs : int
        ``C * H * W`` and ``F * OH * OW`` (output neurons).
    shared, locally_connected, fully_connected : int
        :func:`conv_params`, :func:`locally_connected_params` and
        :func:`dense_params` of the same input and output, biases included.
    """

    in_shape: Tuple[int, int, int]
    out_shape: Tuple[int, int, int]
    kernel: Tuple[int, int]
    stride: Tuple[int, int]
    padding: Tuple[int, int, int, int]
    groups: int
    weights_per_filter: int
    n_inputs: int
    n_outputs: int
    shared: int
    locally_connected: int
    fully_connected: int

    def formulas(self) -> Dict[str, str]:
        """Each count with its formula filled in, e.g. ``'96 × (363 + 1) = 34,944'``.

        Keys: ``'OH'``, ``'OW'``, ``'weights_per_filter'``, ``'n_inputs'``,
        ``'n_outputs'``, ``'shared'``, ``'locally_connected'``,
        ``'fully_connected'``, ``'local_vs_shared'``, ``'dense_vs_shared'``
        (the ratios, rounded to the nearest integer, halves up).
        """
        c, h, w = self.in_shape
        f, oh, ow = self.out_shape
        kh, kw = self.kernel
        n = _fmt_int
        out = {}
        for axis, size, k, s, before, after, o in (
            ("OH", h, kh, self.stride[0], self.padding[0], self.padding[1], oh),
            ("OW", w, kw, self.stride[1], self.padding[2], self.padding[3], ow),
        ):
            pad = f"2·{before}" if before == after else f"{before} + {after}"
            out[axis] = f"{axis} = ⌊({size} + {pad} − {k}) / {s}⌋ + 1 = {o}"
        chans = f"{c}" if self.groups == 1 else f"({c}/{self.groups})"
        out["weights_per_filter"] = f"{chans} · {kh} · {kw} = {n(self.weights_per_filter)}"
        out["n_inputs"] = f"{c} · {h} · {w} = {n(self.n_inputs)}"
        out["n_outputs"] = f"{f} · {oh} · {ow} = {n(self.n_outputs)}"
        per = f"({n(self.weights_per_filter)} + 1)"
        out["shared"] = f"{f} × {per} = {n(self.shared)}"
        out["locally_connected"] = f"{n(self.n_outputs)} × {per} = {n(self.locally_connected)}"
        out["fully_connected"] = f"{n(self.n_outputs)} × ({n(self.n_inputs)} + 1) = {n(self.fully_connected)}"
        out["local_vs_shared"] = f"{n(_ratio(self.locally_connected, self.shared))}×"
        out["dense_vs_shared"] = f"{n(_ratio(self.fully_connected, self.shared))}×"
        return out


    def report(self) -> str:
        """The explorer's text: the output shape and the three counts with their formulas."""
        t = self.formulas()
        f, oh, ow = self.out_shape
        return "\n".join([
            t["OH"], t["OW"],
            f"output shape (F, OH, OW) = ({f}, {oh}, {ow})",
            f"weights per filter:  {t['weights_per_filter']}",
            f"input values:        {t['n_inputs']}",
            f"output neurons:      {t['n_outputs']}",
            f"shared (conv):       {t['shared']}",
            f"locally connected:   {t['locally_connected']}   ({t['local_vs_shared']} shared)",
            f"fully connected:     {t['fully_connected']}   ({t['dense_vs_shared']} shared)",
        ])


def _fmt_int(v: int) -> str:
    return f"{v:,}"


def _ratio(a: int, b: int) -> int:
    """a / b rounded to the nearest integer, halves up, in exact integer arithmetic."""
    return (2 * a + b) // (2 * b)


def layer_counts(in_shape, out_channels: int, kernel_size, stride=1, padding=0, *, groups: int = 1) -> LayerCounts:
    """The parameter counts of one convolution layer: shared, locally connected, fully connected.

    The pure function behind the chapter's explorer: every number it shows,
    and every formula, comes from here (biases included).

    Parameters
    ----------
    in_shape : (C, H, W)
    out_channels : int
    kernel_size, stride : int or (int, int)
    padding : int, (int, int) or (top, bottom, left, right)
    groups : int, keyword

    Returns
    -------
    LayerCounts

    Examples
    --------
    >>> lc = layer_counts((3, 227, 227), 96, 11, stride=4)    # AlexNet conv1
    >>> lc.out_shape, lc.shared, lc.locally_connected, lc.fully_connected
    ((96, 55, 55), 34944, 105705600, 44892355200)
    >>> lc.formulas()["OH"]
    'OH = ⌊(227 + 2·0 − 11) / 4⌋ + 1 = 55'
    >>> lc.formulas()["shared"]
    '96 × (363 + 1) = 34,944'
    """
    where = "layer_counts"
    c, h, w = as_shape(in_shape, "C, H, W", where, "in_shape")
    f = as_int(out_channels, "out_channels", where, 1)
    k = as_pair(kernel_size, "kernel_size", where, 1)
    g = as_groups(groups, c, f, where)
    s, pad, _, (oh, ow) = geometry((h, w), k, stride, padding, 1, where, "in_shape", "kernel_size")
    return LayerCounts(
        in_shape=(c, h, w),
        out_shape=(f, oh, ow),
        kernel=k,
        stride=s,
        padding=pad,
        groups=g,
        weights_per_filter=c // g * k[0] * k[1],
        n_inputs=c * h * w,
        n_outputs=f * oh * ow,
        shared=conv_params(c, f, k, groups=g),
        locally_connected=locally_connected_params((c, h, w), f, k, stride=s, padding=pad, groups=g),
        fully_connected=dense_params(c * h * w, f * oh * ow),
    )


__all__ = ["conv_params", "dense_params", "locally_connected_params", "layer_counts", "LayerCounts"]
