"""How cnnlib writes a number for a reader: one rule for figures, equations and animations.

Whole numbers are written without a decimal point (``13``, not ``13.0``);
others with four significant digits (``123.5``, ``0.3333``, ``-2.5``,
``1.235e+05``). A figure's cells, its title and the equation under it, and
the kernel-free animation all call :func:`number`, so the same value is
written the same way everywhere. Not-finite values are written as NumPy
writes them (``nan``, ``inf``, ``-inf``).

>>> [number(v) for v in (13.0, 123.45, 1 / 3, -2.5, 123456.0, 1e-5, float("nan"))]
['13', '123.5', '0.3333', '-2.5', '123456', '1e-05', 'nan']
"""

from __future__ import annotations

import math

SIGNIFICANT = 4


def number(v) -> str:
    """``v`` as the book writes it (see the module docstring)."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{SIGNIFICANT}g}"


def json_number(v):
    """The value a reader sees, for JSON: an int when whole, else ``number(v)`` read back as a float."""
    text = number(v)
    v = float(text)
    return int(v) if v.is_integer() else v


__all__ = ["number", "json_number"]
