"""Draw the landing page's picture: the sliding kernel of chapter 2, one position.

Usage:  python scripts/make_landing_figure.py   -> book/_static/landing-sliding-kernel.png

The figure is the book's own (cnnlib.viz.plot_window_step on the source notes'
worked example), saved once and committed; run this again after changing viz.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cnnlib import window_step  # noqa: E402
from cnnlib.viz import plot_window_step  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "book" / "_static" / "landing-sliding-kernel.png"

x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
k = np.array([[1, 1], [0, 2]])
fig = plot_window_step(window_step(x, k, 1, 0, "cross-correlation"))
fig.savefig(OUT, dpi=80, metadata={"Software": None})
plt.close(fig)
print(OUT)
