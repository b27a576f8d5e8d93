"""Translation equivariance and invariance, measured (chapter 7).

Pure functions behind chapter 7's experiments, its widget and its animations:

* :func:`stripes` – a fine stripe pattern, the simplest image that aliases;
* :func:`edge_image` – a smooth straight edge at a given angle (for the
  rotation experiment with a fixed Sobel filter);
* :func:`rotate_images`, :func:`scale_images` – deterministic rotation and
  scaling of a batch of images about their centre (``scipy.ndimage``, linear
  interpolation, zeros outside), for the rotated and scaled digits;
* :func:`ring_shifts`, :func:`consistency` – Zhang's (2019) classifier
  consistency: how often the predicted class stays the same when the input is
  shifted;
* :func:`equivariance_panels` – what the chapter's widget draws: a layer applied
  to a shifted input beside the shifted output, their difference and the error.

Shifts follow :func:`cnnlib.shift.shift`: ``(dy, dx)`` moves the content ``dy``
rows down and ``dx`` columns right.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from ._checks import (SHIFT_MODES, as_float_array, as_int, as_offset, as_offsets, as_positive_float, as_real,
                      as_spatial_array, check_choice, check_nonzero, check_predictions, check_same_shape)

LAYERS = ("conv stride 1", "conv stride 2", "max pool 2x2", "avg pool 2x2", "blur pool", "max blur pool")
PADDING_MODES = ("circular", "zeros")


def stripes(height: int, width: int, stripe_width: int = 1) -> np.ndarray:
    """Vertical stripes: columns alternate between 1 and 0, ``stripe_width`` columns each.

    Parameters
    ----------
    height, width : int
        Shape of the image.
    stripe_width : int
        Columns per stripe; the pattern's period is ``2 * stripe_width``.

    Returns
    -------
    ndarray, shape (height, width), float64
        Column ``j`` is 1 where ``(j // stripe_width)`` is even, else 0.

    Examples
    --------
    >>> stripes(2, 6)
    array([[1., 0., 1., 0., 1., 0.],
           [1., 0., 1., 0., 1., 0.]])
    >>> stripes(1, 6, stripe_width=2)
    array([[1., 1., 0., 0., 1., 1.]])
    """
    where = "stripes"
    height = as_int(height, "height", where, 1)
    width = as_int(width, "width", where, 1)
    stripe_width = as_int(stripe_width, "stripe_width", where, 1)
    row = ((np.arange(width) // stripe_width) % 2 == 0).astype(np.float64)
    return np.repeat(row[None, :], height, axis=0)


def edge_image(size: int, angle: float, softness: float = 1.0) -> np.ndarray:
    """A smooth straight edge through the image centre, its normal at ``angle`` degrees.

    The value at pixel (i, j) is ``0.5 * (1 + tanh(d / softness))`` with
    ``d = (j - c) cos(angle) - (i - c) sin(angle)`` the signed distance of the
    pixel from the edge and ``c = (size - 1) / 2``. At angle 0 the edge is
    vertical (dark on the left, bright on the right); positive angles turn the
    normal counter-clockwise (rows grow downwards).

    Parameters
    ----------
    size : int
        The image is ``size`` × ``size``.
    angle : float
        Direction of the edge's normal, in degrees.
    softness : float
        Width of the transition in pixels (> 0).

    Returns
    -------
    ndarray, shape (size, size), float64, values in (0, 1)

    Examples
    --------
    >>> e = edge_image(5, 0)
    >>> bool(e[2, 0] < 0.02 and e[2, 4] > 0.98), float(e[2, 2])
    (True, 0.5)
    >>> bool(np.allclose(edge_image(5, 90), edge_image(5, 0).T[::-1]))
    True
    """
    where = "edge_image"
    size = as_int(size, "size", where, 1)
    angle = as_real(angle, "angle", where)
    softness = as_positive_float(softness, "softness", where)
    c = (size - 1) / 2
    i, j = np.mgrid[0:size, 0:size].astype(np.float64)
    t = np.deg2rad(angle)
    d = (j - c) * np.cos(t) - (i - c) * np.sin(t)
    return 0.5 * (1 + np.tanh(d / softness))


def _batch(x, where: str) -> Tuple[np.ndarray, Tuple[int, ...]]:
    arr = as_spatial_array(x, "x", where)
    lead = arr.shape[:-2]
    return arr.reshape((-1,) + arr.shape[-2:]), lead


def rotate_images(x, angle: float) -> np.ndarray:
    """Each image of ``x`` rotated by ``angle`` degrees about its centre, same shape.

    ``scipy.ndimage.rotate`` over the last two axes with ``reshape=False``,
    linear interpolation (``order=1``) and zeros outside the image: the
    corners that leave the frame are cut, and new corners are black.
    Positive angles rotate counter-clockwise as the image is displayed.

    Parameters
    ----------
    x : array, shape (..., H, W)
    angle : float
        Degrees.

    Returns
    -------
    ndarray, shape of ``x``, float

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> bool(np.allclose(rotate_images(x, 90), np.rot90(x)))
    True
    >>> bool(np.array_equal(rotate_images(x, 0), x))
    True
    """
    from scipy import ndimage

    where = "rotate_images"
    angle = as_real(angle, "angle", where)
    flat, lead = _batch(x, where)
    out = np.stack([ndimage.rotate(im, float(angle), reshape=False, order=1, mode="constant", cval=0.0)
                    for im in flat])
    return out.reshape(lead + flat.shape[-2:])


def scale_images(x, factor: float) -> np.ndarray:
    """Each image of ``x`` scaled by ``factor`` about its centre, same shape.

    Output pixel (i, j) takes the input at ``c + ((i, j) - c) / factor``
    (``c`` the centre), by linear interpolation (``scipy.ndimage.affine_transform``,
    ``order=1``), zeros outside: ``factor`` 1.2 makes the content 20 % larger
    (and cuts its border), 0.8 makes it 20 % smaller.

    Parameters
    ----------
    x : array, shape (..., H, W)
    factor : float
        > 0.

    Returns
    -------
    ndarray, shape of ``x``, float

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> bool(np.allclose(scale_images(x, 1.0), x))
    True
    >>> big = scale_images(np.pad(np.ones((2, 2)), 2), 2.0)   # a 2x2 square grows to about 4x4
    >>> int((big > 0.5).sum())
    16
    """
    from scipy import ndimage

    where = "scale_images"
    factor = as_positive_float(factor, "factor", where)
    flat, lead = _batch(x, where)
    h, w = flat.shape[-2:]
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    matrix = np.eye(2) / factor
    offset = centre - matrix @ centre
    out = np.stack([ndimage.affine_transform(im, matrix, offset=offset, order=1, mode="constant", cval=0.0)
                    for im in flat])
    return out.reshape(lead + flat.shape[-2:])


def ring_shifts(r_min: int, r_max: int) -> List[Tuple[int, int]]:
    """All shifts (dy, dx) with ``r_min <= max(|dy|, |dx|) <= r_max``, in reading order.

    ``ring_shifts(1, 1)`` are the 8 one-pixel moves (the 4 axial and 4
    diagonal neighbours).

    Examples
    --------
    >>> ring_shifts(1, 1)
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    >>> len(ring_shifts(1, 3))
    48
    """
    where = "ring_shifts"
    r_min = as_int(r_min, "r_min", where, 0)
    r_max = as_int(r_max, "r_max", where, r_min)
    return [(dy, dx) for dy in range(-r_max, r_max + 1) for dx in range(-r_max, r_max + 1)
            if r_min <= max(abs(dy), abs(dx)) <= r_max]


def consistency(predict: Callable[[np.ndarray], np.ndarray], x, shifts: Sequence[Tuple[int, int]],
                mode: str = "zeros") -> float:
    """Fraction of (image, shift) pairs whose predicted class does not change under the shift.

    For each image ``x[n]`` and each shift ``s`` of ``shifts``, compare
    ``predict(shift(x, s))[n]`` with ``predict(x)[n]``; return the fraction of
    equal pairs. Zhang (2019) compares two random shifts of the same image;
    comparing with the unshifted image, over a fixed list of shifts, is the
    deterministic version of the same idea.

    Parameters
    ----------
    predict : callable
        Maps images (N, C, H, W) to class labels (N,).
    x : array, shape (N, C, H, W)
    shifts : sequence of (dy, dx)
    mode : {"zeros", "circular"}
        How :func:`cnnlib.shift.shift` fills what comes in.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> x = np.zeros((2, 1, 4, 4)); x[0, 0, 1, 1] = 1; x[1, 0, 2, 3] = 1
    >>> left_half = lambda v: (v[:, 0, :, :2].sum(axis=(1, 2)) > 0).astype(int)
    >>> consistency(left_half, x, [(0, 1)])   # image 0's dot moves to column 2
    0.5
    """
    from .shift import shift

    where = "consistency"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    mode = check_choice(mode, "mode", SHIFT_MODES, where)
    shifts = as_offsets(shifts, where)
    n = x.shape[0]
    base = check_predictions(predict(x), n, where, f"x of shape {x.shape}")
    same = [check_predictions(predict(shift(x, s, mode=mode)), n, where, f"the shift {s}") == base for s in shifts]
    return float(np.mean(same))


def relative_change(reference, other) -> float:
    """``||other - reference|| / ||reference||`` (Frobenius norms over all axes).

    Examples
    --------
    >>> relative_change([3.0, 4.0], [3.0, 4.0])
    0.0
    >>> relative_change([3.0, 4.0], [0.0, 4.0])   # ||(-3, 0)|| / ||(3, 4)||
    0.6
    """
    where = "relative_change"
    ref = np.asarray(reference)
    a = as_float_array(ref, "reference", max(ref.ndim, 1), where)
    oth = np.asarray(other)
    b = as_float_array(oth, "other", max(oth.ndim, 1), where)
    check_same_shape(a, b, ("reference", "other"), where)
    norm = float(np.linalg.norm(a))
    check_nonzero(norm, "reference", a.shape, where)
    return float(np.linalg.norm(b - a) / norm)


def aligned_relative_change(reference, moved, max_shift: int = 2, mode: str = "circular") -> Tuple[float, Tuple[int, int]]:
    """How far ``moved`` is from being a shift of ``reference``: the best re-alignment and what is left.

    Tries every output shift ``t = (ty, tx)`` with ``|ty|, |tx| <= max_shift``
    and returns the smallest :func:`relative_change` between
    ``shift(reference, t, mode)`` and ``moved``, with the ``t`` that attains
    it (the first one in reading order on ties). For an equivariant layer and
    a small input shift ``s`` the answer is ``(0, s)`` up to rounding; for a
    layer that subsamples by 2, a one-pixel input shift would be a half-pixel
    output shift, which no integer ``t`` gives: what is left is the aliasing.

    Parameters
    ----------
    reference, moved : arrays of the same shape (..., H, W)
        ``f(x)`` and ``f(shift(x))``.
    max_shift : int
        The largest re-alignment tried on each axis (>= 0).
    mode : {"circular", "zeros"}
        How :func:`cnnlib.shift.shift` moves ``reference``.

    Returns
    -------
    (float, (int, int))

    Examples
    --------
    >>> a = np.arange(16.0).reshape(4, 4)
    >>> aligned_relative_change(a, np.roll(a, (1, -1), axis=(0, 1)))
    (0.0, (1, -1))
    >>> err, t = aligned_relative_change(a, a[::-1])   # a flip is no shift
    >>> bool(err > 0.1)
    True
    """
    from .shift import shift

    where = "aligned_relative_change"
    ref = as_spatial_array(reference, "reference", where)
    mov = as_spatial_array(moved, "moved", where)
    check_same_shape(ref, mov, ("reference", "moved"), where)
    max_shift = as_int(max_shift, "max_shift", where, 0)
    mode = check_choice(mode, "mode", SHIFT_MODES, where)
    norm = float(np.linalg.norm(ref))
    check_nonzero(norm, "reference", ref.shape, where)
    best = (np.inf, (0, 0))
    for t in ring_shifts(0, max_shift):
        err = float(np.linalg.norm(mov - shift(ref, t, mode=mode)) / norm)
        if err < best[0]:
            best = (err, t)
    return best


SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def apply_layer(layer: str, x, w=None, padding_mode: str = "circular") -> np.ndarray:
    """One of the chapter's single-channel layers applied to a 2-D image.

    ``"conv stride 1"`` / ``"conv stride 2"``: :func:`cnnlib.conv2d` with
    kernel ``w`` (Sobel-x by default), padding ``k // 2`` in ``padding_mode``;
    ``"max pool 2x2"`` / ``"avg pool 2x2"``: window 2, stride 2, no padding;
    ``"blur pool"``: :func:`cnnlib.pooling.blur2d` (binomial 3×3, stride 2),
    Zhang's (2019) blur-then-subsample; ``"max blur pool"``:
    :func:`cnnlib.pooling.max_blur_pool2d` (max with stride 1, then blur with
    stride 2). The blur pads in ``padding_mode`` ("zeros" is read as reflect,
    Zhang's choice, as the blur cannot pad with zeros without darkening
    the border).

    Parameters
    ----------
    layer : one of :data:`LAYERS`
    x : array, shape (H, W)
    w : array (k, k), optional
    padding_mode : {"circular", "zeros"}

    Returns
    -------
    ndarray, 2-D

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> apply_layer("max pool 2x2", x)
    array([[ 5.,  7.],
           [13., 15.]])
    >>> apply_layer("conv stride 2", x, w=np.ones((1, 1))).tolist()
    [[0.0, 2.0], [8.0, 10.0]]
    """
    where = "apply_layer"
    layer = check_choice(layer, "layer", LAYERS, where)
    x = as_float_array(x, "x", 2, where, "(H, W)")
    padding_mode = check_choice(padding_mode, "padding_mode", PADDING_MODES, where)
    w = SOBEL_X if w is None else as_float_array(w, "w", 2, where, "(k, k)")
    return _apply(layer, x, w, padding_mode)


def _apply(layer: str, x: np.ndarray, w: np.ndarray, padding_mode: str) -> np.ndarray:
    from .conv import conv2d
    from .pooling import avg_pool2d, max_pool2d

    x4 = x[None, None]
    if layer.startswith("conv"):
        p = (w.shape[0] // 2, w.shape[1] // 2)
        s = 1 if layer == "conv stride 1" else 2
        return conv2d(x4, w[None, None], stride=s, padding=p, padding_mode=padding_mode)[0, 0]
    if layer == "max pool 2x2":
        return max_pool2d(x4, 2)[0, 0]
    if layer == "avg pool 2x2":
        return avg_pool2d(x4, 2)[0, 0]
    from .pooling import blur2d, max_blur_pool2d

    blur_mode = "circular" if padding_mode == "circular" else "reflect"
    if layer == "blur pool":
        return blur2d(x4, stride=2, filter_size=3, padding_mode=blur_mode)[0, 0]
    return max_blur_pool2d(x4, 2, stride=2, filter_size=3, padding_mode=blur_mode)[0, 0]


def equivariance_panels(x, shift_by=(0, 1), padding_mode: str = "circular", layer: str = "conv stride 1",
                        w=None) -> Dict[str, object]:
    """A layer f on a shifted input, beside the shifted output: the data of chapter 7's widget.

    Computes ``f(shift(x))`` and ``f(x)``, and re-aligns ``f(x)`` by the
    output shift that fits best (:func:`aligned_relative_change`, up to 2
    output pixels; for a stride-1 layer and a small shift that is the input
    shift itself). The input is shifted circularly when ``padding_mode`` is
    "circular", with zeros coming in when it is "zeros".

    Parameters
    ----------
    x : array, shape (H, W)
    shift_by : (dy, dx)
    padding_mode : {"circular", "zeros"}
        Padding of the convolutions (pooling has none) and mode of the shift.
    layer : one of :data:`LAYERS`
    w : array (k, k), optional
        The convolution kernel; Sobel-x by default.

    Returns
    -------
    dict
        ``input`` (the shifted input), ``f_shifted`` = f(shift(x)),
        ``shifted_f`` = f(x) moved by ``best_shift``, ``difference`` =
        ``f_shifted - shifted_f``, ``error`` (its norm relative to
        ``||f(x)||``) and ``best_shift``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(8, 8))
    >>> p = equivariance_panels(x, (1, 2), "circular", "conv stride 1")
    >>> p["best_shift"], bool(p["error"] < 1e-12)
    ((1, 2), True)
    >>> q = equivariance_panels(x, (0, 1), "circular", "conv stride 2")
    >>> bool(q["error"] > 0.1)
    True
    """
    from .shift import shift

    where = "equivariance_panels"
    x = as_float_array(x, "x", 2, where, "(H, W)")
    dy, dx = as_offset(shift_by, where, "shift_by")
    padding_mode = check_choice(padding_mode, "padding_mode", PADDING_MODES, where)
    layer = check_choice(layer, "layer", LAYERS, where)
    w = SOBEL_X if w is None else as_float_array(w, "w", 2, where, "(k, k)")
    moved = shift(x, (dy, dx), mode=padding_mode)
    f_x = _apply(layer, x, w, padding_mode)
    f_moved = _apply(layer, moved, w, padding_mode)
    error, best = aligned_relative_change(f_x, f_moved, max_shift=2, mode=padding_mode)
    shifted_f = shift(f_x, best, mode=padding_mode)
    return {"input": moved, "f_shifted": f_moved, "shifted_f": shifted_f,
            "difference": f_moved - shifted_f, "error": float(error), "best_shift": best}


__all__ = ["LAYERS", "PADDING_MODES", "SOBEL_X", "stripes", "edge_image", "rotate_images", "scale_images",
           "ring_shifts", "consistency", "relative_change", "aligned_relative_change", "apply_layer",
           "equivariance_panels"]
