"""Parameter counts (파라미터 수): shared, unshared and fully connected.

All counts are exact Python integers, so even very large layers cannot
overflow.
"""

from __future__ import annotations

from ._checks import as_int, as_pair, as_shape, geometry, keyword_only


def conv_params(in_channels: int, out_channels: int, kernel_size, bias: bool = True) -> int:
    """Weights and biases of a convolution layer with shared weights (파라미터 공유).

    ``out_channels * (in_channels * KH * KW + 1)``: one filter per output
    channel, reused at every position; the count does not depend on the image size.

    Examples
    --------
    >>> conv_params(3, 96, 11)      # AlexNet conv1
    34944
    """
    where = "conv_params"
    c = as_int(in_channels, "in_channels", where, 1)
    f = as_int(out_channels, "out_channels", where, 1)
    kh, kw = as_pair(kernel_size, "kernel_size", where, 1)
    return f * (c * kh * kw + int(bool(bias)))


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
def locally_connected_params(in_shape, out_channels: int, kernel_size, *, stride=1, padding=0, bias: bool = True) -> int:
    """Parameters of the same layer *without* weight sharing.

    Every output neuron keeps its own filter and bias:
    ``OH * OW * out_channels * (C * KH * KW + 1)``.

    Parameters
    ----------
    in_shape : (C, H, W)
    out_channels : int
    kernel_size : int or (int, int)
    stride, padding, bias : keyword-only
        As in :func:`cnnlib.conv2d`.

    Examples
    --------
    >>> locally_connected_params((3, 227, 227), 96, 11, stride=4)   # AlexNet conv1
    105705600
    """
    where = "locally_connected_params"
    c, h, w = as_shape(in_shape, "C, H, W", where, "in_shape")
    f = as_int(out_channels, "out_channels", where, 1)
    k = as_pair(kernel_size, "kernel_size", where, 1)
    _, _, _, (oh, ow) = geometry((h, w), k, stride, padding, 1, where, "in_shape", "kernel_size")
    return oh * ow * f * (c * k[0] * k[1] + int(bool(bias)))


__all__ = ["conv_params", "dense_params", "locally_connected_params"]
