"""cnnlib: the small NumPy library behind the CNN textbook.

Every number the book states is computed here. Arrays are channels-first,
(N, C, H, W); padding is per side; ``dilation=1`` means no dilation; sizes that
do not divide evenly are floored, as in PyTorch. Integer and boolean inputs are
promoted to float before any arithmetic. Bad input raises ``TypeError`` or
``ValueError`` naming the argument and the shapes, before any work is done.

Plotting lives in :mod:`cnnlib.viz`, widgets in :mod:`cnnlib.widgets` and the
kernel-free animations in :mod:`cnnlib.animation`; the math never imports them.
"""

from .conv import conv2d, conv2d_backward, convolve2d, correlate2d, output_size
from .im2col import col2im, im2col
from .params import conv_params, dense_params, locally_connected_params
from .pooling import avg_pool2d, avg_pool2d_backward, global_avg_pool2d, max_pool2d, max_pool2d_backward
from .steps import WindowStep, window_step, window_steps
from .trace import ConvTrace, conv_trace

__version__ = "0.1.0"

__all__ = [
    "conv2d",
    "conv2d_backward",
    "convolve2d",
    "correlate2d",
    "output_size",
    "im2col",
    "col2im",
    "conv_params",
    "dense_params",
    "locally_connected_params",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "max_pool2d_backward",
    "avg_pool2d_backward",
    "WindowStep",
    "window_step",
    "window_steps",
    "ConvTrace",
    "conv_trace",
]
