"""Shifting (평행 이동) an image by whole pixels, and the adjoint of that shift.

:func:`shift` moves the content of the last two axes of an array by
``(dy, dx)`` pixels: positive ``dy`` moves it down, positive ``dx`` to the
right, as :func:`numpy.roll` does. Two ways to treat what is pushed over the
edge:

``'circular'``
    it comes back in on the other side (the image lives on a torus):
    exactly ``np.roll(x, (dy, dx), axis=(-2, -1))``. Shifting by ``H`` rows
    is no shift at all.
``'zeros'``
    it is lost, and the pixels it leaves empty are 0. A shift by ``H`` rows
    or more leaves nothing but zeros.

Both are linear maps that only copy numbers, so the result is exact (no
rounding) and has the input's dtype. :func:`shift_backward` is the adjoint
(the backward pass): ``<shift(x, t, m), y> == <x, shift_backward(y, t, m)>``.
A circular shift is undone by shifting back, a zero-filled one is not: the
lost content is gone (``shift_backward`` puts zeros in its place).

``cnnlib.shift`` (the package attribute) is the function :func:`shift`, not
this module: write ``from cnnlib.shift import shift, shift_backward`` or
``cnnlib.shift(x, (dy, dx))``; ``import cnnlib.shift as m`` gives the function too.
"""

from __future__ import annotations

import numpy as np

from ._checks import SHIFT_MODES, as_offset, as_spatial_array, check_choice


def _axis_slices(n: int, d: int):
    """For a zero-filled shift by ``d`` on an axis of length ``n``: (source slice, target slice) or None."""
    if abs(d) >= n:
        return None                                   # everything moves out
    if d >= 0:
        return slice(0, n - d), slice(d, n)
    return slice(-d, n), slice(0, n + d)


def _shift(x: np.ndarray, offset, mode: str) -> np.ndarray:
    """shift without the checks."""
    dy, dx = offset
    if mode == "circular":
        return np.roll(x, (dy, dx), axis=(-2, -1))
    out = np.zeros_like(x)
    rows, cols = _axis_slices(x.shape[-2], dy), _axis_slices(x.shape[-1], dx)
    if rows is not None and cols is not None:
        out[..., rows[1], cols[1]] = x[..., rows[0], cols[0]]
    return out


def _setup(where: str, x, offset, mode, name="x"):
    x = as_spatial_array(x, name, where, promote=False)
    offset = as_offset(offset, where, shapes=f"{name}.shape={x.shape}")
    mode = check_choice(mode, "mode", SHIFT_MODES, where)
    return x, offset, mode


def shift(x, offset, mode="circular") -> np.ndarray:
    """Move the content of the last two axes of ``x`` by ``offset = (dy, dx)`` whole pixels.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Any number of leading axes, e.g. (N, C, H, W); any real dtype (kept).
    offset : (int, int)
        ``(dy, dx)``: rows down and columns to the right (negative: up, left),
        as in :func:`numpy.roll`. Any size: in ``'circular'`` mode it wraps
        (``dy`` and ``dy + H`` are the same shift), in ``'zeros'`` mode
        ``|dy| >= H`` or ``|dx| >= W`` gives all zeros.
    mode : {'circular', 'zeros'}
        ``'circular'``: what leaves on one side comes back on the other
        (``np.roll``). ``'zeros'``: what leaves is lost, vacated pixels are 0.

    Returns
    -------
    ndarray, shape (..., H, W)
        A new array of ``x``'s dtype; ``out[..., i, j] = x[..., i - dy, j - dx]``
        (indices modulo H and W for ``'circular'``; 0 where ``i - dy`` or
        ``j - dx`` is outside the image for ``'zeros'``). Exact: only copies.

    See Also
    --------
    shift_backward : its adjoint.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(3, 3)
    >>> shift(x, (1, 0))                       # one row down, the last row wraps to the top
    array([[7, 8, 9],
           [1, 2, 3],
           [4, 5, 6]])
    >>> shift(x, (1, -1), mode="zeros")        # down and to the left, zeros come in
    array([[0, 0, 0],
           [2, 3, 0],
           [5, 6, 0]])
    >>> bool(np.array_equal(shift(x, (3, 3)), x))    # a whole turn of the torus
    True
    """
    x, offset, mode = _setup("shift", x, offset, mode)
    return _shift(x, offset, mode)


def shift_backward(dout, offset, mode="circular") -> np.ndarray:
    """The adjoint of :func:`shift`: the gradient with respect to the unshifted array.

    Pixel ``(i, j)`` of ``shift(x, (dy, dx), mode)`` is ``x[i - dy, j - dx]``
    (or 0), so the gradient of ``x[r, c]`` is ``dout[r + dy, c + dx]`` (or 0
    where that is outside the image): a shift by ``(-dy, -dx)`` in the same
    mode. Hence ``<shift(x, t, m), y> == <x, shift_backward(y, t, m)>``.

    Parameters
    ----------
    dout : array_like, shape (..., H, W)
        Gradient with respect to ``shift(x, offset, mode)``.
    offset, mode
        As given to :func:`shift`.

    Returns
    -------
    ndarray, shape (..., H, W), ``dout``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.arange(1, 10).reshape(3, 3)
    >>> shift_backward(g, (1, -1), mode="zeros")   # the pixels that fell off get no gradient
    array([[0, 4, 5],
           [0, 7, 8],
           [0, 0, 0]])
    """
    dout, (dy, dx), mode = _setup("shift_backward", dout, offset, mode, "dout")
    return _shift(dout, (-dy, -dx), mode)


__all__ = ["shift", "shift_backward"]
