"""The source notes' published numbers, each worked out by hand.

Every expected value below is written out in the test (with the arithmetic in a
comment); none is produced by calling cnnlib.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib import (
    avg_pool2d,
    conv2d,
    conv_params,
    convolve2d,
    correlate2d,
    dense_params,
    global_avg_pool2d,
    locally_connected_params,
    max_pool2d,
    output_size,
)

X3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
K2 = [[1, 1], [0, 2]]


def assert_exact(got, expected):
    got = np.asarray(got)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------------------
# Chapter 2: the worked example
# ---------------------------------------------------------------------------


def test_worked_example_cross_correlation():
    # out[i, j] = x[i, j]*1 + x[i, j+1]*1 + x[i+1, j]*0 + x[i+1, j+1]*2
    # (0,0): 1 + 2 + 0 + 2*5  = 13     (0,1): 2 + 3 + 0 + 2*6 = 17
    # (1,0): 4 + 5 + 0 + 2*8  = 25     (1,1): 5 + 6 + 0 + 2*9 = 29
    assert_exact(correlate2d(X3, K2), [[13, 17], [25, 29]])


def test_worked_example_convolution():
    # Convolution flips the kernel on both axes: [[1, 1], [0, 2]] -> [[2, 0], [1, 1]]
    # out[i, j] = x[i, j]*2 + x[i, j+1]*0 + x[i+1, j]*1 + x[i+1, j+1]*1
    # (0,0): 2*1 + 0 + 4 + 5 = 11      (0,1): 2*2 + 0 + 5 + 6 = 15
    # (1,0): 2*4 + 0 + 7 + 8 = 23      (1,1): 2*5 + 0 + 8 + 9 = 27
    assert_exact(convolve2d(X3, K2), [[11, 15], [23, 27]])


def test_worked_example_through_conv2d_layer():
    # Same numbers through the layer API (N=1, C=1, F=1), with bias 1: 13+1, 17+1, ...
    x = np.array(X3).reshape(1, 1, 3, 3)
    w = np.array(K2).reshape(1, 1, 2, 2)
    assert_exact(conv2d(x, w, b=[1]), [[[[14, 18], [26, 30]]]])


def test_conv2d_two_channels_and_bias_by_hand():
    # Channel 0 is the worked example (13, 17, 25, 29). Channel 1 is all ones
    # with kernel [[1, 0], [0, 1]]: every window adds 1 + 1 = 2. Bias -1.
    # 13 + 2 - 1 = 14, 17 + 2 - 1 = 18, 25 + 2 - 1 = 26, 29 + 2 - 1 = 30.
    x = np.stack([np.array(X3), np.ones((3, 3))])[None]
    w = np.stack([np.array(K2), np.eye(2)])[None]
    assert_exact(conv2d(x, w, b=[-1.0]), [[[[14, 18], [26, 30]]]])


def test_worked_example_same_and_full():
    # 'same' (stride 1, 2x2 kernel): one extra row and column of zeros at the
    # bottom/right (the PyTorch and SciPy convention):
    #   1 2 3 0
    #   4 5 6 0        row 0: 13, 17, 3*1 + 0*1 + 6*0 + 0*2 = 3
    #   7 8 9 0        row 1: 25, 29, 6
    #   0 0 0 0        row 2: 7 + 8 = 15, 8 + 9 = 17, 9
    assert_exact(correlate2d(X3, K2, padding="same"), [[13, 17, 3], [25, 29, 6], [15, 17, 9]])
    # 'full': one zero on every side, out[i, j] = p[i, j] + p[i, j+1] + 2 p[i+1, j+1]
    #   row 0: 0+0+2*1=2, 0+0+2*2=4, 0+0+2*3=6, 0
    #   row 1: 0+1+2*4=9, 1+2+2*5=13, 2+3+2*6=17, 3+0+0=3
    #   row 2: 0+4+2*7=18, 4+5+2*8=25, 5+6+2*9=29, 6
    #   row 3: 0+7+0=7, 7+8=15, 8+9=17, 9
    assert_exact(
        correlate2d(X3, K2, padding="full"),
        [[2, 4, 6, 0], [9, 13, 17, 3], [18, 25, 29, 6], [7, 15, 17, 9]],
    )


def test_symmetric_kernel_gives_equal_results():
    # A kernel equal to its own 180-degree rotation: convolution == cross-correlation.
    # 1*1 + 2*2 + 3*1 + 4*2 + 5*4 + 6*2 + 7*1 + 8*2 + 9*1 = 80
    k = [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    assert_exact(correlate2d(X3, k), [[80]])
    assert_exact(convolve2d(X3, k), [[80]])


def test_convolution_commutes_cross_correlation_does_not():
    a, b = [[1, 2]], [[3, 4]]
    # full convolution of [1, 2] and [3, 4]: [1*3, 1*4 + 2*3, 2*4] = [3, 10, 8], either order.
    assert_exact(convolve2d(a, b, padding="full"), [[3, 10, 8]])
    assert_exact(convolve2d(b, a, padding="full"), [[3, 10, 8]])
    # full cross-correlation a * b: [a0*4, a0*3 + a1*4, a1*3] = [4, 11, 6]
    # and b * a:                    [b0*2, b0*1 + b1*2, b1*1] = [6, 11, 4]  (reversed, not equal)
    assert_exact(correlate2d(a, b, padding="full"), [[4, 11, 6]])
    assert_exact(correlate2d(b, a, padding="full"), [[6, 11, 4]])


def test_convolution_is_associative_by_hand():
    # (a * b) * c with a = [1, 1], b = [1, -1], c = [2, 1]:
    # a * b = [1, 0, -1];  [1, 0, -1] * [2, 1] = [2, 1, -2, -1]
    # b * c = [2, -1, -1]; [1, 1] * [2, -1, -1] = [2, 1, -2, -1]
    a, b, c = [[1, 1]], [[1, -1]], [[2, 1]]
    left = convolve2d(convolve2d(a, b, padding="full"), c, padding="full")
    right = convolve2d(a, convolve2d(b, c, padding="full"), padding="full")
    assert_exact(left, [[2, 1, -2, -1]])
    assert_exact(right, [[2, 1, -2, -1]])


# ---------------------------------------------------------------------------
# Chapter 3: padding, stride, dilation and output size
# ---------------------------------------------------------------------------


def test_alexnet_conv1_output_size():
    # (227 - 11) / 4 + 1 = 216 / 4 + 1 = 55
    assert output_size(227, 11, stride=4) == 55
    # (224 - 11) / 4 + 1 = 213 / 4 + 1 = 54.25 -> floored to 54
    assert output_size(224, 11, stride=4) == 54


def test_alexnet_conv1_parameter_counts():
    # Shared weights: 96 filters of 3*11*11 = 363 weights + 1 bias = 96 * 364
    assert conv_params(3, 96, 11) == 34944
    assert conv_params(3, 96, 11, bias=False) == 96 * 363 == 34848
    # Without sharing every one of the 55*55 = 3025 positions keeps its own 96 filters:
    # 3025 * 34944 = 105,705,600
    assert locally_connected_params((3, 227, 227), 96, 11, stride=4) == 105705600
    # Fully connected from the 227*227*3 = 154,587 pixels to the 55*55*96 = 290,400 outputs:
    # 290,400 * 154,588 = 44,892,355,200
    assert dense_params(227 * 227 * 3, 55 * 55 * 96) == 44892355200


def test_dense_params():
    # MNIST flattened to 784 inputs into 100 units: 100 * (784 + 1)
    assert dense_params(784, 100) == 78500
    assert dense_params(784, 100, bias=False) == 78400
    # AlexNet fc6: 6*6*256 = 9216 inputs, 4096 units: 4096 * 9217
    assert dense_params(9216, 4096) == 37752832


def test_lenet_conv_params():
    # C1: 6 filters of 1*5*5 + bias = 6 * 26 = 156; rectangular 3x5 kernel: 4 * (2*15 + 1) = 124
    assert conv_params(1, 6, 5) == 156
    assert conv_params(2, 4, (3, 5)) == 124
    # Unshared C1: 24*24 positions * 156 = 89,856
    assert locally_connected_params((1, 28, 28), 6, 5) == 89856


@pytest.mark.parametrize(
    "n, k, p, s, d, expected",
    [
        # floor((H + 2P - D(K - 1) - 1) / S) + 1, evaluated by hand
        (7, 3, 0, 1, 1, 5),  # (7 - 2 - 1)/1 + 1
        (7, 3, 0, 2, 1, 3),  # (7 - 2 - 1)/2 + 1 = 2 + 1
        (7, 3, 1, 2, 1, 4),  # (7 + 2 - 2 - 1)/2 + 1 = 3 + 1
        (7, 3, 0, 3, 1, 2),  # (7 - 3)/3 = 1.33 -> 1, + 1  (cs231n: "does not fit")
        (32, 5, 2, 1, 1, 32),  # (32 + 4 - 4 - 1) + 1
        (28, 5, 0, 1, 1, 24),  # LeNet C1
        (8, 2, 0, 2, 1, 4),  # (8 - 1 - 1)/2 + 1
        (4, 2, 0, 2, 1, 2),
        (5, 3, 0, 1, 2, 1),  # dilated 3-tap kernel spans 5: (5 - 4 - 1) + 1
        (7, 3, 0, 1, 2, 3),
        (10, 3, 1, 1, 2, 8),  # (10 + 2 - 4 - 1) + 1
        (9, 3, 0, 2, 3, 2),  # (9 - 6 - 1)/2 + 1 = 1 + 1
        (224, 7, 3, 2, 1, 112),  # ResNet stem: (224 + 6 - 6 - 1)/2 = 111.5 -> 111, + 1
        (112, 3, 1, 2, 1, 56),  # ResNet max pool: 111/2 = 55.5 -> 55, + 1
        (55, 3, 0, 2, 1, 27),  # AlexNet overlapping pool: (55 - 3)/2 + 1
        (13, 3, 1, 1, 1, 13),
        (1, 1, 0, 1, 1, 1),
        (1, 3, 1, 1, 1, 1),  # kernel larger than the input but not than the padded input
        (227, 11, 0, 4, 1, 55),
        (224, 11, 0, 4, 1, 54),
    ],
)
def test_output_size_formula_table(n, k, p, s, d, expected):
    assert output_size(n, k, padding=p, stride=s, dilation=d) == expected
    # and the formula written out, to make sure the table itself is right
    assert math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1 == expected


@pytest.mark.parametrize(
    "n, k, padding, d, expected",
    [
        (5, 3, "valid", 1, 3),
        (5, 3, "same", 1, 5),
        (5, 3, "full", 1, 7),  # 5 + 3 - 1
        (5, 4, "valid", 1, 2),
        (5, 4, "same", 1, 5),
        (5, 4, "full", 1, 8),  # 5 + 4 - 1
        (6, 4, "same", 1, 6),
        (7, 3, "same", 2, 7),
        (7, 3, "full", 2, 11),  # dilated span 5: 7 + 5 - 1
        (7, 3, "valid", 2, 3),  # 7 - 5 + 1
        (5, 2, (0, 1), 1, 5),  # one zero after only: (5 + 1 - 1 - 1) + 1
        (5, 3, (2, 0), 1, 5),
    ],
)
def test_named_padding_sizes(n, k, padding, d, expected):
    assert output_size(n, k, padding=padding, dilation=d) == expected


def test_conv2d_shapes_for_named_padding():
    x = np.zeros((2, 3, 8, 4))  # the (8 x 4) input of chapter 3
    w = np.zeros((5, 3, 2, 2))
    assert conv2d(x, w).shape == (2, 5, 7, 3)
    assert conv2d(x, w, stride=2).shape == (2, 5, 4, 2)
    assert conv2d(x, w, padding="same").shape == (2, 5, 8, 4)
    assert conv2d(x, w, padding="full").shape == (2, 5, 9, 5)
    assert conv2d(np.zeros((8, 3, 32, 32)), np.zeros((16, 3, 5, 5)), padding=2).shape == (8, 16, 32, 32)


def test_stride_example_by_hand():
    # x[r, c] = 5r + c + 1 (1..25); a 3x3 box sum is 9 times its centre value.
    # centres at (1,1), (1,3), (3,1), (3,3) are 7, 9, 17, 19 -> 63, 81, 153, 171
    x = np.arange(1, 26).reshape(5, 5)
    assert_exact(correlate2d(x, np.ones((3, 3)), stride=2), [[63, 81], [153, 171]])


def test_dilation_example_by_hand():
    # x[r, c] = 5r + c + 1; kernel [[1, 2], [3, 4]] with dilation 2 reads taps
    # (0,0), (0,2), (2,0), (2,2) of each 3x3 window:
    # out[i, j] = x[i,j] + 2 x[i,j+2] + 3 x[i+2,j] + 4 x[i+2,j+2]
    #           = (5i+j+1) + 2(5i+j+3) + 3(5i+j+11) + 4(5i+j+13) = 50i + 10j + 92
    x = np.arange(1, 26).reshape(5, 5)
    k = [[1, 2], [3, 4]]
    expected = [[92, 102, 112], [142, 152, 162], [192, 202, 212]]
    assert_exact(correlate2d(x, k, dilation=2), expected)
    assert_exact(conv2d(x[None, None], np.array(k)[None, None], dilation=2), [[expected]])
    # dilation 2 and stride 2: rows/cols 0 and 2 of the above
    assert_exact(correlate2d(x, k, dilation=2, stride=2), [[92, 112], [192, 212]])


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def test_max_and_avg_pool_2x2():
    x = [[[[1, 2], [3, 4]]]]
    assert_exact(max_pool2d(x, 2), [[[[4]]]])
    assert_exact(avg_pool2d(x, 2), [[[[2.5]]]])  # (1 + 2 + 3 + 4) / 4


def test_pool_cs231n_example():
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None]
    # max of each 2x2 block: max(1,1,5,6)=6, max(2,4,7,8)=8, max(3,2,1,2)=3, max(1,0,3,4)=4
    assert_exact(max_pool2d(x, 2), [[[[6, 8], [3, 4]]]])
    # means: 13/4 = 3.25, 21/4 = 5.25, 8/4 = 2, 8/4 = 2
    assert_exact(avg_pool2d(x, 2), [[[[3.25, 5.25], [2, 2]]]])
    # overlapping 3x3 windows with stride 1: max over rows 0-2 and 1-3
    # (0,0): max(1,1,2,5,6,7,3,2,1) = 7; (0,1): max(1,2,4,6,7,8,2,1,0) = 8
    # (1,0): max(5,6,7,3,2,1,1,2,3) = 7; (1,1): max(6,7,8,2,1,0,2,3,4) = 8
    assert_exact(max_pool2d(x, 3, stride=1), [[[[7, 8], [7, 8]]]])


def test_pool_padding_by_hand():
    x = np.array([[1, 2], [3, 4]])[None, None]
    # 2x2 windows, stride 2, one padded cell per side: each window holds one real value.
    # max ignores the padding; the mean counts the three padded zeros: v / 4.
    assert_exact(max_pool2d(x, 2, padding=1), [[[[1, 2], [3, 4]]]])
    assert_exact(avg_pool2d(x, 2, padding=1), [[[[0.25, 0.5], [0.75, 1.0]]]])
    # max with negative inputs: padding must never win
    assert_exact(max_pool2d(-x, 2, padding=1), [[[[-1, -2], [-3, -4]]]])


def test_pooling_keeps_channels():
    x = np.zeros((2, 5, 6, 6))
    assert max_pool2d(x, 2).shape == (2, 5, 3, 3)
    assert avg_pool2d(x, 3, stride=2).shape == (2, 5, 2, 2)  # (6 - 3)/2 + 1 = 2.5 -> 2


def test_global_avg_pool2d():
    assert_exact(global_avg_pool2d([[[[1, 2], [3, 4]]]]), [[2.5]])
    # Channel k of arange(96).reshape(2, 3, 4, 4) holds 16k .. 16k + 15: mean 16k + 7.5
    x = np.arange(96).reshape(2, 3, 4, 4)
    expected = [[7.5, 23.5, 39.5], [55.5, 71.5, 87.5]]
    assert_exact(global_avg_pool2d(x), expected)
    assert_exact(global_avg_pool2d(x, keepdims=True), np.array(expected)[:, :, None, None])
