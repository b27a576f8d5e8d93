"""The original AlexNet, layer by layer, as data: shapes and parameter counts.

Source: A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification
with deep convolutional neural networks", NeurIPS 2012, section 3.5 and
figure 2. The network was split over two GPUs: conv2, conv4 and conv5 take
input only from the kernel maps on their own GPU (here ``groups=2``: each filter
sees half of the input channels), conv3 and the fully connected layers take
input from both (``groups=1``). Max pooling (3x3 windows, stride 2, section 3.4)
follows conv1, conv2 and conv5.

What the paper does not state, and this table adds:

* the input is 227 x 227 x 3: with the paper's 224, an 11 x 11 window with
  stride 4 gives ``(224 - 11)/4 + 1 = 54.25`` positions, not the 55 of its figure;
* conv2 has 2 zeros of padding per side and conv3-conv5 have 1, the values
  that keep 27 x 27 and 13 x 13, as the paper's figure shows (they are
  also those of the widely used Caffe reference model).

Every spatial size is computed by :func:`cnnlib.output_size`, every count by
:mod:`cnnlib.params`.
"""

from __future__ import annotations

from typing import Dict, List

from .conv import output_size
from .params import conv_params, dense_params, locally_connected_params

# (name, kind, out_channels or units, kernel, stride, padding, groups)
ALEXNET_2012 = (
    ("conv1", "conv", 96, 11, 4, 0, 1),
    ("pool1", "pool", None, 3, 2, 0, None),
    ("conv2", "conv", 256, 5, 1, 2, 2),
    ("pool2", "pool", None, 3, 2, 0, None),
    ("conv3", "conv", 384, 3, 1, 1, 1),
    ("conv4", "conv", 384, 3, 1, 1, 2),
    ("conv5", "conv", 256, 3, 1, 1, 2),
    ("pool5", "pool", None, 3, 2, 0, None),
    ("fc6", "fc", 4096, None, None, None, None),
    ("fc7", "fc", 4096, None, None, None, None),
    ("fc8", "fc", 1000, None, None, None, None),
)


def alexnet_layers(input_size: int = 227) -> List[Dict]:
    """Every layer of the two-GPU AlexNet with its shapes and parameter counts.

    Returns
    -------
    list of dict, one per layer (pooling layers included), with keys
        ``name``, ``kind`` ('conv', 'pool' or 'fc'), ``in_shape``,
        ``out_shape`` (C, H, W; ``(units,)`` for 'fc'), ``weight_shape``
        (PyTorch's layout, None for pooling), ``groups``, ``params`` (the
        layer as built: shared weights and biases), and for 'conv' layers also
        ``locally_connected`` (no sharing) and ``fully_connected`` (every
        input value to every output value, biases included). Pooling layers
        have ``params == 0``.

    Examples
    --------
    >>> layers = alexnet_layers()
    >>> [l["out_shape"][1] for l in layers if l["kind"] != "fc"]
    [55, 27, 27, 13, 13, 13, 13, 6]
    >>> sum(l["params"] for l in layers)
    60965224
    """
    c, h, w = 3, input_size, input_size
    rows = []
    for name, kind, n_out, k, s, p, g in ALEXNET_2012:
        row = {"name": name, "kind": kind, "in_shape": rows[-1]["out_shape"] if rows else (c, h, w), "groups": g}
        if kind == "conv":
            oh = output_size(h, k, padding=p, stride=s)
            ow = output_size(w, k, padding=p, stride=s)
            row.update(
                kernel=k, stride=s, padding=p,
                weight_shape=(n_out, c // g, k, k),
                out_shape=(n_out, oh, ow),
                params=conv_params(c, n_out, k, groups=g),
                locally_connected=locally_connected_params((c, h, w), n_out, k, stride=s, padding=p, groups=g),
                fully_connected=dense_params(c * h * w, n_out * oh * ow),
            )
            c, h, w = n_out, oh, ow
        elif kind == "pool":
            oh = output_size(h, k, padding=p, stride=s)
            ow = output_size(w, k, padding=p, stride=s)
            row.update(kernel=k, stride=s, padding=p, weight_shape=None, out_shape=(c, oh, ow), params=0)
            h, w = oh, ow
        else:
            n_in = c * h * w if rows[-1]["kind"] != "fc" else c
            row.update(weight_shape=(n_out, n_in), out_shape=(n_out,),
                       params=dense_params(n_in, n_out))
            c, h, w = n_out, 1, 1
        rows.append(row)
    return rows


__all__ = ["ALEXNET_2012", "alexnet_layers"]
