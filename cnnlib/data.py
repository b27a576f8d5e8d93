"""Data: the handwritten digits that ship with scikit-learn, and seeded mini-batches.

scikit-learn's digits are 1,797 grey images of 8x8 pixels with values 0 to 16
(the UCI "optical recognition of handwritten digits" test set), about 180 per
class 0-9. They are installed with scikit-learn, so nothing is downloaded.
:func:`load_digits` returns them channels-first, (N, 1, 8, 8), scaled to
[0, 1], split once into a training and a test set by a fixed, stratified
split (every class in the same proportion in both). :func:`batches` cuts a
data set into shuffled mini-batches from a seeded NumPy ``Generator``.

scikit-learn is imported inside :func:`load_digits` only, so ``import cnnlib``
stays fast.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Tuple

import numpy as np

from ._checks import as_dataset, as_generator, as_int, as_positive_float


class Split(NamedTuple):
    """A data set as a pair ``(x, y)``: images (N, C, H, W) and integer labels (N,).

    A named tuple: ``x, y = split`` and ``split.x`` both work.

    Examples
    --------
    >>> import numpy as np
    >>> s = Split(np.zeros((3, 1, 8, 8)), np.array([0, 1, 2]))
    >>> x, y = s
    >>> x.shape, s.y.tolist()
    ((3, 1, 8, 8), [0, 1, 2])
    """

    x: np.ndarray
    y: np.ndarray


def load_digits(test_size: float = 0.2, seed: int = 0, dtype=np.float32) -> Tuple[Split, Split]:
    """scikit-learn's 1,797 handwritten digits as (N, 1, 8, 8) images, split into train and test.

    Parameters
    ----------
    test_size : float
        Fraction of the images kept for the test set, in (0, 1). The default
        0.2 keeps 360 test images (35 to 37 of each digit) and 1,437 for training.
    seed : int
        Seed of the stratified split (``sklearn.model_selection.train_test_split``
        with ``stratify=labels``). The default split is the one the book uses.
    dtype : numpy floating dtype
        Of the images (float32 by default). An integer dtype is refused: the
        values are fractions k/16, which it would cut to 0 or 1.

    Returns
    -------
    train, test : Split
        Each a pair ``(x, y)``: ``x`` of shape (N, 1, 8, 8) with values in
        [0, 1] (pixel / 16), ``y`` of shape (N,), integers 0-9.

    Examples
    --------
    >>> train, test = load_digits()
    >>> train.x.shape, train.y.shape, test.x.shape, train.x.dtype
    ((1437, 1, 8, 8), (1437,), (360, 1, 8, 8), dtype('float32'))
    >>> float(train.x.min()), float(train.x.max())
    (0.0, 1.0)
    >>> import numpy as np
    >>> np.bincount(test.y).tolist()       # stratified: each digit 20% of its count
    [36, 36, 35, 37, 36, 37, 36, 36, 35, 36]
    """
    where = "load_digits"
    test_size = as_positive_float(test_size, "test_size", where)
    if test_size >= 1:
        raise ValueError(f"{where}: test_size must be in (0, 1), got {test_size!r}")
    seed = as_int(seed, "seed", where, 0)
    try:
        floating = np.issubdtype(dtype, np.floating)
    except TypeError:                       # not a dtype at all (a misspelt name, say)
        floating = False
    if not floating:
        raise TypeError(f"{where}: dtype must be a floating dtype (the pixels are k/16 in [0, 1]), got {dtype!r}")
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    digits = sk_load_digits()
    x = (digits.images / 16.0).astype(dtype)[:, None, :, :]       # (1797, 1, 8, 8)
    y = digits.target.astype(np.intp)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y)
    return Split(x_train, y_train), Split(x_test, y_test)


def batches(data, batch_size: int, rng=None, shuffle: bool = True) -> Iterator[Split]:
    """Mini-batches ``(x, y)`` of a data set, in an order drawn from ``rng``.

    Like one pass over a ``torch.utils.data.DataLoader(..., shuffle=True)``:
    a permutation of all N examples (``rng.permutation(N)``), cut into
    consecutive batches of ``batch_size``; the last batch holds the remainder
    (it is kept, not dropped). With ``shuffle=False`` the order is 0, 1, ..., N-1.

    Parameters
    ----------
    data : (x, y)
        ``x`` of shape (N, ...), ``y`` of shape (N,).
    batch_size : int
    rng : numpy.random.Generator, int (>= 0) or None
        The permutation's source; the same seed gives the same batches. A
        Generator is consumed (each call draws a new permutation from it).
    shuffle : bool

    Yields
    ------
    Split
        ``x[idx]`` of shape (B, ...) and ``y[idx]`` of shape (B,), B <= batch_size.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [b.y.tolist() for b in batches((x, y), 2, rng=0)]
    [[2, 4], [3, 0], [1]]
    >>> [b.y.tolist() for b in batches((x, y), 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    where = "batches"
    x, y = as_dataset(data, "data", where)
    batch_size = as_int(batch_size, "batch_size", where, 1)
    rng = as_generator(rng, "rng", where)
    n = x.shape[0]
    order = rng.permutation(n) if shuffle else np.arange(n)
    return (Split(x[order[i : i + batch_size]], y[order[i : i + batch_size]]) for i in range(0, n, batch_size))


__all__ = ["Split", "load_digits", "batches"]
