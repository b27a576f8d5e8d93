"""cnnlib: the small NumPy library behind the CNN textbook.

Every number the book states is computed here. Arrays are channels-first,
(N, C, H, W); padding is per side; ``dilation=1`` means no dilation; sizes that
do not divide evenly are floored, as in PyTorch. Integer and boolean inputs are
promoted to float before any arithmetic. Bad input raises ``TypeError`` or
``ValueError`` naming the argument and the shapes, before any work is done.

Arrays have the shape (N, C, H, W) whatever their order in memory: for small
maps ``conv2d`` returns a transposed view of a batch-last (C, H, W, N) block,
which ReLU, pooling and the next ``conv2d`` keep and read faster (see
:mod:`cnnlib.im2col`); ``np.ascontiguousarray`` gives C order if you need it.

Beside the layer functions: :mod:`cnnlib.reference` (the textbook im2col
versions, which the tests compare the fast ones with, and ``conv2d_taps``,
tap by tap), :mod:`cnnlib.padding` (``pad2d`` in PyTorch's four modes),
:mod:`cnnlib.shift` (translating images, for equivariance),
:mod:`cnnlib.equivariance` (chapter 7's measurements), blur pooling in
:mod:`cnnlib.pooling` (``blur2d``, ``max_blur_pool2d``), :mod:`cnnlib.geometry`
(output sizes, coverage), :mod:`cnnlib.params` (parameter counts) and
:mod:`cnnlib.receptive` (receptive fields).

Plotting lives in :mod:`cnnlib.viz`, widgets in :mod:`cnnlib.widgets` and the
kernel-free animations in :mod:`cnnlib.animation`; the math never imports them.

Training a network, in the spirit of ``torch.nn`` and ``torch.optim``:
:mod:`cnnlib.layers` (Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten, Linear,
Sequential, SoftmaxCrossEntropy), :mod:`cnnlib.optim` (SGD, Adam),
:mod:`cnnlib.data` (scikit-learn's digits, mini-batches) and
:mod:`cnnlib.train` (fit, evaluate, predict, confusion_matrix). scikit-learn
and tqdm are imported only when a function that needs them runs.
"""

from .conv import conv2d, conv2d_backward, convolve2d, correlate2d, output_size
from .padding import pad2d, pad2d_backward
from .geometry import WindowLayout, coverage, window_layout
from .im2col import col2im, im2col
from .params import conv_params, dense_params, locally_connected_params
from .pooling import avg_pool2d, avg_pool2d_backward, global_avg_pool2d, max_pool2d, max_pool2d_backward
from .steps import WindowStep, window_step, window_steps
from . import reference  # the textbook im2col versions (import after the fast ones: it uses _checks only)
from . import data, layers, optim, train  # noqa: E402  (submodules: cnnlib.layers.Conv2d, ...)

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
    "coverage",
    "window_layout",
    "WindowLayout",
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
    "layers",
    "optim",
    "data",
    "train",

    "ConvTrace",
    "conv_trace",
]

# issue 15 (chapter 7): padding modes
__all__ += ["pad2d", "pad2d_backward"]

# issue 15 (chapter 7): shifts by whole pixels (cnnlib.shift)
from .shift import shift, shift_backward  # noqa: E402
__all__ += ["shift", "shift_backward"]

# issue 15 (chapter 7): anti-aliased subsampling after Zhang (2019) (cnnlib.pooling; layers BlurPool2d, MaxBlurPool2d)
from .pooling import binomial_filter, blur2d, blur2d_backward, max_blur_pool2d, max_blur_pool2d_backward  # noqa: E402
__all__ += ["binomial_filter", "blur2d", "blur2d_backward", "max_blur_pool2d", "max_blur_pool2d_backward"]

# issue 15 (chapter 7, the chapter): the experiments' helpers (cnnlib.equivariance)
from . import equivariance  # noqa: E402
__all__ += ["equivariance"]
