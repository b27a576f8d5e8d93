"""The bad-input table: every public function refuses impossible arguments.

Each row must raise exactly the listed exception type (never return a
result), and the message must name the function, the argument and -- where an
array is involved -- the offending shape as Python prints it, e.g. ``(3, 3)``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlib import (
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    conv2d,
    conv2d_backward,
    conv_params,
    convolve2d,
    correlate2d,
    dense_params,
    global_avg_pool2d,
    im2col,
    locally_connected_params,
    max_pool2d,
    max_pool2d_backward,
    output_size,
    window_step,
)
from cnnlib import coverage, window_layout

from cnnlib.network import (digit_report, gradient_check, layer_table, max_pairwise_difference, mlp,  # noqa: E402
                            small_cnn, softmax)

I33 = np.ones((3, 3))
K22 = np.ones((2, 2))
X4 = np.ones((1, 1, 3, 3))  # conv2d(X4, W4) has shape (1, 1, 2, 2)
W4 = np.ones((1, 1, 2, 2))
P4 = np.ones((1, 1, 4, 4))  # pooling input; 2x2 pooling gives (1, 1, 2, 2)


def row(fn, args, kwargs, exc, needs, id):
    """needs: words that must appear in the message (argument names as whole
    words, shapes and other fragments verbatim)."""
    return pytest.param(fn, args, kwargs, exc, needs, id=id)


CASES = [
    # --- correlate2d / convolve2d ---------------------------------------------------
    row(correlate2d, ([1.0, 2.0, 3.0], K22), {}, ValueError, ["x", "(3,)"], "correlate2d-x-1d"),
    row(correlate2d, (I33, np.ones((1, 2, 2))), {}, ValueError, ["k", "(1, 2, 2)"], "correlate2d-k-3d"),
    row(correlate2d, (I33, np.ones((4, 4))), {}, ValueError, ["k", "(4, 4)", "(3, 3)"], "correlate2d-kernel-larger-than-input"),
    row(correlate2d, (I33, K22), {"stride": 0}, ValueError, ["stride"], "correlate2d-stride-0"),
    row(correlate2d, (I33, K22), {"dilation": 0}, ValueError, ["dilation"], "correlate2d-dilation-0"),
    row(correlate2d, (I33, K22), {"padding": -1}, ValueError, ["padding"], "correlate2d-negative-padding"),
    row(correlate2d, (np.zeros((0, 3)), K22), {}, ValueError, ["x", "(0, 3)"], "correlate2d-empty-x"),
    row(correlate2d, (I33, K22), {"stride": 1.5}, TypeError, ["stride", "1.5"], "correlate2d-stride-float"),
    row(correlate2d, (I33, K22), {"stride": True}, TypeError, ["stride"], "correlate2d-stride-bool"),
    row(correlate2d, (I33 + 1j, K22), {}, TypeError, ["x", "complex", "(3, 3)"], "correlate2d-complex-x"),
    row(correlate2d, (I33, K22), {"padding": "middle"}, ValueError, ["padding", "'middle'"], "correlate2d-bad-padding-name"),
    row(correlate2d, (I33, K22), {"padding": "same", "stride": 2}, ValueError, ["padding", "same", "stride"], "correlate2d-same-with-stride-2"),
    row(correlate2d, ("abc", K22), {}, TypeError, ["x", "str"], "correlate2d-x-is-a-string"),
    row(correlate2d, (I33, K22), {"stride": (1, 2, 3)}, ValueError, ["stride", "(1, 2, 3)"], "correlate2d-stride-triple"),
    row(convolve2d, (np.array([[1, None], [2, 3]]), K22), {}, TypeError, ["x", "object", "(2, 2)"], "convolve2d-object-dtype"),
    row(convolve2d, (I33, np.array([["a", "b"]])), {}, TypeError, ["k", "(1, 2)"], "convolve2d-string-dtype-kernel"),
    row(convolve2d, (I33, K22), {"dilation": 2.0}, TypeError, ["dilation", "2.0"], "convolve2d-dilation-float"),
    row(convolve2d, (I33, np.zeros((2, 0))), {}, ValueError, ["k", "(2, 0)"], "convolve2d-empty-kernel"),
    row(convolve2d, (I33, K22), {"padding": "same", "stride": 2}, ValueError, ["padding", "stride"], "convolve2d-same-with-stride-2"),
    # --- conv2d ---------------------------------------------------------------------
    row(conv2d, (np.ones((1, 3, 3)), W4), {}, ValueError, ["x", "(1, 3, 3)"], "conv2d-x-3d"),
    row(conv2d, (X4, np.ones((2, 2))), {}, ValueError, ["w", "(2, 2)"], "conv2d-w-2d"),
    row(conv2d, (np.ones((1, 2, 5, 5)), np.ones((1, 3, 2, 2))), {}, ValueError, ["x", "w", "channel", "(1, 2, 5, 5)", "(1, 3, 2, 2)"], "conv2d-channel-mismatch"),
    row(conv2d, (X4, np.ones((2, 1, 2, 2)), np.ones(3)), {}, ValueError, ["b", "(3,)", "(2, 1, 2, 2)"], "conv2d-bias-length"),
    row(conv2d, (X4, W4, np.ones((1, 1))), {}, ValueError, ["b", "(1, 1)"], "conv2d-bias-2d"),
    row(conv2d, (X4, np.ones((1, 1, 4, 4))), {}, ValueError, ["w", "(1, 1, 4, 4)", "(1, 1, 3, 3)"], "conv2d-kernel-larger-than-input"),
    row(conv2d, (X4, W4), {"padding": (1, -1)}, ValueError, ["padding"], "conv2d-negative-padding-pair"),
    row(conv2d, (X4, W4), {"padding": (0, 0, -1, 0)}, ValueError, ["padding"], "conv2d-negative-padding-quad"),
    row(conv2d, (X4, W4), {"stride": (1, 0)}, ValueError, ["stride"], "conv2d-stride-pair-with-0"),
    row(conv2d, (X4, W4), {"padding": "same", "stride": (2, 1)}, ValueError, ["padding", "stride"], "conv2d-same-with-stride-2"),
    row(conv2d, (X4, W4 + 0j), {}, TypeError, ["w", "complex", "(1, 1, 2, 2)"], "conv2d-complex-w"),
    row(conv2d, (X4, W4), {"stride": np.True_}, TypeError, ["stride"], "conv2d-stride-numpy-bool"),
    row(conv2d, (X4, W4), {"padding": 1.5}, TypeError, ["padding", "1.5"], "conv2d-padding-float"),
    row(conv2d, (X4, W4), {"dilation": -1}, ValueError, ["dilation"], "conv2d-dilation-negative"),
    row(conv2d, (np.zeros((0, 1, 3, 3)), W4), {}, ValueError, ["x", "(0, 1, 3, 3)"], "conv2d-empty-batch"),
    row(conv2d, (X4.astype(str), W4), {}, TypeError, ["x", "(1, 1, 3, 3)"], "conv2d-string-dtype-x"),
    # --- conv2d_backward ------------------------------------------------------------
    row(conv2d_backward, (np.ones((1, 1, 3, 3)), X4, W4), {}, ValueError, ["dout", "(1, 1, 3, 3)", "(1, 1, 2, 2)"], "conv2d_backward-dout-shape"),
    row(conv2d_backward, (np.ones((1, 2, 2)), X4, W4), {}, ValueError, ["dout", "(1, 2, 2)"], "conv2d_backward-dout-3d"),
    row(conv2d_backward, (np.ones((1, 1, 2, 2)), np.ones((1, 2, 3, 3)), W4), {}, ValueError, ["x", "w", "(1, 2, 3, 3)", "(1, 1, 2, 2)"], "conv2d_backward-channel-mismatch"),
    row(conv2d_backward, (np.ones((1, 1, 2, 2)), X4, W4), {"stride": 0}, ValueError, ["stride"], "conv2d_backward-stride-0"),
    # --- im2col / col2im --------------------------------------------------------------
    row(im2col, (I33, 2, 2), {}, ValueError, ["x", "(3, 3)"], "im2col-x-2d"),
    row(im2col, (X4, 2.0, 2), {}, TypeError, ["kh", "2.0"], "im2col-kh-float"),
    row(im2col, (X4, 2, 0), {}, ValueError, ["kw"], "im2col-kw-0"),
    row(im2col, (X4, True, 2), {}, TypeError, ["kh"], "im2col-kh-bool"),
    row(im2col, (X4, 2, 2), {"stride": 0}, ValueError, ["stride"], "im2col-stride-0"),
    row(im2col, (X4, 2, 2), {"dilation": 1.5}, TypeError, ["dilation"], "im2col-dilation-float"),
    row(col2im, (np.ones((5, 4)), (1, 1, 3, 3), 2, 2), {}, ValueError, ["cols", "(5, 4)", "(4, 4)"], "col2im-cols-shape"),
    row(col2im, (np.ones(4), (1, 1, 3, 3), 2, 2), {}, ValueError, ["cols", "(4,)"], "col2im-cols-1d"),
    row(col2im, (np.ones((4, 4)), (1, 3, 3), 2, 2), {}, ValueError, ["x_shape", "(1, 3, 3)"], "col2im-x_shape-3-long"),
    row(col2im, (np.ones((4, 4)), (1, 0, 3, 3), 2, 2), {}, ValueError, ["x_shape"], "col2im-x_shape-zero"),
    row(col2im, (np.ones((4, 4)), (1, 1, 3, 3), 2, 2), {"padding": -1}, ValueError, ["padding"], "col2im-negative-padding"),
    # --- pooling ----------------------------------------------------------------------
    row(max_pool2d, (P4, 2), {"padding": 2}, ValueError, ["padding", "kernel_size"], "max_pool2d-padding-more-than-half"),
    row(max_pool2d, (P4, 0), {}, ValueError, ["kernel_size"], "max_pool2d-kernel-0"),
    row(max_pool2d, (P4, 1.5), {}, TypeError, ["kernel_size", "1.5"], "max_pool2d-kernel-float"),
    row(max_pool2d, (np.ones((1, 4, 4)), 2), {}, ValueError, ["x", "(1, 4, 4)"], "max_pool2d-x-3d"),
    row(max_pool2d, (P4, 2), {"stride": 0}, ValueError, ["stride"], "max_pool2d-stride-0"),
    row(max_pool2d, (np.ones((1, 1, 2, 2)), 3), {}, ValueError, ["kernel_size", "(1, 1, 2, 2)"], "max_pool2d-window-larger-than-input"),
    row(max_pool2d, (P4, 2), {"padding": "same"}, ValueError, ["padding", "stride"], "max_pool2d-same-with-default-stride-2"),
    row(avg_pool2d, (P4, 3), {"padding": 2}, ValueError, ["padding", "kernel_size"], "avg_pool2d-padding-more-than-half"),
    row(avg_pool2d, (P4, (2, 2)), {"padding": (0, 2)}, ValueError, ["padding"], "avg_pool2d-padding-pair-more-than-half"),
    row(avg_pool2d, (P4.astype(object), 2), {}, TypeError, ["x", "object", "(1, 1, 4, 4)"], "avg_pool2d-object-dtype"),
    row(avg_pool2d, (P4, 2), {"padding": -1}, ValueError, ["padding"], "avg_pool2d-negative-padding"),
    row(avg_pool2d, (P4, (2, 2, 2)), {}, ValueError, ["kernel_size"], "avg_pool2d-kernel-triple"),
    row(global_avg_pool2d, (np.ones((2, 2)),), {}, ValueError, ["x", "(2, 2)"], "global_avg_pool2d-x-2d"),
    row(global_avg_pool2d, (np.ones((1, 0, 2, 2)),), {}, ValueError, ["x", "(1, 0, 2, 2)"], "global_avg_pool2d-empty"),
    row(global_avg_pool2d, (P4 * 1j,), {}, TypeError, ["x", "complex"], "global_avg_pool2d-complex"),
    row(max_pool2d_backward, (np.ones((1, 1, 3, 3)), P4, 2), {}, ValueError, ["dout", "(1, 1, 3, 3)", "(1, 1, 4, 4)"], "max_pool2d_backward-dout-shape"),
    row(max_pool2d_backward, (np.ones((1, 1, 2, 2)), P4, 2), {"padding": 2}, ValueError, ["padding"], "max_pool2d_backward-padding-more-than-half"),
    row(avg_pool2d_backward, (np.ones((2, 1, 2, 2)), P4, 2), {}, ValueError, ["dout", "(2, 1, 2, 2)"], "avg_pool2d_backward-dout-shape"),
    # --- output_size ------------------------------------------------------------------
    row(output_size, (0, 3), {}, ValueError, ["n"], "output_size-n-0"),
    row(output_size, (5, 2.0), {}, TypeError, ["kernel", "2.0"], "output_size-kernel-float"),
    row(output_size, (5, True), {}, TypeError, ["kernel"], "output_size-kernel-bool"),
    row(output_size, (5, 3), {"stride": 0}, ValueError, ["stride"], "output_size-stride-0"),
    row(output_size, (5, 3), {"stride": True}, TypeError, ["stride"], "output_size-stride-bool"),
    row(output_size, (5, 3), {"dilation": 0}, ValueError, ["dilation"], "output_size-dilation-0"),
    row(output_size, (5, 3), {"padding": -1}, ValueError, ["padding"], "output_size-negative-padding"),
    row(output_size, (5, 3), {"padding": (1, 2, 3)}, ValueError, ["padding", "(1, 2, 3)"], "output_size-padding-triple"),
    row(output_size, (3, 5), {}, ValueError, ["kernel"], "output_size-kernel-larger-than-input"),
    row(output_size, (5, 3), {"padding": "same", "stride": 2}, ValueError, ["padding", "stride"], "output_size-same-with-stride-2"),
    row(output_size, (5, 3), {"padding": "half"}, ValueError, ["padding", "'half'"], "output_size-bad-padding-name"),
    # --- parameter counts ---------------------------------------------------------------
    row(conv_params, (0, 96, 11), {}, ValueError, ["in_channels"], "conv_params-in-channels-0"),
    row(conv_params, (3, 96, 1.5), {}, TypeError, ["kernel_size", "1.5"], "conv_params-kernel-float"),
    row(conv_params, (3, True, 11), {}, TypeError, ["out_channels"], "conv_params-out-channels-bool"),
    row(conv_params, (3, 96, (3,)), {}, ValueError, ["kernel_size", "(3,)"], "conv_params-kernel-1-tuple"),
    row(locally_connected_params, ((227, 227), 96, 11), {}, ValueError, ["in_shape", "(227, 227)"], "locally_connected_params-in_shape-2-long"),
    row(locally_connected_params, ((3, 4, 4), 2, 5), {}, ValueError, ["kernel_size"], "locally_connected_params-kernel-larger"),
    row(locally_connected_params, ((3, 227, 227), 96, 11), {"stride": 0}, ValueError, ["stride"], "locally_connected_params-stride-0"),
    row(locally_connected_params, ((3, 227, 227), 96, 11), {"stride": 4.0}, TypeError, ["stride"], "locally_connected_params-stride-float"),
    row(dense_params, (0, 10), {}, ValueError, ["n_in"], "dense_params-n_in-0"),
    row(dense_params, (784, 2.5), {}, TypeError, ["n_out", "2.5"], "dense_params-n_out-float"),
    # --- the sliding-window data behind the widgets ----------------------------------
    row(window_step, (I33, K22, 0, 0), {"mode": "flip"}, ValueError, ["mode", "'flip'"], "window_step-bad-mode"),
    row(window_step, (I33, K22, 2, 0), {}, ValueError, ["i", "2x2"], "window_step-position-outside"),
    row(window_step, (I33, K22, -1, 0), {}, ValueError, ["i"], "window_step-negative-position"),
    # --- stride, padding and dilation are keyword-only ---------------------------------
    # conv2d(x, w, None, 2) and correlate2d(x, k, 2) used to mean stride 2 and padding 2.
    row(conv2d, (X4, W4, None, 1), {}, TypeError, ["stride", "padding", "dilation", "keyword"], "conv2d-positional-stride"),
    row(conv2d_backward, (np.ones((1, 1, 2, 2)), X4, W4, 1), {}, TypeError, ["stride", "keyword"], "conv2d_backward-positional-stride"),
    row(correlate2d, (I33, K22, 1), {}, TypeError, ["padding", "stride", "keyword"], "correlate2d-positional-padding"),
    row(convolve2d, (I33, K22, 0, 1), {}, TypeError, ["padding", "keyword"], "convolve2d-positional-padding"),
    row(im2col, (X4, 2, 2, 1), {}, TypeError, ["stride", "keyword"], "im2col-positional-stride"),
    row(col2im, (np.ones((4, 4)), (1, 1, 3, 3), 2, 2, 1), {}, TypeError, ["stride", "keyword"], "col2im-positional-stride"),
    row(max_pool2d, (P4, 2, 2), {}, TypeError, ["stride", "padding", "keyword"], "max_pool2d-positional-stride"),
    row(avg_pool2d, (P4, 2, 2, 0), {}, TypeError, ["stride", "keyword"], "avg_pool2d-positional-stride"),
    row(max_pool2d_backward, (np.ones((1, 1, 2, 2)), P4, 2, 2), {}, TypeError, ["stride", "keyword"], "max_pool2d_backward-positional-stride"),
    row(avg_pool2d_backward, (np.ones((1, 1, 2, 2)), P4, 2, 2), {}, TypeError, ["stride", "keyword"], "avg_pool2d_backward-positional-stride"),
    row(output_size, (5, 3, 1), {}, TypeError, ["padding", "keyword"], "output_size-positional-padding"),
    row(locally_connected_params, ((3, 5, 5), 2, 3, 1), {}, TypeError, ["stride", "keyword"], "locally_connected_params-positional-stride"),

    # --- chapter 3: coverage; window_layout explains bad *values* in words, refuses bad *types*
    row(coverage, ((3, 3), 4), {}, ValueError, ["kernel_size", "(4, 4)", "(3, 3)"], "coverage-kernel-larger-than-input"),
    row(coverage, ((3, 3), 2), {"stride": 1.5}, TypeError, ["stride", "1.5"], "coverage-stride-float"),
    row(coverage, ((0, 3), 2), {}, ValueError, ["in_shape"], "coverage-in_shape-0"),
    row(coverage, ((5, 5), 3), {"padding": "same", "stride": 2}, ValueError, ["padding", "stride"], "coverage-same-with-stride-2"),
    row(window_layout, ((5, 5), 3), {"stride": 1.5}, TypeError, ["stride", "1.5"], "window_layout-stride-float"),
    row(window_layout, ("abc", 3), {}, TypeError, ["in_shape"], "window_layout-in_shape-string"),

    # --- chapter 8's network helpers -----------------------------------------------------
    row(softmax, (np.ones(10),), {}, ValueError, ["logits", "(10,)"], "softmax-1d"),
    row(digit_report, (small_cnn(0), np.ones((2, 8, 8))), {}, ValueError, ["image", "(2, 8, 8)"], "digit_report-two-images"),
    row(max_pairwise_difference, (np.ones((1, 3, 3)),), {}, ValueError, ["weight", "(1, 3, 3)"], "max_pairwise_difference-one-filter"),
    row(mlp, (0,), {}, ValueError, ["hidden"], "mlp-hidden-0"),
    row(layer_table, (small_cnn(0), (1, 1, 8, 0)), {}, ValueError, ["input_shape"], "layer_table-empty-axis"),
    row(gradient_check, (small_cnn(0), np.ones((1, 1, 8, 8)), [0]), {}, TypeError, ["0.weight", "float32"], "gradient_check-float32"),
]


def test_the_table_is_large_enough():
    assert len(CASES) >= 25
    covered = {c.values[0].__name__ for c in CASES}
    required = {
        "correlate2d", "convolve2d", "conv2d", "conv2d_backward", "im2col", "col2im",
        "max_pool2d", "avg_pool2d", "global_avg_pool2d", "max_pool2d_backward",
        "output_size", "conv_params", "locally_connected_params",
    }
    assert required <= covered, required - covered


@pytest.mark.parametrize("fn, args, kwargs, exc, needs", CASES)
def test_bad_input_is_refused_with_a_clear_message(fn, args, kwargs, exc, needs):
    with pytest.raises((TypeError, ValueError)) as info:
        fn(*args, **kwargs)  # must never return
    err = info.value
    msg = str(err)
    assert type(err) is exc, f"expected {exc.__name__}, got {type(err).__name__}: {msg}"
    assert re.search(rf"\b{re.escape(fn.__name__)}\b", msg), f"function name {fn.__name__!r} missing from: {msg}"
    for word in needs:
        if re.fullmatch(r"\w+", word):  # an argument name: whole word
            assert re.search(rf"\b{word}\b", msg), f"{word!r} missing from: {msg}"
        else:  # a shape or a quoted value: verbatim
            assert word in msg, f"{word!r} missing from: {msg}"


@pytest.mark.parametrize(
    "name, value, expected",
    [
        # 3x3 ones correlated with 2x2 ones, written out by hand
        ("stride", np.array(2), [[4.0]]),  # (3 - 2) // 2 + 1 = 1 output
        ("padding", np.array(1), [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]),
        ("dilation", np.array(2), [[4.0]]),  # taps at 0 and 2: one window
    ],
)
def test_zero_dim_array_argument_is_read_as_the_int_it_holds(name, value, expected):
    # The contract: a 0-d array is accepted exactly like the int it holds
    # (NumPy code often hands over np.int64 or 0-d arrays). Refusing it fails.
    np.testing.assert_array_equal(correlate2d(I33, K22, **{name: value}), expected)
    np.testing.assert_array_equal(correlate2d(I33, K22, **{name: int(value)}), expected)


# --- geometry is remembered for plain arguments, and bad ones still raise ------------------------


def test_remembered_geometry_still_rejects_what_looks_equal_to_a_remembered_answer():
    # True == 1 and hash(True) == hash(1): a cache keyed on the values alone
    # would answer stride=True with stride=1's result. Bools (and floats,
    # NumPy integers, lists) are checked afresh every time.
    import cnnlib
    from cnnlib import _checks

    x, w = np.ones((2, 1, 5, 5)), np.ones((1, 1, 3, 3))
    _checks._geometry_remembered.cache_clear()
    assert cnnlib.conv2d(x, w, stride=1).shape == (2, 1, 3, 3)
    assert _checks._geometry_remembered.cache_info().currsize == 1
    for bad in (True, 1.0, (1, True)):
        for _ in range(2):                      # an error is never remembered
            with pytest.raises(TypeError, match="stride"):
                cnnlib.conv2d(x, w, stride=bad)
    assert cnnlib.conv2d(x, w, stride=np.int64(1)).shape == (2, 1, 3, 3)   # checked, not remembered
    assert cnnlib.conv2d(x, w, stride=[1, 1]).shape == (2, 1, 3, 3)
    assert _checks._geometry_remembered.cache_info().currsize == 1
    for _ in range(2):
        with pytest.raises(ValueError, match="larger than the padded input"):
            cnnlib.conv2d(x, np.ones((1, 1, 7, 7)))
    assert cnnlib.conv2d(x, w, stride=1).shape == (2, 1, 3, 3)
    assert _checks._geometry_remembered.cache_info().hits >= 1
