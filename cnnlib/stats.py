"""Image statistics behind the assumptions of a CNN: locality (국소성) and stationarity (정상성).

Pure NumPy on grey-scale images; no plotting.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._checks import as_float_array, as_int

AXES = ("horizontal", "vertical", "both")


def _pairs(x: np.ndarray, d: int, axis: str):
    if axis == "horizontal":
        return x[:, :-d].ravel(), x[:, d:].ravel()
    if axis == "vertical":
        return x[:-d, :].ravel(), x[d:, :].ravel()
    a1, b1 = _pairs(x, d, "horizontal")
    a2, b2 = _pairs(x, d, "vertical")
    return np.concatenate([a1, a2]), np.concatenate([b1, b2])


def correlation_by_distance(image, distances: Sequence[int], axis: str = "both") -> np.ndarray:
    """Pearson correlation between the values of pixel pairs ``d`` pixels apart.

    For each distance ``d`` every pair ``(x[i, j], x[i, j + d])`` (horizontal),
    ``(x[i, j], x[i + d, j])`` (vertical) or both kinds together is collected,
    and the correlation coefficient of the two members of the pairs is
    returned. If nearby pixels depend on each other (locality), it starts near
    1 and falls with ``d``.

    Parameters
    ----------
    image : array_like (H, W)
        A grey-scale image (integers are promoted to float).
    distances : sequence of int
        Each at least 1 and smaller than the image along the axes used.
    axis : {'horizontal', 'vertical', 'both'}

    Returns
    -------
    ndarray of float64, shape (len(distances),)

    Examples
    --------
    >>> board = (-1.0) ** np.add.outer(np.arange(6), np.arange(6))   # a checkerboard
    >>> correlation_by_distance(board, [1, 2, 3]).round(3)
    array([-1.,  1., -1.])
    """
    where = "correlation_by_distance"
    x = as_float_array(image, "image", 2, where, "(H, W)").astype(np.float64)
    if axis not in AXES:
        raise ValueError(f"{where}: axis must be one of {AXES}, got {axis!r}")
    if isinstance(distances, (int, np.integer)) or not hasattr(distances, "__len__"):
        raise TypeError(f"{where}: distances must be a sequence of ints, got {type(distances).__name__}")
    limit = {"horizontal": x.shape[1], "vertical": x.shape[0], "both": min(x.shape)}[axis]
    ds = [as_int(d, f"distances[{i}]", where, 1) for i, d in enumerate(distances)]
    too_far = [d for d in ds if d >= limit]
    if too_far:
        raise ValueError(f"{where}: distances {too_far} do not fit an image of shape {x.shape} along axis={axis!r}")
    out = np.empty(len(ds))
    for n, d in enumerate(ds):
        a, b = _pairs(x, d, axis)
        a = a - a.mean()
        b = b - b.mean()
        denom = np.sqrt(np.dot(a, a) * np.dot(b, b))
        out[n] = np.dot(a, b) / denom if denom > 0 else np.nan
    return out


__all__ = ["correlation_by_distance"]
