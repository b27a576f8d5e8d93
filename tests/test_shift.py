"""cnnlib.shift (issue 15, chapter 7): shifts by whole pixels, against np.roll and a slicing reference.

The references: ``np.roll`` over the last two axes for ``'circular'``, and for
``'zeros'`` a pixel-by-pixel loop written here (out[i, j] = x[i - dy, j - dx]
when that pixel exists, else 0), which shares no code with the library's
slices. A shift only copies numbers, so every comparison is exact.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnlib
from cnnlib.shift import shift, shift_backward

CNNLIB = Path(cnnlib.__file__).parent


def zeros_reference(x, dy, dx):
    """out[..., i, j] = x[..., i - dy, j - dx] where that index is inside the image, else 0 (a loop)."""
    h, w = x.shape[-2:]
    out = np.zeros_like(x)
    for i in range(h):
        for j in range(w):
            si, sj = i - dy, j - dx
            if 0 <= si < h and 0 <= sj < w:
                out[..., i, j] = x[..., si, sj]
    return out


@st.composite
def arrays_and_offsets(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    dy, dx = draw(st.integers(-10, 10)), draw(st.integers(-10, 10))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.uint8]))
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).integers(-50, 200, size=tuple(lead) + (h, w)).astype(dtype)
    return x, (dy, dx)


@given(case=arrays_and_offsets())
def test_circular_is_np_roll(case):
    x, offset = case
    got = shift(x, offset)
    want = np.roll(x, offset, axis=(-2, -1))
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(shift(x, offset, mode="circular"), want)


@given(case=arrays_and_offsets())
def test_zeros_matches_the_loop_reference(case):
    x, (dy, dx) = case
    got = shift(x, (dy, dx), mode="zeros")
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, zeros_reference(x, dy, dx))


@given(case=arrays_and_offsets())
def test_backward_is_the_adjoint_exactly(case):
    # Integer-valued arrays in float64: every product and sum below is exact, so == holds.
    x, offset = case
    x = x.astype(np.float64)
    y = np.random.default_rng(int(x.sum()) % 2**32).integers(-9, 10, size=x.shape).astype(np.float64)
    for mode in ("circular", "zeros"):
        lhs = float(np.sum(shift(x, offset, mode) * y))
        rhs = float(np.sum(x * shift_backward(y, offset, mode)))
        assert lhs == rhs, (mode, lhs, rhs)


@given(case=arrays_and_offsets(), other=st.tuples(st.integers(-10, 10), st.integers(-10, 10)))
def test_circular_shifts_compose(case, other):
    x, (dy, dx) = case
    a, b = other
    np.testing.assert_array_equal(shift(shift(x, (dy, dx)), (a, b)), shift(x, (dy + a, dx + b)))
    # ... and shifting back undoes a circular shift (not a zero-filled one: content is lost)
    np.testing.assert_array_equal(shift_backward(shift(x, (dy, dx)), (dy, dx)), x)


def test_zero_shifts_compose_only_while_nothing_is_lost():
    x = np.arange(1, 26).reshape(5, 5)
    # same direction: what (1, 0) pushes out, (2, 0) would have pushed out as well
    np.testing.assert_array_equal(shift(shift(x, (1, 0), "zeros"), (2, 0), "zeros"), shift(x, (3, 0), "zeros"))
    # there and back: the last row is gone
    back = shift(shift(x, (1, 0), "zeros"), (-1, 0), "zeros")
    assert back[-1].tolist() == [0, 0, 0, 0, 0] and np.array_equal(back[:-1], x[:-1])


def test_hand_examples_3x3():
    x = np.array([[1, 2, 3],
                  [4, 5, 6],
                  [7, 8, 9]])
    assert shift(x, (0, 1)).tolist() == [[3, 1, 2],
                                         [6, 4, 5],
                                         [9, 7, 8]]
    assert shift(x, (-1, 0)).tolist() == [[4, 5, 6],
                                          [7, 8, 9],
                                          [1, 2, 3]]
    assert shift(x, (1, 1), "zeros").tolist() == [[0, 0, 0],
                                                  [0, 1, 2],
                                                  [0, 4, 5]]
    assert shift(x, (-2, 1), "zeros").tolist() == [[0, 7, 8],
                                                   [0, 0, 0],
                                                   [0, 0, 0]]
    assert shift(x, (3, 0), "zeros").tolist() == [[0] * 3] * 3       # |dy| >= H: nothing left
    assert shift(x, (0, -7), "zeros").tolist() == [[0] * 3] * 3
    assert shift(x, (4, -2)).tolist() == shift(x, (1, 1)).tolist()   # circular: modulo H and W
    assert shift_backward(x, (1, 1), "zeros").tolist() == [[5, 6, 0],
                                                           [8, 9, 0],
                                                           [0, 0, 0]]


def test_leading_axes_are_untouched_and_the_result_is_new():
    x = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    for mode in ("circular", "zeros"):
        y = shift(x, (1, 2), mode)
        assert y is not x and not np.shares_memory(y, x)
        for n in range(2):
            for c in range(3):
                np.testing.assert_array_equal(y[n, c], shift(x[n, c], (1, 2), mode))
        y[...] = -1
        assert x.min() == 0                      # x is unchanged
    np.testing.assert_array_equal(shift(x, (0, 0), "zeros"), x)
    assert not np.shares_memory(shift(x, (0, 0)), x)


def test_offset_may_be_numpy_ints_or_an_array():
    x = np.arange(9.0).reshape(3, 3)
    want = np.roll(x, (1, -1), axis=(0, 1))
    np.testing.assert_array_equal(shift(x, (np.int64(1), np.int32(-1))), want)
    np.testing.assert_array_equal(shift(x, np.array([1, -1])), want)
    np.testing.assert_array_equal(shift(x, [1, -1]), want)


@pytest.mark.parametrize("call, error, words", [
    (lambda: shift(np.ones((3, 3)), 1), ValueError, ["offset", "pair", "x.shape=(3, 3)"]),
    (lambda: shift(np.ones((3, 3)), (1, 2, 3)), ValueError, ["offset", "pair", "(1, 2, 3)", "x.shape=(3, 3)"]),
    (lambda: shift(np.ones((3, 3)), (True, 0)), TypeError, ["offset[0]", "bool", "x.shape=(3, 3)"]),
    (lambda: shift(np.ones((2, 3, 3)), (0, np.bool_(False))), TypeError, ["offset[1]", "x.shape=(2, 3, 3)"]),
    (lambda: shift(np.ones((3, 3)), (1.0, 0)), TypeError, ["offset[0]", "float"]),
    (lambda: shift(np.ones((3, 3)), (1, 0), mode="wrap"), ValueError, ["mode", "'circular'", "'wrap'"]),
    (lambda: shift(np.ones((3, 3)), (1, 0), mode="reflect"), ValueError, ["mode", "'zeros'"]),
    (lambda: shift(np.ones(4), (1, 0)), ValueError, ["x", "2 dimensions", "(4,)"]),
    (lambda: shift(np.float64(3.0), (1, 0)), ValueError, ["x", "2 dimensions", "()"]),
    (lambda: shift(np.ones((0, 3)), (1, 0)), ValueError, ["x", "empty", "(0, 3)"]),
    (lambda: shift("abc", (1, 0)), TypeError, ["x"]),
    (lambda: shift(np.ones((2, 2), complex), (1, 0)), TypeError, ["x", "complex"]),
    (lambda: shift_backward(np.ones(5), (1, 0)), ValueError, ["shift_backward", "dout", "(5,)"]),
    (lambda: shift_backward(np.ones((2, 2)), (1,), "zeros"), ValueError, ["shift_backward", "offset", "dout.shape=(2, 2)"]),
])
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error) as err:
        call()
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_checks_live_in_checks_and_names_are_exported():
    source = (CNNLIB / "shift.py").read_text()
    assert not re.search(r"\braise\b", source)
    assert {"shift", "shift_backward"} <= set(cnnlib.__all__)
    assert cnnlib.shift is shift and cnnlib.shift_backward is shift_backward   # the function, not the module
